//! compile -> sign -> load gives the same answers as the source policy: random policies
//! from the bytes (tests/reference's generator), every query against the naive reference
//! model of the semantics, and every subject's slice against the full snapshot.
#![no_main]

#[path = "../../tests/reference/mod.rs"]
mod reference;

use libfuzzer_sys::fuzz_target;
use reference::{BASE, Choices, Model};
use rolegate::{BuildOptions, KeySet, LoadOptions, SigningKey, compile_json, load, seal};

fuzz_target!(|data: &[u8]| {
    let policy = reference::policy(&mut Choices::new(data));
    let model = Model::new(&policy);
    let options = BuildOptions {
        revision: 1,
        issued_at: BASE - 1000,
        expires_at: None,
    };
    let payload = match compile_json(&policy.to_string(), &options) {
        Ok(p) => p,
        Err(e) => panic!("the generator made a policy the compiler refuses: {e}"),
    };
    let Ok(key) = SigningKey::from_seed([0x5a; 32], Some("fuzz")) else {
        return;
    };
    let Ok(keys) = KeySet::from_keys([key.public_key()]) else {
        return;
    };
    let engine = match load(&seal(&payload, &key), &keys, &LoadOptions::at(BASE - 1000)) {
        Ok(e) => e,
        Err(e) => panic!("a compiled policy failed to load: {e}"),
    };
    let queries = reference::queries(&policy);
    for (s, p, sc, now) in &queries {
        assert_eq!(
            engine.can(s, p, sc.as_deref(), *now),
            model.can(s, p, sc.as_deref(), *now),
            "can({s}, {p}, {sc:?}) at {now}"
        );
    }
    for subject in model.subjects() {
        let Ok(slice) = payload.slice(subject) else {
            panic!("no slice for {subject}");
        };
        let loaded = load(
            &seal(&slice, &key),
            &keys,
            &LoadOptions {
                subject: Some(subject.to_string()),
                ..LoadOptions::at(BASE - 1000)
            },
        );
        let Ok(sliced) = loaded else {
            panic!("the slice of {subject} failed to load");
        };
        for (s, p, sc, now) in &queries {
            let expected = s == subject && engine.can(s, p, sc.as_deref(), *now);
            assert_eq!(
                sliced.can(s, p, sc.as_deref(), *now),
                expected,
                "slice of {subject}"
            );
        }
    }
});
