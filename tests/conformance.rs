//! Every conformance vector in `tests/conformance`, through the full path:
//! compile, sign, verify, load, check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use rolegate::{BuildOptions, Engine, compile_json, diagnose};

#[test]
fn every_query_file_gives_the_expected_answers() {
    let mut total = 0;
    for file in query_files() {
        let (policy, now, queries) = queries(&file);
        let engine = engine_for(&policy, now);
        let mut mismatches = Vec::new();
        for q in &queries {
            let got = engine.can(&q.subject, &q.permission, q.scope.as_deref(), now);
            let decision = engine.explain(&q.subject, &q.permission, q.scope.as_deref(), now);
            assert_eq!(
                decision.allowed, got,
                "explain and can disagree on {:?} {:?} {:?}",
                q.subject, q.permission, q.scope
            );
            if got != q.expected {
                mismatches.push(format!(
                    "{} {} {:?}: expected {}, got {} ({decision})",
                    q.subject, q.permission, q.scope, q.expected, got
                ));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{}: {} mismatches:\n{}",
            file.display(),
            mismatches.len(),
            mismatches.join("\n")
        );
        assert!(queries.iter().any(|q| q.expected) && queries.iter().any(|q| !q.expected));
        total += queries.len();
    }
    assert!(total > 60_000, "only {total} queries ran");
}

#[test]
fn permissions_and_who_can_agree_with_can() {
    for file in query_files() {
        let (policy, now, queries) = queries(&file);
        let engine = engine_for(&policy, now);
        for q in queries.iter().take(3000) {
            let listed = engine
                .permissions(&q.subject, q.scope.as_deref(), now)
                .contains(&q.permission.as_str());
            assert_eq!(
                listed, q.expected,
                "permissions() for {} {} {:?}",
                q.subject, q.permission, q.scope
            );
            let who = engine
                .who_can(&q.permission, q.scope.as_deref(), now)
                .contains(&q.subject.as_str());
            assert_eq!(
                who, q.expected,
                "who_can() for {} {} {:?}",
                q.subject, q.permission, q.scope
            );
            let set = engine.permission_set(&q.subject, q.scope.as_deref(), now);
            let in_set = engine
                .permission_id(&q.permission)
                .is_some_and(|p| set.contains(p));
            assert_eq!(in_set, q.expected);
            assert!(set.valid_until() > now);
        }
    }
}

#[test]
fn api_keys_are_found_by_token_hash() {
    let dir = conformance_dir();
    let doc = json(dir.join("acme.tokens.json"));
    let engine = engine_for(&read(dir.join("acme.policy.json")), 0);
    let tokens = doc["tokens"].as_array().unwrap();
    assert!(!tokens.is_empty());
    for pair in tokens {
        let token = pair[0].as_str().unwrap();
        assert_eq!(
            engine.subject_for_token(token),
            pair[1].as_str(),
            "token {token:?}"
        );
    }
    // The lookup finds revoked keys too; whether they are active is the policy's business.
    assert_eq!(engine.subject_active("key_ci"), Some(true));
    assert_eq!(engine.subject_active("key_old"), Some(false));
    assert_eq!(engine.subject_active("nobody"), None);
    // The generated tenants' keys have the token `rg_test_<id>`.
    let policy = read(dir.join("generated/small-1.policy.json"));
    let engine = engine_for(&policy, 0);
    let keys: Vec<&str> = engine
        .payload()
        .subjects
        .iter()
        .filter(|s| s.token_sha256.is_some())
        .map(|s| s.id.as_str())
        .collect();
    assert!(keys.len() > 10);
    for id in keys {
        assert_eq!(engine.subject_for_token(&format!("rg_test_{id}")), Some(id));
    }
}

#[test]
fn every_invalid_policy_is_refused_with_its_mention_and_location() {
    let dir = conformance_dir();
    let cases = json(dir.join("invalid-policies.json"));
    let options = BuildOptions {
        revision: 1,
        issued_at: 0,
        expires_at: None,
    };
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 19);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mentions = case["mentions"].as_str().unwrap();
        let src = serde_json::to_string_pretty(&case["policy"]).unwrap();
        let err = compile_json(&src, &options).expect_err(name);
        assert!(err.kind().is_policy_error(), "{name}: {err}");
        assert!(
            err.message().contains(&format!("`{mentions}`")),
            "{name}: `{mentions}` not in: {err}"
        );
        assert!(err.path().is_some(), "{name}: no path in {err}");
        assert!(
            err.line().is_some_and(|l| l > 1),
            "{name}: no line in {err}"
        );
        assert_eq!(diagnose(&src).first(), Some(&err), "{name}");
    }
}

#[test]
fn near_names_are_suggested() {
    let dir = conformance_dir();
    let cases = json(dir.join("invalid-policies.json"));
    let options = BuildOptions {
        revision: 1,
        issued_at: 0,
        expires_at: None,
    };
    let expect = [
        (
            "grant names an unknown role",
            "did you mean `admin`?",
            "subjects[1].grants[0].role",
        ),
        (
            "role names an unknown permission",
            "did you mean `roles.create`?",
            "roles[1].permissions[4]",
        ),
        (
            "role extends an unknown role",
            "did you mean `developer`?",
            "roles[1].extends[0]",
        ),
        (
            "invalid permission name",
            "did you mean `roles.create`?",
            "permissions[27]",
        ),
    ];
    for (name, hint, path) in expect {
        let case = cases
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        let err =
            compile_json(&serde_json::to_string(&case["policy"]).unwrap(), &options).unwrap_err();
        assert!(err.message().contains(hint), "{name}: {err}");
        assert_eq!(err.path(), Some(path), "{name}");
    }
}

#[test]
fn a_slice_answers_for_its_subject_only() {
    for file in [
        conformance_dir().join("acme.queries.json"),
        conformance_dir().join("generated/small-1.queries.json"),
    ] {
        let (policy, now, queries) = queries(&file);
        let full = engine_for(&policy, now);
        let subjects: Vec<String> = full
            .payload()
            .subjects
            .iter()
            .map(|s| s.id.clone())
            .take(25)
            .collect();
        for subject in &subjects {
            let slice = Engine::from_payload(full.payload().slice(subject).unwrap()).unwrap();
            assert_eq!(slice.slice_subject(), Some(subject.as_str()));
            assert_eq!(slice.payload().subjects.len(), 1);
            for q in &queries {
                let got = slice.can(&q.subject, &q.permission, q.scope.as_deref(), now);
                let want = &q.subject == subject && q.expected;
                assert_eq!(
                    got, want,
                    "slice {subject}: {} {} {:?}",
                    q.subject, q.permission, q.scope
                );
            }
        }
    }
}
