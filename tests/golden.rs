//! The golden fixtures: no drift, the expected answers, and every tampered byte refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
#[path = "../examples/golden.rs"]
mod golden;

use rolegate::time::parse_rfc3339;
use rolegate::{KeySet, LoadOptions, SigningKey, load, seal};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(golden::root().join("tests/fixtures").join(name)).unwrap()
}

fn trusted() -> KeySet {
    KeySet::from_keys([golden::test_key().public_key()]).unwrap()
}

fn at(time: &str) -> LoadOptions {
    LoadOptions::at(parse_rfc3339(time).unwrap())
}

#[test]
fn fixtures_do_not_drift() {
    for (name, bytes) in golden::fixtures() {
        assert!(
            fixture(name) == bytes,
            "{name} differs from what the code produces: run `cargo run --example golden` and review"
        );
    }
}

#[test]
fn the_policy_copy_matches_the_conformance_policy() {
    let shared = common::read(common::conformance_dir().join("acme.policy.json"));
    let ours = common::read(golden::root().join("examples/policies/acme.json"));
    assert_eq!(ours, shared);
}

#[test]
fn the_golden_snapshot_answers_the_acme_vectors() {
    let bytes = fixture("acme.snapshot");
    for file in ["acme.queries.json", "acme-later.queries.json"] {
        let (_, now, queries) = common::queries(&common::conformance_dir().join(file));
        let engine = load(&bytes, &trusted(), &LoadOptions::at(now)).unwrap();
        assert_eq!(
            (engine.tenant(), engine.revision(), engine.key_id()),
            ("acme", 7, Some("rolegate-test-1"))
        );
        for q in queries {
            assert_eq!(
                engine.can(&q.subject, &q.permission, q.scope.as_deref(), now),
                q.expected
            );
        }
    }
}

/// Flips every bit of `good` in turn: `open` must refuse each with a framing or
/// signature code.
fn every_flip_refused(
    name: &str,
    good: &[u8],
    open: impl Fn(&[u8]) -> Result<(), rolegate::Error>,
) {
    let mut bytes = good.to_vec();
    for i in 0..bytes.len() * 8 {
        bytes[i / 8] ^= 1 << (i % 8);
        let err = open(&bytes).expect_err(&format!("{name}: flipped bit {i} accepted"));
        assert!(
            [
                "BAD_MAGIC",
                "UNSUPPORTED_VERSION",
                "UNKNOWN_KEY",
                "BAD_SIGNATURE",
                "MALFORMED"
            ]
            .contains(&err.code()),
            "{name} bit {i}: {err}"
        );
        bytes[i / 8] ^= 1 << (i % 8);
    }
    assert_eq!(bytes, good);
}

#[test]
fn every_bit_flip_is_refused() {
    let keys = trusted();
    let options = at("2026-11-23T12:00:00Z");
    for name in ["acme-bob.snapshot", "acme.snapshot"] {
        let good = fixture(name);
        assert!(load(&good, &keys, &options).is_ok());
        every_flip_refused(name, &good, |b| load(b, &keys, &options).map(drop));
    }
}

