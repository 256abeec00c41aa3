//! The payload decoder (`snapshot::decode`, hand-written for load speed) against
//! postcard's own decoding of the `Payload` type it mirrors: on every conformance
//! payload and on mutations of them (every byte changed, every truncation), whatever the
//! decoder accepts postcard decodes to the same value, and whatever postcard decodes but
//! the decoder refuses no engine would load either. The engine's columns give back the
//! payload they were built from.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use rolegate::{BuildOptions, Engine, Payload, compile_json};

fn payloads() -> Vec<(String, Payload)> {
    let options = BuildOptions {
        revision: 7,
        issued_at: 1_790_000_000,
        expires_at: Some(1_800_000_000),
    };
    let mut out = Vec::new();
    for dir in ["tests/conformance", "tests/conformance/generated"] {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".policy.json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let payload = compile_json(&text, &options).unwrap();
            out.push((file.display().to_string(), payload));
        }
    }
    assert!(out.len() >= 6, "conformance payloads found: {}", out.len());
    out
}

/// Postcard's decoding, whole input consumed.
fn oracle(bytes: &[u8]) -> Option<Payload> {
    match postcard::take_from_bytes::<Payload>(bytes) {
        Ok((p, [])) => Some(p),
        _ => None,
    }
}

fn agree(bytes: &[u8], what: &str) {
    match (Payload::from_bytes(bytes), oracle(bytes)) {
        (Ok(ours), Some(theirs)) => assert_eq!(ours, theirs, "{what}"),
        (Ok(_), None) => panic!("{what}: the decoder accepts what postcard refuses"),
        // Refused here (a limit, or an index no engine can hold): no engine loads it.
        (Err(_), Some(theirs)) => assert!(Engine::from_payload(theirs).is_err(), "{what}"),
        (Err(_), None) => {}
    }
}

#[test]
fn decodes_every_payload_as_postcard_does() {
    for (name, payload) in payloads() {
        let bytes = payload.to_bytes();
        assert_eq!(Payload::from_bytes(&bytes).unwrap(), payload, "{name}");
        agree(&bytes, &name);
        let engine = Engine::from_payload(payload.clone()).unwrap();
        assert_eq!(
            engine.payload(),
            &payload,
            "{name}: columns give back the payload"
        );
        assert_eq!(engine.subject_count(), payload.subjects.len());
        for (i, s) in payload.subjects.iter().enumerate() {
            assert_eq!(engine.subject_id(&s.id), Some(i as u32), "{name}");
            assert_eq!(engine.subject_name(i as u32), Some(s.id.as_str()));
        }
    }
}

#[test]
fn mutated_payloads_decode_as_postcard_does_or_not_at_all() {
    for (name, payload) in payloads() {
        let bytes = payload.to_bytes();
        // Large payloads: a spread of positions; small ones: every position.
        let step = (bytes.len() / 200).max(1);
        for at in (0..bytes.len()).step_by(step) {
            agree(&bytes[..at], &format!("{name} cut at {at}"));
            for value in [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, bytes[at] ^ 0x01] {
                let mut m = bytes.clone();
                m[at] = value;
                agree(&m, &format!("{name}: byte {at} = {value:#x}"));
            }
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            Payload::from_bytes(&longer).is_err(),
            "{name}: trailing byte"
        );
    }
}
