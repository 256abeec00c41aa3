//! Cases for the wasm bindings, shared by the Node and browser test crates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use js_sys::{Array, Object, Reflect, Uint8Array};
use rolegate::wasm::{WasmGate, WasmTrust};
use rolegate::{BuildOptions, SigningKey, compile_json, seal};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const ACME_SNAPSHOT: &[u8] = include_bytes!("../fixtures/acme.snapshot");
const ACME_BOB: &[u8] = include_bytes!("../fixtures/acme-bob.snapshot");
const TEST_KEY: &str = include_str!("../fixtures/test-signing-key.json");
const ACME_POLICY: &str = include_str!("../../examples/policies/acme.json");
const ACME_QUERIES: &str = include_str!("../conformance/acme.queries.json");
const ACME_LATER: &str = include_str!("../conformance/acme-later.queries.json");
const ACME_TOKENS: &str = include_str!("../conformance/acme.tokens.json");
const SMALL_POLICY: &str = include_str!("../conformance/generated/small-1.policy.json");
const SMALL_QUERIES: &str = include_str!("../conformance/generated/small-1.queries.json");

fn key() -> SigningKey {
    SigningKey::from_json(TEST_KEY).unwrap()
}

/// What the JS layer hands a gate: the test key, and the load options in `extra`.
fn options(extra: &[(&str, JsValue)]) -> WasmTrust {
    let get = |name: &str| extra.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    let mut trust = WasmTrust::new(
        get("tenant").and_then(JsValue::as_string),
        get("subject").and_then(JsValue::as_string),
        get("minRevision").and_then(JsValue::as_f64),
        get("maxBytes").and_then(JsValue::as_f64),
        None,
        None,
    );
    let public = key().public_key();
    // Key bytes: the JS layer decodes base64 text before the engine sees it.
    trust.key(public.key_id(), &public.to_bytes()).unwrap();
    trust
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn ms(rfc3339: &str) -> f64 {
    rolegate::time::parse_rfc3339(rfc3339).unwrap() as f64 * 1000.0
}

fn code(err: &JsValue) -> String {
    Reflect::get(err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

fn run_queries(gate: &WasmGate, file: &str) -> usize {
    let doc: Value = serde_json::from_str(file).unwrap();
    let now = ms(doc["now"].as_str().unwrap());
    let ids: Vec<String> = gate.permission_names();
    let scopes: Vec<String> = gate.scope_ids();
    let queries = doc["queries"].as_array().unwrap();
    for q in queries {
        let (s, p, sc, expected) = (
            q[0].as_str().unwrap(),
            q[1].as_str().unwrap(),
            q[2].as_str(),
            q[3].as_bool().unwrap(),
        );
        assert_eq!(
            gate.can(s, p, sc.map(String::from), now),
            expected,
            "can({s}, {p}, {sc:?})"
        );
        let by_id = match (
            gate.subject_id(s),
            ids.iter().position(|n| n == p),
            sc.map_or(Some(0), |x| scopes.iter().position(|n| n == x)),
        ) {
            (sid, Some(pid), Some(scid)) if sid >= 0 => {
                gate.can_ids(sid as u32, pid as u32, scid as u32, now)
            }
            _ => false,
        };
        assert_eq!(by_id, expected, "canIds({s}, {p}, {sc:?})");
        let explained = gate.explain(s, p, sc.map(String::from), now);
        assert_eq!(
            Reflect::get(&explained, &"allowed".into())
                .unwrap()
                .as_bool(),
            Some(expected)
        );
    }
    queries.len()
}

#[wasm_bindgen_test]
fn conformance_acme_through_the_bindings() {
    let gate = WasmGate::new(
        bytes(ACME_SNAPSHOT),
        &options(&[("tenant", "acme".into())]),
        ms("2026-11-23T12:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        (gate.tenant(), gate.revision(), gate.key_id()),
        ("acme".to_string(), 7.0, Some("rolegate-test-1".to_string()))
    );
    let n = run_queries(&gate, ACME_QUERIES) + run_queries(&gate, ACME_LATER);
    assert!(n > 10_000);
    let tokens: Value = serde_json::from_str(ACME_TOKENS).unwrap();
    for pair in tokens["tokens"].as_array().unwrap() {
        assert_eq!(
            gate.subject_for_token(pair[0].as_str().unwrap()).as_deref(),
            pair[1].as_str()
        );
    }
}

#[wasm_bindgen_test]
fn conformance_generated_tenant_compiled_in_wasm() {
    let doc: Value = serde_json::from_str(SMALL_QUERIES).unwrap();
    let now = rolegate::time::parse_rfc3339(doc["now"].as_str().unwrap()).unwrap();
    let payload = compile_json(
        SMALL_POLICY,
        &BuildOptions {
            revision: 3,
            issued_at: now,
            expires_at: None,
        },
    )
    .unwrap();
    let gate = WasmGate::new(
        bytes(&seal(&payload, &key())),
        &options(&[]),
        now as f64 * 1000.0,
    )
    .unwrap();
    assert_eq!(run_queries(&gate, SMALL_QUERIES), 20_000);
}

#[wasm_bindgen_test]
fn refusals_are_errors_with_codes_and_keep_the_old_snapshot() {
    let now = ms("2026-11-23T12:00:00Z");
    let mut gate = WasmGate::new(bytes(ACME_SNAPSHOT), &options(&[]), now).unwrap();
    let mut tampered = ACME_SNAPSHOT.to_vec();
    tampered[200] ^= 4;
    let err = gate.update(bytes(&tampered), now, false).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(code(&err), "BAD_SIGNATURE");
    assert_eq!(
        Reflect::get(&err, &"name".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("RolegateError")
    );
    // Same revision reloads; a lower revision is a rollback.
    gate.update(bytes(ACME_SNAPSHOT), now, false).unwrap();
    let policy = compile_json(
        ACME_POLICY,
        &BuildOptions {
            revision: 6,
            issued_at: 0,
            expires_at: None,
        },
    )
    .unwrap();
    assert_eq!(
        code(
            &gate
                .update(bytes(&seal(&policy, &key())), now, false)
                .unwrap_err()
        ),
        "ROLLBACK"
    );
    assert!(
        gate.can("alice", "billing.cancel", None, now),
        "the old snapshot keeps serving"
    );
    assert_eq!(gate.revision(), 7.0);

    let err = |b: &[u8], extra: &[(&str, JsValue)], at: &str| {
        code(&WasmGate::new(bytes(b), &options(extra), ms(at)).unwrap_err())
    };
    assert_eq!(
        err(
            ACME_SNAPSHOT,
            &[("tenant", "globex".into())],
            "2026-11-23T12:00:00Z"
        ),
        "WRONG_TENANT"
    );
    assert_eq!(
        err(
            ACME_SNAPSHOT,
            &[("subject", "bob".into())],
            "2026-11-23T12:00:00Z"
        ),
        "WRONG_SUBJECT"
    );
    assert_eq!(
        err(
            ACME_SNAPSHOT,
            &[("minRevision", 8.into())],
            "2026-11-23T12:00:00Z"
        ),
        "ROLLBACK"
    );
    assert_eq!(
        err(
            ACME_SNAPSHOT,
            &[("maxBytes", 100.into())],
            "2026-11-23T12:00:00Z"
        ),
        "TOO_LARGE"
    );
    assert_eq!(err(ACME_SNAPSHOT, &[], "2036-11-01T00:00:00Z"), "EXPIRED");
    assert_eq!(
        err(ACME_SNAPSHOT, &[], "2026-10-01T00:00:00Z"),
        "NOT_YET_VALID"
    );
    assert_eq!(
        err(b"not a snapshot", &[], "2026-11-23T12:00:00Z"),
        "BAD_MAGIC"
    );
    assert_eq!(
        err(&ACME_SNAPSHOT[..40], &[], "2026-11-23T12:00:00Z"),
        "MALFORMED"
    );
    let slice =
        WasmGate::new(bytes(ACME_BOB), &options(&[("subject", "bob".into())]), now).unwrap();
    assert_eq!(slice.slice_subject().as_deref(), Some("bob"));
    assert!(slice.can("bob", "roles.create", Some("shop-dev".into()), now));
    assert!(!slice.can("alice", "roles.view", None, now));
}

#[wasm_bindgen_test]
fn the_golden_delta_applies_in_wasm_and_a_tampered_one_keeps_the_old_snapshot() {
    const DELTA: &[u8] = include_bytes!("../fixtures/acme-8.delta");
    let now = ms("2026-11-23T12:00:00Z");
    let mut gate = WasmGate::new(bytes(ACME_SNAPSHOT), &options(&[]), now).unwrap();
    let mut tampered = DELTA.to_vec();
    tampered[60] ^= 1;
    assert_eq!(
        code(&gate.update(bytes(&tampered), now, true).unwrap_err()),
        "BAD_SIGNATURE"
    );
    assert_eq!(
        code(&gate.update(bytes(ACME_SNAPSHOT), now, true).unwrap_err()),
        "BAD_MAGIC"
    );
    assert_eq!(gate.revision(), 7.0);
    assert!(!gate.can("carol", "folders.view", None, now));
    gate.update(bytes(DELTA), now, true).unwrap();
    assert_eq!(gate.revision(), 8.0);
    assert!(gate.can("carol", "folders.view", None, now));
    assert_eq!(
        code(&gate.update(bytes(DELTA), now, true).unwrap_err()),
        "DELTA_BASE"
    );
}

#[wasm_bindgen_test]
fn checks_deny_after_expiry_and_for_a_clock_that_is_not_a_number() {
    let gate = WasmGate::new(
        bytes(ACME_SNAPSHOT),
        &options(&[]),
        ms("2026-11-23T12:00:00Z"),
    )
    .unwrap();
    assert!(gate.can("alice", "roles.create", None, ms("2036-10-31T23:59:59Z")));
    assert!(!gate.can("alice", "roles.create", None, ms("2036-11-01T00:00:00Z")));
    assert!(!gate.can("alice", "roles.create", None, f64::NAN));
    assert!(!gate.can("alice", "roles.create", None, f64::INFINITY));
    assert!(!gate.can("alice", "roles.create", None, f64::NEG_INFINITY));
    assert_eq!(gate.deny_from(), ms("2036-11-01T00:00:00Z"));
}

#[wasm_bindgen_test]
fn bad_arguments_throw_type_errors() {
    let now = ms("2026-11-23T12:00:00Z");
    for bad in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        42.into(),
        "RGSN".into(),
        Object::new().into(),
        Array::new().into(),
    ] {
        let err = WasmGate::new(bad, &options(&[]), now).unwrap_err();
        assert!(err.is_instance_of::<js_sys::TypeError>(), "{err:?}");
        assert_eq!(code(&err), "INVALID_ARGUMENT");
    }
    // The options object is read and checked in JS (js/plain.js; tests/package); the
    // engine checks the keys it is handed.
    let mut trust = WasmTrust::new(None, None, None, None, None, None);
    assert_eq!(
        code(&trust.key("rolegate-test-1", &[0; 31]).unwrap_err()),
        "BAD_KEY"
    );
    assert_eq!(
        code(
            &trust
                .key("not a key id", &key().public_key().to_bytes())
                .unwrap_err()
        ),
        "BAD_KEY"
    );
    assert_eq!(
        code(&WasmGate::new(bytes(ACME_SNAPSHOT), &trust, now).unwrap_err()),
        "UNKNOWN_KEY",
        "no key trusted: nothing verifies"
    );
    trust
        .key("rolegate-test-1", &key().public_key().to_bytes())
        .unwrap();
    assert_eq!(
        code(&trust.key("rolegate-test-1", &[7; 32]).unwrap_err()),
        "BAD_KEY",
        "an id already trusted with another key"
    );
    let gate = WasmGate::new(bytes(ACME_SNAPSHOT), &trust, now).unwrap();
    assert_eq!(
        code(&gate.subject_for_token_hash(&[0; 31]).unwrap_err()),
        "INVALID_ARGUMENT"
    );
}

#[wasm_bindgen_test]
fn garbage_never_traps() {
    let now = ms("2026-11-23T12:00:00Z");
    let mut seed = 0x1234_5678_u32;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect()
    };
    for n in [0, 1, 4, 7, 70, 71, 72, 200, 5000] {
        let mut b = noise(n);
        if b.len() >= 7 {
            b[..7].copy_from_slice(b"RGSN\x01\x00\x00");
        }
        assert!(WasmGate::new(bytes(&b), &options(&[]), now).is_err());
    }
    let gate = WasmGate::new(bytes(ACME_SNAPSHOT), &options(&[]), now).unwrap();
    let long = "x".repeat(1 << 20);
    assert!(!gate.can(&long, &long, Some(long.clone()), now));
    assert!(!gate.can("\u{fffd}\u{0}", "roles.*", Some("*".into()), now));
    assert!(gate.subject_for_token(&long).is_none());
    let mut gate = gate;
    gate.permission_words(u32::MAX, u32::MAX, now);
    let words: Vec<u32> = (0..4).map(|i| gate.word(i)).collect();
    assert_eq!(
        words, [0; 4],
        "out-of-range ids hold nothing, and every word is written"
    );
}
