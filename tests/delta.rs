//! Signed deltas: applied to the snapshot they were built on, they give the engine the
//! full new snapshot gives (the same payload bytes, the same answers); anything else is
//! refused with a code and leaves the old engine as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
#[path = "../benches/engine/synthetic.rs"]
mod synthetic;

use common::{queries, query_files, test_key};
use rolegate::{
    BuildOptions, Engine, KeySet, LoadOptions, Payload, SigningKey, Unverified, apply_delta,
    compile, compile_json, load, seal, seal_delta,
};
use serde_json::{Value, json};

fn keys() -> KeySet {
    KeySet::from_keys([test_key().public_key()]).unwrap()
}

fn build(policy: &str, revision: u64, now: i64) -> Payload {
    compile_json(
        policy,
        &BuildOptions {
            revision,
            issued_at: now,
            expires_at: None,
        },
    )
    .unwrap()
}

/// The policy with one more grant: the first role on the root, for the last subject.
fn with_one_grant(policy: &str) -> String {
    let mut doc: Value = serde_json::from_str(policy).unwrap();
    let role = doc["roles"][0]["name"].clone();
    let root = doc["scopes"][0]["id"].clone();
    let subjects = doc["subjects"].as_array_mut().unwrap();
    let last = subjects.last_mut().unwrap();
    last["grants"]
        .as_array_mut()
        .unwrap()
        .push(json!({"role": role, "scope": root}));
    doc.to_string()
}

fn payload_of(snapshot: &[u8]) -> &[u8] {
    Unverified::parse(snapshot).unwrap().payload_unverified()
}

fn engine(snapshot: &[u8], now: i64) -> Engine {
    load(snapshot, &keys(), &LoadOptions::at(now)).unwrap()
}

fn same_state(a: &Engine, b: &Engine) {
    assert_eq!(a.payload_bytes(), b.payload_bytes());
    assert_eq!(a.payload(), b.payload());
    assert_eq!(a.revision(), b.revision());
    assert_eq!(a.key_id(), b.key_id());
    assert_eq!(a.deny_from(), b.deny_from());
}

