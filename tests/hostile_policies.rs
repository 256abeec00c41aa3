//! Hostile policies (tests/hostile) compile and lint in bounded work: each finishes with
//! an answer or a coded refusal, reports at most the capped number of mistakes, and
//! suggests near names for only the first few. Their speed is in `cargo bench --bench
//! engine` ("hostile policies"), as time per byte against a benign policy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod hostile;

use rolegate::admin::lint::lint_json;
use rolegate::policy::compile::{MAX_ERRORS, MAX_HINTS};
use rolegate::{BuildOptions, compile_json, diagnose};

const OPTIONS: BuildOptions = BuildOptions {
    revision: 1,
    issued_at: 0,
    expires_at: None,
};

#[test]
fn every_hostile_shape_finishes_with_an_answer_or_a_coded_refusal() {
    for (name, src, lints) in hostile::shapes() {
        assert!(src.len() < 1 << 20, "{name}: {} bytes", src.len());
        let errors = diagnose(&src);
        assert!(
            errors.len() <= MAX_ERRORS + 1,
            "{name}: {} errors",
            errors.len()
        );
        let hinted = errors
            .iter()
            .filter(|e| e.message().contains("did you mean"))
            .count();
        assert!(hinted <= MAX_HINTS, "{name}: {hinted} hints");
        match compile_json(&src, &OPTIONS) {
            Ok(_) => assert!(errors.is_empty(), "{name}"),
            Err(e) => {
                assert!(
                    e.kind().is_policy_error() || e.code() == "LIMIT_EXCEEDED",
                    "{name}: {e}"
                );
                assert_eq!(errors.first(), Some(&e), "{name}");
            }
        }
        if lints {
            match lint_json(&src) {
                Ok(_) => {}
                Err(e) => assert_eq!(e.code(), "LIMIT_EXCEEDED", "{name}: {e}"),
            }
        }
    }
}

#[test]
fn a_policy_with_more_mistakes_than_listed_says_how_many_more() {
    let (_, src, _) = hostile::shapes()
        .into_iter()
        .find(|(name, ..)| name.contains("unknown kind"))
        .unwrap();
    let errors = diagnose(&src);
    assert_eq!(errors.len(), MAX_ERRORS + 1);
    let last = errors.last().unwrap();
    assert_eq!(last.code(), "LIMIT_EXCEEDED");
    assert!(last.message().contains("29900 more mistakes"), "{last}");
}

#[test]
fn repeated_and_distinct_patterns_expand_as_written() {
    // The pattern cache must not change what a pattern means.
    let src = r#"{"format": "rolegate.policy/1", "tenant": "t",
      "permissions": ["a.view", "a.edit", "b.view"], "scopes": [{"id": "root"}],
      "roles": [{"name": "x", "permissions": ["*.view", "*.view", "a.*"]},
                {"name": "y", "permissions": ["a.*"]}, {"name": "z", "permissions": ["*"]}],
      "subjects": []}"#;
    let p = compile_json(src, &OPTIONS).unwrap();
    assert_eq!(p.roles[0].permissions, vec![0b111]);
    assert_eq!(p.roles[1].permissions, vec![0b011]);
    assert_eq!(p.roles[2].permissions, vec![0b111]);
}
