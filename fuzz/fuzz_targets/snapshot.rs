//! Bytes from anywhere: the envelope parser and loader must answer Ok or Err, never
//! panic, and the payload decoder must agree with postcard's. A fuzzer cannot forge signatures, so the same bytes are also decoded as a
//! payload, indexed, re-sealed with the trusted key and loaded: the decoder, the limits
//! and the index behind the signature are fuzzed too, and whatever loads must answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::{Engine, KeySet, LoadOptions, Payload, SigningKey, load, seal};

fn exercise(engine: &Engine, now: i64) {
    let payload = engine.payload();
    let names = payload.permissions.iter().map(|p| p.name.as_str()).take(4);
    for s in payload.subjects.iter().map(|s| s.id.as_str()).take(4) {
        for p in names.clone() {
            let _ = engine.can(s, p, None, now);
            let _ = engine.explain(s, p, None, now);
            for sc in payload.scopes.iter().map(|s| s.id.as_str()).take(4) {
                let _ = engine.can(s, p, Some(sc), now);
            }
        }
        let _ = engine.permissions(s, None, now);
        let _ = engine.subject_active(s);
    }
    for p in names {
        let _ = engine.who_can(p, None, now);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(key) = SigningKey::from_seed([0x5a; 32], Some("fuzz")) else {
        return;
    };
    let Ok(keys) = KeySet::from_keys([key.public_key()]) else {
        return;
    };
    let _ = load(data, &keys, &LoadOptions::at(0));
    // The hand-written decoder against postcard's decoding of the same type: what it
    // accepts decodes the same; what only postcard decodes, no engine loads.
    let oracle = match postcard::take_from_bytes::<Payload>(data) {
        Ok((p, [])) => Some(p),
        _ => None,
    };
    match (Payload::from_bytes(data), oracle) {
        (Ok(ours), theirs) => assert_eq!(Some(ours), theirs),
        (Err(_), Some(theirs)) => assert!(Engine::from_payload(theirs).is_err()),
        (Err(_), None) => {}
    }
    if let Ok(payload) = Payload::from_bytes(data) {
        let now = payload.issued_at;
        if let Ok(engine) = Engine::from_payload(payload.clone()) {
            exercise(&engine, now);
        }
        let sealed = seal(&payload, &key);
        if let Ok(engine) = load(&sealed, &keys, &LoadOptions::at(now)) {
            exercise(&engine, now);
        }
    }
});
