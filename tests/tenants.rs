//! The generated conformance tenants (`cargo run --example tenants`) do not drift, and
//! the copies of the external vectors in `tests/conformance` are the ones recorded in
//! `tests/conformance/SHA256SUMS`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
#[path = "../examples/tenants.rs"]
mod tenants;

use sha2::{Digest, Sha256};

#[test]
fn generated_tenants_do_not_drift() {
    for shape in &tenants::SHAPES {
        for (name, text) in tenants::tenant(shape) {
            let committed = common::read(tenants::dir().join(&name));
            assert!(
                committed == text,
                "{name} differs from what the generator produces: run `cargo run --example tenants` and review"
            );
        }
    }
}

#[test]
fn generated_tenants_have_the_shape_they_claim() {
    for shape in &tenants::SHAPES {
        let [(_, policy), (_, queries)] = tenants::tenant(shape);
        let policy: serde_json::Value = serde_json::from_str(&policy).unwrap();
        let queries: serde_json::Value = serde_json::from_str(&queries).unwrap();
        let subjects = policy["subjects"].as_array().unwrap();
        assert_eq!(subjects.len(), shape.subjects, "{}", shape.name);
        let count =
            |f: &dyn Fn(&serde_json::Value) -> bool| subjects.iter().filter(|s| f(s)).count();
        assert!(count(&|s| s["kind"] == "api_key") > shape.subjects / 10);
        assert!(count(&|s| s["active"] == false) > 0);
        let grants: Vec<&serde_json::Value> = subjects
            .iter()
            .flat_map(|s| s["grants"].as_array().unwrap())
            .collect();
        assert!(grants.iter().any(|g| g["scope"] == "*"));
        assert!(grants.iter().any(|g| g.get("expires_at").is_some()));
        let queries = queries["queries"].as_array().unwrap();
        assert_eq!(queries.len(), shape.queries);
        let allowed = queries.iter().filter(|q| q[3] == true).count();
        // Both answers are well represented.
        assert!(
            allowed > shape.queries / 10 && allowed < shape.queries * 9 / 10,
            "{allowed}"
        );
    }
}

#[test]
fn vector_copies_match_their_checksums() {
    let dir = common::conformance_dir();
    let sums = common::read(dir.join("SHA256SUMS"));
    let mut checked = 0;
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (sum, name) = line.split_once("  ").expect("`SUM  NAME` lines");
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let got = rolegate::encoding::hex_encode(&Sha256::digest(&bytes));
        assert_eq!(
            got, sum,
            "{name} was edited: the external vectors are kept as received"
        );
        checked += 1;
    }
    assert!(checked >= 11, "{checked}");
}