#[test]
fn a_delta_gives_the_engine_of_the_full_snapshot_for_every_conformance_policy() {
    let key = test_key();
    for file in query_files() {
        let (policy, now, qs) = queries(&file);
        let old = build(&policy, 1, now);
        let old_snapshot = seal(&old, &key);
        let new_policy = with_one_grant(&policy);
        for new in [build(&new_policy, 2, now), build(&policy, 7, now + 1)] {
            let full = engine(&seal(&new, &key), now);
            let delta = seal_delta(payload_of(&old_snapshot), &old, &new, &key);
            let applied = apply_delta(
                &engine(&old_snapshot, now),
                &delta,
                &keys(),
                &LoadOptions::at(now),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            same_state(&applied, &full);
            for q in &qs {
                assert_eq!(
                    applied.can(&q.subject, &q.permission, q.scope.as_deref(), now),
                    full.can(&q.subject, &q.permission, q.scope.as_deref(), now),
                );
            }
        }
        // Slices too: a delta between one subject's slices.
        let subject = old.subjects.last().unwrap().id.clone();
        let old_slice = old.slice(&subject).unwrap();
        let new_slice = build(&new_policy, 2, now).slice(&subject).unwrap();
        let old_snapshot = seal(&old_slice, &key);
        let delta = seal_delta(payload_of(&old_snapshot), &old_slice, &new_slice, &key);
        let applied = apply_delta(
            &engine(&old_snapshot, now),
            &delta,
            &keys(),
            &LoadOptions::at(now),
        )
        .unwrap();
        same_state(&applied, &engine(&seal(&new_slice, &key), now));
    }
}

#[test]
fn one_grant_in_a_large_tenant_is_a_tiny_delta() {
    let key = test_key();
    let options = |revision| BuildOptions {
        revision,
        issued_at: 1_700_000_000,
        expires_at: None,
    };
    let mut policy = synthetic::policy(20_000);
    let old = compile(&policy, &options(1)).unwrap();
    let subject = &mut policy.subjects[12_345];
    subject.grants.push(rolegate::policy::GrantDecl {
        role: "admin".into(),
        scope: "prj_03".into(),
        expires_at: None,
    });
    let new = compile(&policy, &options(2)).unwrap();
    let old_snapshot = seal(&old, &key);
    let full = seal(&new, &key);
    let delta = seal_delta(payload_of(&old_snapshot), &old, &new, &key);
    // Two signatures' worth of framing and hashes, and a few ops: well under 1%.
    assert!(
        delta.len() * 1000 < full.len(),
        "delta {} bytes, full {} bytes",
        delta.len(),
        full.len()
    );
    let now = 1_700_000_000;
    same_state(
        &apply_delta(
            &engine(&old_snapshot, now),
            &delta,
            &keys(),
            &LoadOptions::at(now),
        )
        .unwrap(),
        &engine(&full, now),
    );
}

#[test]
fn deltas_on_another_base_or_tampered_are_refused_with_codes() {
    let key = test_key();
    let (policy, now, _) = queries(&query_files()[0]);
    let old = build(&policy, 1, now);
    let old_snapshot = seal(&old, &key);
    let new = build(&with_one_grant(&policy), 2, now);
    let delta = seal_delta(payload_of(&old_snapshot), &old, &new, &key);
    let current = engine(&old_snapshot, now);
    let code = |gate: &Engine, bytes: &[u8], options: &LoadOptions| {
        apply_delta(gate, bytes, &keys(), options)
            .map(drop)
            .unwrap_err()
            .code()
    };
    let at = LoadOptions::at(now);

    // On the new revision itself, on the same revision with other bytes, on another tenant.
    assert_eq!(
        code(&engine(&seal(&new, &key), now), &delta, &at),
        "DELTA_BASE"
    );
    let other_bytes = build(&policy, 1, now - 1);
    assert_eq!(
        code(&engine(&seal(&other_bytes, &key), now), &delta, &at),
        "DELTA_BASE"
    );
    let renamed = policy.replacen(&format!("\"{}\"", old.tenant), "\"another-tenant\"", 1);
    assert_eq!(
        code(
            &engine(&seal(&build(&renamed, 1, now), &key), now),
            &delta,
            &at
        ),
        "DELTA_BASE"
    );
    // On a slice of the same revision.
    let subject = old.subjects[0].id.clone();
    assert_eq!(
        code(
            &engine(&seal(&old.slice(&subject).unwrap(), &key), now),
            &delta,
            &at
        ),
        "DELTA_BASE"
    );

    // Signatures first: another key, a flipped byte anywhere, a cut.
    // Another key under the trusted key id, and a key id nobody trusts.
    for (key_id, expected) in [("test-1", "BAD_SIGNATURE"), ("other", "UNKNOWN_KEY")] {
        let signer = SigningKey::from_seed([9; 32], Some(key_id)).unwrap();
        let signed = seal_delta(payload_of(&old_snapshot), &old, &new, &signer);
        assert_eq!(code(&current, &signed, &at), expected, "{key_id}");
    }
    for i in 0..delta.len() {
        let mut bad = delta.clone();
        bad[i] ^= 0x40;
        let err = apply_delta(&current, &bad, &keys(), &at)
            .map(drop)
            .unwrap_err();
        assert!(
            [
                "BAD_SIGNATURE",
                "BAD_MAGIC",
                "UNSUPPORTED_VERSION",
                "MALFORMED",
                "UNKNOWN_KEY"
            ]
            .contains(&err.code()),
            "byte {i}: {err}"
        );
    }
    for n in [0, 3, 10] {
        assert_eq!(code(&current, &delta[..n], &at), "MALFORMED", "{n} bytes");
    }
    assert_eq!(
        code(&current, &delta[..delta.len() - 1], &at),
        "BAD_SIGNATURE"
    );
    assert_eq!(code(&current, &old_snapshot, &at), "BAD_MAGIC");
    let tiny = LoadOptions {
        max_bytes: delta.len() - 1,
        ..at.clone()
    };
    assert_eq!(code(&current, &delta, &tiny), "TOO_LARGE");

    // The load checks hold for what the delta builds: an expired revision, a pinned tenant.
    let expiring = compile_json(
        &with_one_grant(&policy),
        &BuildOptions {
            revision: 2,
            issued_at: now - 10,
            expires_at: Some(now - 1),
        },
    )
    .unwrap();
    let expired = seal_delta(payload_of(&old_snapshot), &old, &expiring, &key);
    assert_eq!(code(&current, &expired, &at), "EXPIRED");
    // The engine it was applied to is untouched by every refusal.
    same_state(&current, &engine(&old_snapshot, now));
}
