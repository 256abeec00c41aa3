//! The `rolegate` binary, run as a user would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::cli::{acme, rolegate, s, temp_dir};

use std::path::PathBuf;

use serde_json::Value;

/// Asserts `text` holds `needle`, showing the whole text when it does not.
#[track_caller]
fn assert_contains(text: &str, needle: impl AsRef<str>) {
    assert!(
        text.contains(needle.as_ref()),
        "`{}` not in:\n{text}",
        needle.as_ref()
    );
}

/// keygen + build of acme; returns (dir, key file, snapshot, KEY_ID=BASE64).
fn built(name: &str, extra: &[&str]) -> (PathBuf, PathBuf, PathBuf, String) {
    let dir = temp_dir(name);
    let key = dir.join("key.json");
    let run = rolegate(&["--json", "keygen", "--out", s(&key), "--key-id", "cli-test"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let public = format!(
        "{}={}",
        out["key_id"].as_str().unwrap(),
        out["public_key"].as_str().unwrap()
    );
    let snapshot = dir.join("acme.snap");
    let policy = acme();
    let mut args = vec![
        "build",
        s(&policy),
        "--key",
        s(&key),
        "--out",
        s(&snapshot),
        "--issued-at",
        "2026-11-01T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    let run = rolegate(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (dir, key, snapshot, public)
}

#[test]
fn keygen_writes_a_private_key_and_refuses_to_overwrite() {
    let dir = temp_dir("keygen");
    let key = dir.join("k.json");
    let run = rolegate(&["keygen", "--out", s(&key)]);
    assert_eq!(run.code, 0);
    assert_contains(&run.stdout, "key id:");
    assert_contains(&run.stdout, "--public-key ");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = rolegate(&["keygen", "--out", s(&key)]);
    assert_eq!(again.code, 2);
    assert_contains(&again.stderr, "already exists");
    assert_eq!(rolegate(&["keygen", "--out", s(&key), "--force"]).code, 0);
    let bad = rolegate(&[
        "keygen",
        "--out",
        s(&dir.join("x.json")),
        "--key-id",
        "no spaces",
    ]);
    assert_eq!(bad.code, 2);
    assert_contains(&bad.stderr, "error[BAD_KEY]");
}

#[test]
fn build_verify_inspect() {
    let (dir, key, snap, public) = built("verify", &["--revision", "42", "--ttl", "30d"]);
    let run = rolegate(&[
        "verify",
        s(&snap),
        "--public-key",
        &public,
        "--tenant",
        "acme",
        "--now",
        "2026-11-23T00:00:00Z",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("revision 42"));
    let check = |args: &[&str], code: &str| {
        let mut all = vec!["verify", s(&snap), "--public-key", &public];
        all.extend_from_slice(args);
        let run = rolegate(&all);
        assert_eq!(run.code, 1, "{args:?}");
        assert!(
            run.stderr.contains(&format!("error[{code}]")),
            "{args:?}: {}",
            run.stderr
        );
    };
    check(
        &["--tenant", "globex", "--now", "2026-11-23T00:00:00Z"],
        "WRONG_TENANT",
    );
    check(&["--now", "2026-12-01T00:00:00Z"], "EXPIRED");
    check(
        &["--min-revision", "43", "--now", "2026-11-23T00:00:00Z"],
        "ROLLBACK",
    );
    check(&["--now", "2026-10-01T00:00:00Z"], "NOT_YET_VALID");

    let mut bytes = std::fs::read(&snap).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    let tampered = dir.join("tampered.snap");
    std::fs::write(&tampered, &bytes).unwrap();
    let run = rolegate(&[
        "verify",
        s(&tampered),
        "--key",
        s(&key),
        "--now",
        "2026-11-23T00:00:00Z",
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stderr, "error[BAD_SIGNATURE]");
    assert_eq!(
        rolegate(&["verify", s(&snap)]).code,
        2,
        "no key is a usage error"
    );

    let run = rolegate(&["inspect", s(&snap)]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("UNVERIFIED"), "{}", run.stdout);
    assert_contains(&run.stdout, "tenant          acme");
    assert_contains(&run.stdout, "subjects        9");
    let run = rolegate(&["--json", "inspect", s(&snap)]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["verified"], false);
    assert_eq!(v["header"]["revision"], 42);
    assert_eq!(v["header"]["expires_at"], "2026-12-01T00:00:00Z");
    assert_eq!(v["counts"]["api_keys"], 2);
    assert_eq!(
        v["bytes"]["total"].as_u64().unwrap() as usize,
        std::fs::read(&snap).unwrap().len()
    );
}

#[test]
fn check_and_explain_exit_codes_and_reasons() {
    let (_dir, key, snap, public) = built("check", &[]);
    let now = "2026-11-23T12:00:00Z";
    let q = |cmd: &str, subject: &str, permission: &str, scope: Option<&str>, extra: &[&str]| {
        let mut args = vec![
            cmd,
            s(&snap),
            subject,
            permission,
            "--public-key",
            &public,
            "--now",
            now,
        ];
        if let Some(sc) = scope {
            args.extend(["--scope", sc]);
        }
        args.extend_from_slice(extra);
        rolegate(&args)
    };
    assert_eq!(
        q("check", "bob", "roles.create", Some("shop-dev"), &[]).code,
        0
    );
    assert_eq!(
        q("check", "bob", "roles.create", Some("internal"), &[]).code,
        1
    );
    assert_eq!(q("check", "bob", "roles.create", None, &[]).code, 1);
    let run = q("explain", "bob", "roles.create", Some("shop-dev"), &[]);
    assert_eq!(run.code, 0);
    assert_contains(&run.stdout, "granted by role `admin` on `shop`");
    let run = q("explain", "bob", "roles.craete", Some("shop"), &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("unknown permission `roles.craete` (did you mean `roles.create`?)"),
        "{}",
        run.stdout
    );
    let run = q("explain", "dave", "folders.view", None, &[]);
    assert_contains(&run.stdout, "deactivated");
    let run = q("explain", "carol", "billing.cancel", Some("shop-dev"), &[]);
    assert_contains(&run.stdout, "no grant");
    let run = rolegate(&[
        "explain",
        s(&snap),
        "erin",
        "environments.update",
        "--scope",
        "shop-prod",
        "--key",
        s(&key),
        "--now",
        "2026-12-02T00:00:00Z",
    ]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stdout, "expired at 2026-12-01T00:00:00Z");
    let run = q("--json", "carol", "folders.create", Some("shop-dev"), &[]);
    assert_eq!(run.code, 2, "--json is a flag, not a command");
    let mut args = vec![
        "--json",
        "explain",
        s(&snap),
        "carol",
        "folders.create",
        "--scope",
        "shop-dev",
        "--key",
        s(&key),
        "--now",
        now,
    ];
    let v: Value = serde_json::from_str(&rolegate(&args).stdout).unwrap();
    assert_eq!(
        (
            v["allowed"].as_bool(),
            v["role"].as_str(),
            v["grant_scope"].as_str()
        ),
        (Some(true), Some("developer"), Some("shop-dev"))
    );
    args[6] = "nowhere";
    let v: Value = serde_json::from_str(&rolegate(&args).stdout).unwrap();
    assert_eq!(v["reason"], "unknown_scope");
    // Without a key the answer still comes, with a warning that nothing was verified.
    let run = rolegate(&["check", s(&snap), "alice", "billing.cancel", "--now", now]);
    assert_eq!(run.code, 0);
    assert_contains(&run.stderr, "not verified");
    // A policy document answers directly.
    assert_eq!(
        rolegate(&[
            "check",
            s(&acme()),
            "frank",
            "events.retrieve",
            "--scope",
            "shop"
        ])
        .code,
        0
    );
    assert_eq!(
        rolegate(&["check", s(&acme()), "frank", "events.retrieve"]).code,
        1
    );
    // Errors exit 2.
    assert_eq!(rolegate(&["check", "/nonexistent", "a", "b"]).code, 2);
}

#[test]
fn who_can_and_permissions_and_slices() {
    let (dir, key, snap, _) = built("whocan", &[]);
    let run = rolegate(&[
        "who-can",
        s(&snap),
        "roles.create",
        "--scope",
        "shop-dev",
        "--key",
        s(&key),
        "--now",
        "2026-11-23T00:00:00Z",
    ]);
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), ["alice", "bob"]);
    let run = rolegate(&[
        "permissions",
        s(&snap),
        "frank",
        "--scope",
        "internal",
        "--key",
        s(&key),
        "--now",
        "2026-11-23T00:00:00Z",
    ]);
    let listed: Vec<&str> = run.stdout.lines().collect();
    assert!(
        listed.contains(&"events.retrieve") && listed.contains(&"organization.whitelist.view"),
        "{listed:?}"
    );
    assert!(!listed.contains(&"roles.create"));

    let slice = dir.join("bob.snap");
    let run = rolegate(&[
        "build",
        s(&acme()),
        "--key",
        s(&key),
        "--subject",
        "bob",
        "--out",
        s(&slice),
        "--issued-at",
        "2026-11-01T00:00:00Z",
    ]);
    assert_contains(&run.stdout, "slice for `bob`");
    let bytes = std::fs::read(&slice).unwrap();
    for other in ["alice", "carol", "key_ci", "60e90fe7"] {
        assert!(
            !bytes.windows(other.len()).any(|w| w == other.as_bytes()),
            "slice holds `{other}`"
        );
    }
    let run = rolegate(&[
        "explain",
        s(&slice),
        "alice",
        "roles.view",
        "--key",
        s(&key),
        "--now",
        "2026-11-23T00:00:00Z",
    ]);
    assert_contains(&run.stdout, "slice for `bob` only");
    let run = rolegate(&[
        "build",
        s(&acme()),
        "--key",
        s(&key),
        "--subject",
        "bobb",
        "--out",
        s(&slice),
    ]);
    assert_eq!(run.code, 2);
    assert_contains(&run.stderr, "error[UNKNOWN_SUBJECT]");
    assert_contains(&run.stderr, "did you mean `bob`?");
}

#[test]
fn build_reports_every_policy_mistake_with_file_and_line() {
    let dir = temp_dir("bad");
    let key = dir.join("key.json");
    rolegate(&["keygen", "--out", s(&key)]);
    let policy = dir.join("bad.json");
    let src = common::read(acme())
        .replace(
            "\"role\": \"admin\", \"scope\": \"shop\"",
            "\"role\": \"admn\", \"scope\": \"shop\"",
        )
        .replace(
            "\"kind\": \"api_key\", \"active\": false",
            "\"kind\": \"robot\", \"active\": false",
        );
    std::fs::write(&policy, src).unwrap();
    let run = rolegate(&[
        "build",
        s(&policy),
        "--key",
        s(&key),
        "--out",
        s(&dir.join("x")),
    ]);
    assert_eq!(run.code, 2);
    assert_contains(
        &run.stderr,
        "error[UNKNOWN_ROLE]: unknown role `admn` in grant of `bob` (did you mean `admin`?)",
    );
    assert!(
        run.stderr
            .contains("bad.json:51 (subjects[1].grants[0].role)"),
        "{}",
        run.stderr
    );
    assert_contains(&run.stderr, "error[UNKNOWN_SUBJECT_KIND]");
    assert!(!dir.join("x").exists());
    let run = rolegate(&[
        "--json",
        "build",
        s(&policy),
        "--key",
        s(&key),
        "--out",
        s(&dir.join("x")),
    ]);
    let v: Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(v["errors"][0]["line"], 51);
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    let run = rolegate(&[
        "build",
        s(&acme()),
        "--key",
        s(&key),
        "--ttl",
        "soon",
        "--out",
        s(&dir.join("x")),
    ]);
    assert!(
        run.code == 2 && run.stderr.contains("--ttl soon"),
        "{}",
        run.stderr
    );
}

#[test]
fn test_command_passes_the_conformance_files_and_reports_mismatches() {
    let c = common::conformance_dir();
    let run = rolegate(&[
        "test",
        s(&acme()),
        s(&c.join("acme.queries.json")),
        s(&c.join("acme-later.queries.json")),
        s(&c.join("acme.tokens.json")),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let last = run.stdout.lines().last().unwrap();
    let passed: usize = last
        .strip_suffix(" passed, 0 failed")
        .unwrap()
        .parse()
        .unwrap();
    assert!(passed > 11_000, "{last}");
    for name in ["small-1", "medium-1", "medium-2"] {
        let policy = c.join(format!("generated/{name}.policy.json"));
        let run = rolegate(&[
            "test",
            s(&policy),
            s(&c.join(format!("generated/{name}.queries.json"))),
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.stdout);
        assert!(
            run.stdout.ends_with(" passed, 0 failed\n"),
            "{}",
            run.stdout
        );
    }

    // A wrong expectation fails with its explanation.
    let dir = temp_dir("test-cmd");
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, r#"{"now": "2026-11-23T12:00:00Z", "queries": [["bob", "roles.create", "shop", true], ["bob", "billing.cancel", "shop", true]], "tokens": [["rg_live_ci_0001", "key_old"]]}"#).unwrap();
    let run = rolegate(&["test", s(&acme()), s(&wrong)]);
    assert_eq!(run.code, 1);
    assert_contains(&run.stdout, "FAIL");
    assert_contains(
        &run.stdout,
        "no grant of `bob` gives `billing.cancel` on `shop`",
    );
    assert_contains(
        &run.stdout,
        "token \"rg_live_ci_0001\" expected subject Some(\"key_old\"), got Some(\"key_ci\")",
    );
    assert!(
        run.stdout.ends_with("1 passed, 2 failed\n"),
        "{}",
        run.stdout
    );
    let run = rolegate(&["--json", "test", s(&acme()), s(&wrong)]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64()),
        (Some(1), Some(2))
    );
}

/// The suite's second run is against `npx rolegate` (`ROLEGATE_CLI`, see
/// `tests/common/cli.rs`): there every conformance policy, whole and sliced, must build to
/// the very bytes the native binary builds from the same key, revision and issue time.
#[test]
fn builds_are_byte_identical_to_the_native_binary() {
    let dir = temp_dir("identical");
    let key = common::conformance_dir().join("../fixtures/test-signing-key.json");
    let generated = common::conformance_dir().join("generated");
    let mut policies = vec![acme()];
    for entry in std::fs::read_dir(&generated).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".policy.json") {
            policies.push(path);
        }
    }
    assert!(policies.len() >= 6);
    for policy in &policies {
        let doc: Value = serde_json::from_slice(&std::fs::read(policy).unwrap()).unwrap();
        let first = doc["subjects"][0]["id"].as_str().unwrap().to_string();
        for subject in [None, Some(first.as_str())] {
            let mut args = vec![
                "build",
                s(policy),
                "--key",
                s(&key),
                "--revision",
                "42",
                "--issued-at",
                "2026-11-01T00:00:00Z",
                "--ttl",
                "7d",
            ];
            if let Some(subject) = subject {
                args.extend(["--subject", subject]);
            }
            let (ours, native) = (dir.join("ours.snapshot"), dir.join("native.snapshot"));
            let run = rolegate(&[args.as_slice(), &["--out", s(&ours)]].concat());
            assert_eq!(run.code, 0, "{}", run.stderr);
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_rolegate"))
                .args([args.as_slice(), &["--out", s(&native)]].concat())
                .output()
                .unwrap();
            assert!(status.status.success());
            assert_eq!(
                std::fs::read(&ours).unwrap(),
                std::fs::read(&native).unwrap(),
                "{} {subject:?}",
                policy.display()
            );
        }
    }
}

#[test]
fn build_delta_from_applies_to_the_full_build_and_refuses_what_cannot_follow() {
    let (dir, key, old, public) = built("delta-from", &["--revision", "7"]);
    // Revision 8: grace gets `agent` on the root.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(acme()).unwrap()).unwrap();
    for subject in doc["subjects"].as_array_mut().unwrap() {
        if subject["id"] == "grace" {
            subject["grants"] = serde_json::json!([{"role": "agent", "scope": "acme"}]);
        }
    }
    let next = dir.join("next.json");
    std::fs::write(&next, doc.to_string()).unwrap();
    let full = dir.join("next.snap");
    let delta = dir.join("next.delta");
    let build_at = |revision: &str, extra: &[&str], out: &PathBuf| {
        let mut args = vec![
            "--json",
            "build",
            s(&next),
            "--key",
            s(&key),
            "--out",
            s(out),
            "--revision",
            revision,
            "--issued-at",
            "2026-11-01T00:00:00Z",
        ];
        args.extend_from_slice(extra);
        rolegate(&args)
    };
    let build = |extra: &[&str], out: &PathBuf| build_at("8", extra, out);
    assert_eq!(build(&[], &full).code, 0);
    let run = build(&["--delta-from", s(&old)], &delta);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let (delta_bytes, full_bytes) = (
        std::fs::read(&delta).unwrap(),
        std::fs::read(&full).unwrap(),
    );
    assert_eq!(report["bytes"], delta_bytes.len());
    assert_eq!(report["full_bytes"], full_bytes.len());
    assert_eq!(report["from_revision"], 7);
    let shown = rolegate(&["--json", "inspect", s(&delta)]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(
        (
            shown["from_revision"].as_u64(),
            shown["to_revision"].as_u64()
        ),
        (Some(7), Some(8))
    );
    assert_eq!(shown["tenant"], "acme");
    assert_contains(
        &rolegate(&["inspect", s(&delta)]).stdout,
        "revisions       7 -> 8",
    );

    // What the delta builds on the old snapshot is the full build's engine.
    let keys = rolegate::KeySet::from_keys([rolegate::PublicKey::parse(&public).unwrap()]).unwrap();
    let at =
        rolegate::LoadOptions::at(rolegate::time::parse_rfc3339("2026-11-02T00:00:00Z").unwrap());
    let current = rolegate::load(&std::fs::read(&old).unwrap(), &keys, &at).unwrap();
    let applied = rolegate::apply_delta(&current, &delta_bytes, &keys, &at).unwrap();
    let reference = rolegate::load(&full_bytes, &keys, &at).unwrap();
    assert_eq!(applied.payload_bytes(), reference.payload_bytes());
    assert!(applied.can("grace", "folders.view", None, at.now));

    // A lower revision, another slice, not a snapshot: refused with a code, nothing written.
    let refused = dir.join("refused.delta");
    let code = |run: common::cli::Run| -> String {
        assert_eq!(run.code, 2, "{}", run.stderr);
        serde_json::from_str::<Value>(&run.stderr).unwrap()["errors"][0]["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let lower = build_at("6", &["--delta-from", s(&old)], &refused);
    assert_eq!(code(lower), "ROLLBACK");
    assert_eq!(
        code(build(
            &["--delta-from", s(&old), "--subject", "bob"],
            &refused
        )),
        "WRONG_SUBJECT"
    );
    assert_eq!(
        code(build(&["--delta-from", s(&next)], &refused)),
        "BAD_MAGIC"
    );
    assert!(!refused.exists());
}
