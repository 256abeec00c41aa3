//! Replays fuzz/regressions: every snapshot input is refused with a code (also when its
//! bytes are read as a payload behind a good signature), every policy input is refused
//! with a code, and nothing panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;

use rolegate::{BuildOptions, Engine, KeySet, LoadOptions, Payload, compile_json, load, seal};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_snapshot_input_is_refused_with_a_code() {
    let key = common::test_key();
    let keys = KeySet::from_keys([key.public_key()]).unwrap();
    let cases = inputs("snapshot");
    assert!(cases.len() >= 4);
    for (name, bytes) in cases {
        let err = load(&bytes, &keys, &LoadOptions::at(0)).unwrap_err();
        assert!(!err.code().is_empty(), "{name}");
        // Behind a good signature, the decoder and the index refuse it too, or it loads.
        if let Ok(payload) = Payload::from_bytes(&bytes) {
            let now = payload.issued_at;
            let _ = Engine::from_payload(payload.clone());
            let _ = load(&seal(&payload, &key), &keys, &LoadOptions::at(now));
        }
    }
}

#[test]
fn every_policy_input_is_refused_with_a_code() {
    let options = BuildOptions {
        revision: 1,
        issued_at: 0,
        expires_at: None,
    };
    let cases = inputs("policy");
    assert!(cases.len() >= 3);
    for (name, bytes) in cases {
        let src = String::from_utf8_lossy(&bytes);
        let err = compile_json(&src, &options).unwrap_err();
        assert!(!err.code().is_empty(), "{name}");
        assert!(!rolegate::diagnose(&src).is_empty(), "{name}");
    }
}
