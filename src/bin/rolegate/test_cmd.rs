//! `rolegate test`: expectation files through the full path (compile, sign with a
//! throwaway key, verify, load, check at the file's time).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rolegate::time::parse_rfc3339;
use rolegate::{
    BuildOptions, KeySet, LoadOptions, Policy, SigningKey, compile, diagnose, load, seal,
};
use serde::Deserialize;
use serde_json::json;

use crate::Outcome;
use crate::decision_text::describe;
use crate::input::read_text;
use crate::output::{Failure, print_json};
use crate::{Query, Trust};

/// An expectation file: the conformance query form, or the token form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectations {
    #[serde(default)]
    #[allow(dead_code)]
    policy: Option<String>,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    queries: Vec<(String, String, Option<String>, bool)>,
    #[serde(default)]
    tokens: Vec<(String, Option<String>)>,
}

pub fn run(policy_path: &Path, files: &[PathBuf], json: bool) -> Outcome {
    let text = read_text(policy_path)?;
    let errors = diagnose(&text);
    if !errors.is_empty() {
        return Err(Failure::policy(errors, policy_path));
    }
    let policy = Policy::from_json(&text)?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Failure::new("RANDOM", format!("no randomness for a throwaway key: {e}")))?;
    let key = SigningKey::from_seed(seed, Some("rolegate-test"))?;
    let keys = KeySet::from_keys([key.public_key()])?;

    let (mut passed, mut failed) = (0usize, 0usize);
    let mut failures = Vec::new();
    for file in files {
        let doc: Expectations = serde_json::from_str(&read_text(file)?).map_err(|e| {
            Failure::new(
                "EXPECTATIONS",
                format!("`{}` is not an expectation file: {e}", file.display()),
            )
        })?;
        let now = match &doc.now {
            Some(t) => parse_rfc3339(t).ok_or_else(|| {
                Failure::new(
                    "EXPECTATIONS",
                    format!("`{}`: `now` is not RFC 3339: `{t}`", file.display()),
                )
            })?,
            None => rolegate::time::now(),
        };
        // Issued at the file's time, so the snapshot is valid when the file checks.
        let payload = compile(
            &policy,
            &BuildOptions {
                revision: 1,
                issued_at: now,
                expires_at: None,
            },
        )?;
        let engine = load(&seal(&payload, &key), &keys, &LoadOptions::at(now))?;
        for (subject, permission, scope, expected) in &doc.queries {
            let decision = engine.explain(subject, permission, scope.as_deref(), now);
            if decision.allowed == *expected {
                passed += 1;
                continue;
            }
            failed += 1;
            let q = Query {
                snapshot: file.clone(),
                subject: subject.clone(),
                permission: permission.clone(),
                scope: scope.clone(),
                trust: Trust::default(),
            };
            let why = describe(&decision, &engine, &q);
            failures.push(json!({"file": file.display().to_string(), "subject": subject, "permission": permission, "scope": scope, "expected": expected, "got": decision.allowed, "explanation": why}));
            if !json {
                println!(
                    "FAIL {}: can({subject:?}, {permission:?}, {scope:?}) expected {expected}, got {}: {why}",
                    file.display(),
                    decision.allowed
                );
            }
        }
        for (token, expected) in &doc.tokens {
            let got = engine.subject_for_token(token);
            if got == expected.as_deref() {
                passed += 1;
                continue;
            }
            failed += 1;
            failures.push(json!({"file": file.display().to_string(), "token": token, "expected": expected, "got": got}));
            if !json {
                println!(
                    "FAIL {}: token {token:?} expected subject {expected:?}, got {got:?}",
                    file.display()
                );
            }
        }
    }
    if json {
        print_json(&json!({"passed": passed, "failed": failed, "failures": failures}));
    } else {
        println!("{passed} passed, {failed} failed");
    }
    Ok(ExitCode::from(u8::from(failed > 0)))
}
