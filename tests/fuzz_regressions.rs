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

use rolegate::snapshot::delta::seal_delta_body;
use rolegate::{
    BuildOptions, Engine, KeySet, LoadOptions, Payload, apply_delta, compile_json, load, seal,
};

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

/// A delta body whose header is right for `engine` (its revision and the SHA-512 of its
/// payload, revision + 1, as many bytes out as in) followed by `ops`: the ops then run.
pub fn body_on(engine: &Engine, ops: &[u8]) -> Vec<u8> {
    let old = engine.payload_bytes();
    let head = (
        engine.tenant(),
        "",
        engine.revision(),
        &rolegate::snapshot::delta::sha512(old)[..],
        engine.revision() + 1,
        old.len() as u64,
        &[0u8; 64][..],
    );
    let mut body = postcard::to_allocvec(&head).unwrap();
    body.extend_from_slice(ops);
    body
}

#[test]
fn every_delta_input_is_refused_with_a_code_also_behind_a_good_signature() {
    let key = common::test_key();
    let keys = KeySet::from_keys([key.public_key()]).unwrap();
    let (policy, now, _) = common::queries(&common::query_files()[0]);
    let payload = compile_json(
        &policy,
        &BuildOptions {
            revision: 7,
            issued_at: now,
            expires_at: None,
        },
    )
    .unwrap();
    let engine = load(&seal(&payload, &key), &keys, &LoadOptions::at(now)).unwrap();
    let cases = inputs("delta");
    assert!(cases.len() >= 5);
    for (name, bytes) in cases {
        let signed = seal_delta_body(&bytes, &key);
        let ops = seal_delta_body(&body_on(&engine, &bytes), &key);
        for delta in [bytes.clone(), signed, ops] {
            let err = apply_delta(&engine, &delta, &keys, &LoadOptions::at(now)).unwrap_err();
            assert!(!err.code().is_empty(), "{name}");
        }
    }
    // The harness itself: a whole-copy op behind that header runs to the hash check.
    let whole = [
        &[1u8, 0][..],
        &postcard::to_allocvec(&(0u64, engine.payload_bytes().len() as u64)).unwrap(),
    ]
    .concat();
    let err = apply_delta(
        &engine,
        &seal_delta_body(&body_on(&engine, &whole), &key),
        &keys,
        &LoadOptions::at(now),
    )
    .unwrap_err();
    assert_eq!(err.code(), "DELTA_MISMATCH");
}