#[test]
fn every_truncation_and_extension_is_refused() {
    let keys = trusted();
    let options = at("2026-11-23T12:00:00Z");
    let good = fixture("acme-bob.snapshot");
    for len in 0..good.len() {
        assert!(
            load(&good[..len], &keys, &options).is_err(),
            "truncated to {len} accepted"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert_eq!(
        load(&longer, &keys, &options).unwrap_err().code(),
        "BAD_SIGNATURE"
    );
}

#[test]
fn each_refusal_has_its_own_code() {
    let bytes = fixture("acme.snapshot");
    let keys = trusted();
    let code = |options: &LoadOptions| load(&bytes, &keys, options).unwrap_err().code();
    let base = at("2026-11-23T12:00:00Z");
    assert_eq!(
        code(&LoadOptions {
            tenant: Some("globex".into()),
            ..base.clone()
        }),
        "WRONG_TENANT"
    );
    assert_eq!(
        code(&LoadOptions {
            subject: Some("bob".into()),
            ..base.clone()
        }),
        "WRONG_SUBJECT"
    );
    assert_eq!(
        code(&LoadOptions {
            min_revision: 8,
            ..base.clone()
        }),
        "ROLLBACK"
    );
    assert_eq!(
        code(&LoadOptions {
            max_bytes: bytes.len() - 1,
            ..base.clone()
        }),
        "TOO_LARGE"
    );
    assert_eq!(code(&at("2036-11-01T00:00:00Z")), "EXPIRED");
    assert_eq!(code(&at("2026-10-31T23:58:59Z")), "NOT_YET_VALID");
    // Within the clock skew, and inside a configured grace, it loads.
    assert!(load(&bytes, &keys, &at("2026-10-31T23:59:30Z")).is_ok());
    assert!(
        load(
            &bytes,
            &keys,
            &LoadOptions {
                expiry_grace: 60,
                ..at("2036-11-01T00:00:30Z")
            }
        )
        .is_ok()
    );
    assert!(
        load(
            &bytes,
            &keys,
            &LoadOptions {
                min_revision: 7,
                tenant: Some("acme".into()),
                ..base.clone()
            }
        )
        .is_ok()
    );
    let slice = fixture("acme-bob.snapshot");
    assert!(
        load(
            &slice,
            &keys,
            &LoadOptions {
                subject: Some("bob".into()),
                ..base.clone()
            }
        )
        .is_ok()
    );
    assert_eq!(
        load(
            &slice,
            &keys,
            &LoadOptions {
                subject: Some("alice".into()),
                ..base.clone()
            }
        )
        .unwrap_err()
        .code(),
        "WRONG_SUBJECT"
    );
    let stranger =
        KeySet::from_keys([SigningKey::from_seed([1; 32], None).unwrap().public_key()]).unwrap();
    assert_eq!(
        load(&bytes, &stranger, &base).unwrap_err().code(),
        "UNKNOWN_KEY"
    );
    assert_eq!(
        load(b"{\"format\": \"rolegate.policy/1\"}", &keys, &base)
            .unwrap_err()
            .code(),
        "BAD_MAGIC"
    );
}

#[test]
fn checks_deny_once_the_snapshot_expires_while_serving() {
    let engine = load(
        &fixture("acme.snapshot"),
        &trusted(),
        &at("2026-11-23T12:00:00Z"),
    )
    .unwrap();
    let before = parse_rfc3339("2036-10-31T23:59:59Z").unwrap();
    let after = parse_rfc3339("2036-11-01T00:00:00Z").unwrap();
    assert!(engine.can("alice", "roles.create", None, before));
    assert!(!engine.can("alice", "roles.create", None, after));
    assert_eq!(
        engine
            .explain("alice", "roles.create", None, after)
            .reason
            .code(),
        "snapshot_expired"
    );
    assert!(
        engine
            .permission_set("alice", None, after)
            .ids()
            .next()
            .is_none()
    );
    assert_eq!(
        engine.permission_set("alice", None, before).valid_until(),
        after
    );
}

#[test]
fn keys_rotate_by_key_id() {
    let policy = common::read(golden::root().join("examples/policies/acme.json"));
    let payload = rolegate::compile_json(
        &policy,
        &rolegate::BuildOptions {
            revision: 8,
            issued_at: 0,
            expires_at: None,
        },
    )
    .unwrap();
    let old = golden::test_key();
    let new = SigningKey::from_seed([9; 32], Some("rolegate-test-2")).unwrap();
    let both = KeySet::from_keys([old.public_key(), new.public_key()]).unwrap();
    let options = LoadOptions::at(0);
    assert_eq!(
        load(&seal(&payload, &new), &both, &options)
            .unwrap()
            .key_id(),
        Some("rolegate-test-2")
    );
    assert_eq!(
        load(&seal(&payload, &old), &both, &options)
            .unwrap()
            .key_id(),
        Some("rolegate-test-1")
    );
    let mut only_new = both.clone();
    only_new.remove("rolegate-test-1");
    assert_eq!(
        load(&seal(&payload, &old), &only_new, &options)
            .unwrap_err()
            .code(),
        "UNKNOWN_KEY"
    );
}

#[test]
fn a_revision_javascript_cannot_hold_exactly_is_refused_at_load() {
    // Signed by another producer that skipped the compiler's check: refused, not rounded.
    let policy = common::read(golden::root().join("examples/policies/acme.json"));
    let options = rolegate::BuildOptions {
        revision: 1,
        issued_at: 0,
        expires_at: None,
    };
    let mut payload = rolegate::compile_json(&policy, &options).unwrap();
    let key = golden::test_key();
    for (revision, loads) in [
        (rolegate::snapshot::limits::MAX_REVISION, true),
        (9_007_199_254_740_995, false),
        (u64::MAX, false),
    ] {
        payload.revision = revision;
        let got = load(
            &rolegate::seal(&payload, &key),
            &trusted(),
            &at("2026-11-23T12:00:00Z"),
        );
        match got {
            Ok(engine) => assert!(loads && engine.revision() == revision),
            Err(e) => assert!(!loads && e.code() == "LIMIT_EXCEEDED", "{e}"),
        }
    }
}

#[test]
fn the_golden_delta_takes_acme_to_revision_8_and_every_bit_flip_of_it_is_refused() {
    let keys = trusted();
    let options = at("2026-11-23T12:00:00Z");
    let engine = load(&fixture("acme.snapshot"), &keys, &options).unwrap();
    let good = fixture("acme-8.delta");
    assert!(!engine.can("carol", "folders.view", None, options.now));
    let next = rolegate::apply_delta(&engine, &good, &keys, &options).unwrap();
    assert_eq!(next.revision(), 8);
    assert!(next.can("carol", "folders.view", None, options.now));
    every_flip_refused("acme-8.delta", &good, |b| {
        rolegate::apply_delta(&engine, b, &keys, &options).map(drop)
    });
    for n in 0..good.len() {
        assert!(rolegate::apply_delta(&engine, &good[..n], &keys, &options).is_err());
    }
}
