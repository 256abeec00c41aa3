//! Holder limits (tests/vectors/holder-limits.json): roles with `min_holders` /
//! `max_holders` compile only when the active subjects granted them fit, and the error
//! names the role and its holders, with the path and line of the limit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use rolegate::{BuildOptions, compile_json, diagnose};

fn vectors() -> serde_json::Value {
    common::json(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/holder-limits.json"),
    )
}

const OPTIONS: BuildOptions = BuildOptions {
    revision: 1,
    issued_at: 0,
    expires_at: None,
};

#[test]
fn over_and_under_held_roles_are_refused_naming_role_and_holders() {
    let doc = vectors();
    let cases = doc["invalid"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let src = serde_json::to_string_pretty(&case["policy"]).unwrap();
        let err = compile_json(&src, &OPTIONS).unwrap_err();
        assert_eq!(err.code(), "HOLDER_LIMIT", "{name}: {err}");
        for m in case["mentions"].as_array().unwrap() {
            assert!(
                err.to_string().contains(m.as_str().unwrap()),
                "{name}: `{err}` lacks {m}"
            );
        }
        assert!(
            err.path().is_some_and(|p| p.ends_with("_holders")),
            "{name}: {:?}",
            err.path()
        );
        assert!(err.line().is_some(), "{name}: no line");
        assert!(
            diagnose(&src).iter().all(|e| e.code() == "HOLDER_LIMIT"),
            "{name}"
        );
    }
}

#[test]
fn roles_within_their_limits_compile() {
    let doc = vectors();
    for case in doc["valid"].as_array().unwrap() {
        let src = case["policy"].to_string();
        compile_json(&src, &OPTIONS).unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
    }
}
