//! Delta bytes from anywhere, applied to a loaded engine: Ok or a coded refusal, never a
//! panic, and the engine applied to unchanged when refused. A fuzzer cannot forge
//! signatures, so the same bytes are also signed as a delta body (the decoder behind the
//! signature) and as the ops behind a header right for the engine (the ops and the hash
//! checks), and, when they decode as a payload, a real
//! delta to them is built and applied: it must give exactly what loading their full
//! snapshot gives, or be refused exactly when that load is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::snapshot::delta::{seal_delta_body, sha512};
use rolegate::{
    Engine, KeySet, LoadOptions, Payload, SigningKey, Unverified, apply_delta, load, seal, seal_delta,
};

fn base() -> Payload {
    let snapshot = include_bytes!("../../tests/fixtures/acme.snapshot");
    let mut payload = Unverified::parse(snapshot)
        .and_then(|e| Payload::from_bytes(e.payload_unverified()))
        .unwrap_or_else(|_| unreachable!("the fixture decodes"));
    payload.revision = 1;
    payload
}

fuzz_target!(|data: &[u8]| {
    let Ok(key) = SigningKey::from_seed([0x5a; 32], Some("fuzz")) else {
        return;
    };
    let Ok(keys) = KeySet::from_keys([key.public_key()]) else {
        return;
    };
    let old = base();
    let now = old.issued_at;
    let options = LoadOptions::at(now);
    let Ok(engine) = load(&seal(&old, &key), &keys, &options) else {
        return;
    };
    let before = engine.payload_bytes().to_vec();
    // The data as ops behind a header right for the engine, so that they run.
    let head = (
        old.tenant.as_str(),
        "",
        1u64,
        &sha512(&before)[..],
        2u64,
        before.len() as u64,
        &[0u8; 64][..],
    );
    let mut ops = postcard::to_allocvec(&head).unwrap_or_default();
    ops.extend_from_slice(data);
    for delta in [data.to_vec(), seal_delta_body(data, &key), seal_delta_body(&ops, &key)] {
        if let Err(e) = apply_delta(&engine, &delta, &keys, &options) {
            assert!(!e.code().is_empty());
        }
    }
    assert_eq!(engine.payload_bytes(), before.as_slice());
    if let Ok(mut new) = Payload::from_bytes(data) {
        new.tenant = old.tenant.clone();
        new.subject = None;
        new.revision = 2;
        let delta = seal_delta(&before, &old, &new, &key);
        let applied = apply_delta(&engine, &delta, &keys, &options);
        let full = load(&seal(&new, &key), &keys, &options);
        match (applied, full) {
            (Ok(a), Ok(f)) => {
                assert_eq!(a.payload_bytes(), f.payload_bytes());
                assert_eq!(a.payload(), f.payload());
            }
            (Err(a), Err(f)) => assert_eq!(a.code(), f.code()),
            (a, f) => panic!("delta {:?} but full load {:?}", a.map(|_| ()), f.map(|_: Engine| ())),
        }
    }
});
