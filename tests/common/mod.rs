//! Helpers shared by the integration tests: the conformance vectors and a test key.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[cfg(feature = "cli")]
pub mod cli;

use std::path::PathBuf;

use rolegate::{BuildOptions, Engine, KeySet, LoadOptions, SigningKey, compile_json, load, seal};
use serde_json::Value;

/// The project's conformance vectors, `tests/conformance`.
pub fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// Query files of an extra folder of vectors named by `$ROLEGATE_EXTRA_CONFORMANCE`
/// (same layout: `*.queries.json` beside the policies they name), if set.
fn extra_query_files() -> Vec<PathBuf> {
    let Some(dir) = std::env::var_os("ROLEGATE_EXTRA_CONFORMANCE").map(PathBuf::from) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = [dir.clone(), dir.join("generated")]
        .iter()
        .filter(|d| d.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.to_string_lossy().ends_with(".queries.json"))
        .collect();
    assert!(
        !files.is_empty(),
        "no *.queries.json in ROLEGATE_EXTRA_CONFORMANCE={}",
        dir.display()
    );
    files.sort();
    files
}

pub fn read(path: impl Into<PathBuf>) -> String {
    let path = path.into();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json(path: impl Into<PathBuf>) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

/// Every query file of the conformance set, acme first.
pub fn query_files() -> Vec<PathBuf> {
    let dir = conformance_dir();
    let mut files = vec![
        dir.join("acme.queries.json"),
        dir.join("acme-later.queries.json"),
    ];
    let mut generated: Vec<PathBuf> = std::fs::read_dir(dir.join("generated"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".queries.json"))
        .collect();
    generated.sort();
    files.extend(generated);
    files.extend(extra_query_files());
    files
}

pub fn test_key() -> SigningKey {
    SigningKey::from_seed([42; 32], Some("test-1")).unwrap()
}

/// Compiles, signs, verifies and loads a policy at time `now`.
pub fn engine_for(policy_src: &str, now: i64) -> Engine {
    let payload = compile_json(
        policy_src,
        &BuildOptions {
            revision: 1,
            issued_at: now,
            expires_at: None,
        },
    )
    .unwrap();
    let key = test_key();
    let bytes = seal(&payload, &key);
    load(
        &bytes,
        &KeySet::from_keys([key.public_key()]).unwrap(),
        &LoadOptions::at(now),
    )
    .unwrap()
}

/// A query of the conformance form: `[subject, permission, scope|null, expected]`.
pub struct Query {
    pub subject: String,
    pub permission: String,
    pub scope: Option<String>,
    pub expected: bool,
}

/// The policy text, `now` and queries of a query file.
pub fn queries(file: &PathBuf) -> (String, i64, Vec<Query>) {
    let doc = json(file);
    let policy = read(file.parent().unwrap().join(doc["policy"].as_str().unwrap()));
    let now = rolegate::time::parse_rfc3339(doc["now"].as_str().unwrap()).unwrap();
    let queries = doc["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| Query {
            subject: q[0].as_str().unwrap().to_string(),
            permission: q[1].as_str().unwrap().to_string(),
            scope: q[2].as_str().map(str::to_string),
            expected: q[3].as_bool().unwrap(),
        })
        .collect();
    (policy, now, queries)
}
