//! The engine against a naive reference implementation of the semantics
//! (tests/reference), on random policies: scope trees, roles with patterns and
//! extensions, grants on scopes and `*`, expiring grants, inactive subjects. Every query
//! must agree, and every subject's slice must answer like the full snapshot for that
//! subject and deny everyone else.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod reference;

use proptest::collection::vec;
use proptest::prelude::*;
use reference::{BASE, Choices, Model};
use rolegate::{BuildOptions, Engine, KeySet, LoadOptions, Payload, compile_json, load, seal};

fn sign_and_load(payload: &Payload, subject: Option<&str>) -> Engine {
    let key = common::test_key();
    let options = LoadOptions {
        subject: subject.map(String::from),
        ..LoadOptions::at(BASE - 1000)
    };
    load(
        &seal(payload, &key),
        &KeySet::from_keys([key.public_key()]).unwrap(),
        &options,
    )
    .unwrap()
}

fn compile(policy: &serde_json::Value) -> Payload {
    let options = BuildOptions {
        revision: 1,
        issued_at: BASE - 1000,
        expires_at: None,
    };
    compile_json(&policy.to_string(), &options).unwrap_or_else(|e| {
        panic!("the generator made a policy the compiler refuses: {e}\n{policy:#}")
    })
}

/// Runs every query of a generated policy; returns how many were checked.
fn agree(bytes: &[u8]) -> Result<usize, TestCaseError> {
    let policy = reference::policy(&mut Choices::new(bytes));
    let model = Model::new(&policy);
    let payload = compile(&policy);
    let engine = sign_and_load(&payload, None);
    let queries = reference::queries(&policy);
    for (s, p, sc, now) in &queries {
        let expected = model.can(s, p, sc.as_deref(), *now);
        prop_assert_eq!(
            engine.can(s, p, sc.as_deref(), *now),
            expected,
            "can({}, {}, {:?}) at {} in {:#}",
            s,
            p,
            sc,
            now - BASE,
            policy
        );
        prop_assert_eq!(engine.explain(s, p, sc.as_deref(), *now).allowed, expected);
    }
    for subject in model.subjects() {
        let slice = sign_and_load(&payload.slice(subject).unwrap(), Some(subject));
        for (s, p, sc, now) in &queries {
            let expected = s == subject && engine.can(s, p, sc.as_deref(), *now);
            prop_assert_eq!(
                slice.can(s, p, sc.as_deref(), *now),
                expected,
                "slice of {}: can({}, {}, {:?})",
                subject,
                s,
                p,
                sc
            );
        }
    }
    Ok(queries.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn the_engine_agrees_with_the_reference(bytes in vec(any::<u8>(), 0..300)) {
        agree(&bytes)?;
    }
}

/// The roundtrip fuzzer's recorded inputs (fuzz/regressions/roundtrip) agree too.
#[test]
fn recorded_fuzz_inputs_agree() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/roundtrip");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(agree(&bytes).unwrap() > 0);
        count += 1;
    }
    assert!(count >= 2);
}

/// The generator is not degenerate: policies vary, queries are numerous, and both
/// answers occur (a model that always denied would agree with a broken engine less
/// often, but this keeps the test honest).
#[test]
fn the_generated_cases_cover_both_answers() {
    let mut total = 0;
    let mut allowed = 0;
    for seed in 0u32..200 {
        let bytes: Vec<u8> = (0..300u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(40_503)).to_le_bytes()[1])
            .collect();
        let policy = reference::policy(&mut Choices::new(&bytes));
        let model = Model::new(&policy);
        for (s, p, sc, now) in reference::queries(&policy) {
            total += 1;
            allowed += usize::from(model.can(&s, &p, sc.as_deref(), now));
        }
        agree(&bytes).unwrap();
    }
    assert!(total > 50_000, "{total} queries");
    assert!(
        allowed * 20 > total && allowed * 2 < total,
        "{allowed} of {total} allowed"
    );
}
