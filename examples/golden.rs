//! Regenerates the golden snapshots in `tests/fixtures/` (run from the repository root):
//!
//! ```text
//! cargo run --example golden
//! ```
//!
//! `tests/golden.rs` rebuilds them in memory and fails on any drift, so a change to the
//! snapshot format shows up as a changed fixture in review.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use rolegate::time::parse_rfc3339;
use rolegate::{BuildOptions, SigningKey, compile_json, seal, seal_delta};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The test-only signing key the fixtures are signed with (its seed is public: never
/// trust it outside tests).
pub fn test_key() -> SigningKey {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/test-signing-key.json")).unwrap();
    SigningKey::from_json(&text).unwrap()
}

/// The fixtures: file name and bytes.
pub fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let policy = std::fs::read_to_string(root().join("examples/policies/acme.json")).unwrap();
    let options = BuildOptions {
        revision: 7,
        issued_at: parse_rfc3339("2026-11-01T00:00:00Z").unwrap(),
        expires_at: Some(parse_rfc3339("2036-11-01T00:00:00Z").unwrap()),
    };
    let payload = compile_json(&policy, &options).unwrap();
    let key = test_key();
    // Revision 8: carol also gets `agent` on the root, as a delta from revision 7.
    let mut doc: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let carol = doc["subjects"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["id"] == "carol")
        .unwrap();
    carol["grants"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"role": "agent", "scope": "acme"}));
    let next = compile_json(
        &doc.to_string(),
        &BuildOptions {
            revision: 8,
            ..options
        },
    )
    .unwrap();
    let old = payload.to_bytes();
    vec![
        ("acme-8.delta", seal_delta(&old, &payload, &next, &key)),
        ("acme.snapshot", seal(&payload, &key)),
        (
            "acme-bob.snapshot",
            seal(&payload.slice("bob").unwrap(), &key),
        ),
    ]
}

fn main() {
    let dir = root().join("tests/fixtures");
    for (name, bytes) in fixtures() {
        let path: &Path = &dir.join(name);
        std::fs::write(path, &bytes).unwrap();
        println!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
}
