//! Hostile policy shapes, each under 1 MB, that took the compiler or `lint` seconds to
//! minutes when their work grew quadratically (issue: "the compiler and lint run in
//! near-linear time"). Shared by tests/hostile_policies.rs (each finishes, with an answer
//! or a coded refusal) and the `compile` benchmark (time per byte against a benign
//! policy of the same size).
#![allow(dead_code)]

use serde_json::{Value, json};

fn doc(
    permissions: Vec<Value>,
    scopes: Vec<Value>,
    roles: Vec<Value>,
    subjects: Vec<Value>,
) -> String {
    serde_json::to_string(&json!({
        "format": "rolegate.policy/1",
        "tenant": "t",
        "permissions": permissions,
        "scopes": scopes,
        "roles": roles,
        "subjects": subjects,
    }))
    .unwrap_or_default()
}

fn names(n: usize, width: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!(format!("p{i:0width$}.view")))
        .collect()
}

fn root() -> Vec<Value> {
    vec![json!({"id": "root"})]
}

/// `(name, policy text)` for every shape, and whether `lint` is the part under test.
pub fn shapes() -> Vec<(&'static str, String, bool)> {
    let catalog = names(1000, 4);
    let flat_scopes = |n: usize| -> Vec<Value> {
        let mut s = root();
        s.extend((0..n).map(|i| json!({"id": format!("s{i}"), "parent": "root"})));
        s
    };
    vec![
        (
            "one role with 60,000 `*` entries",
            doc(catalog.clone(), root(), vec![json!({"name": "r", "permissions": vec!["*"; 60_000]})], vec![]),
            false,
        ),
        (
            "20,000 distinct patterns against 1,000 permissions",
            doc(
                catalog.clone(),
                root(),
                vec![json!({"name": "r", "permissions": (0..20_000).map(|i| format!("p{:04}*", i % 10_000)).collect::<Vec<_>>()})],
                vec![],
            ),
            false,
        ),
        (
            "20,000 scopes with unknown parents",
            doc(
                catalog.clone(),
                (0..20_000).map(|i| json!({"id": format!("s{i:05}"), "parent": format!("s{i:05}x")})).chain([json!({"id": "root"})]).collect(),
                vec![],
                vec![],
            ),
            false,
        ),
        (
            "2,000 unknown permissions against 2,000 long names",
            doc(
                (0..2_000).map(|i| json!(format!("{}.p{i:05}", "a".repeat(200)))).collect(),
                root(),
                (0..2_000).map(|i| json!({"name": format!("r{i}"), "permissions": [format!("{}.q{i:05}", "a".repeat(200))]})).collect(),
                vec![],
            ),
            false,
        ),
        (
            "20,000 grants on unknown scopes",
            doc(
                catalog.clone(),
                flat_scopes(10_000),
                vec![json!({"name": "r", "permissions": ["*"]})],
                (0..200).map(|i| json!({"id": format!("u{i}"), "kind": "user", "grants": (0..100).map(|j| json!({"role": "r", "scope": format!("s{}x", i * 100 + j)})).collect::<Vec<_>>()})).collect(),
            ),
            false,
        ),
        (
            "30,000 subjects of an unknown kind",
            doc(catalog.clone(), root(), vec![], (0..30_000).map(|i| json!({"id": format!("u{i}"), "kind": "robot"})).collect()),
            false,
        ),
        (
            "a 25,000-scope cycle",
            doc(
                catalog.clone(),
                (0..25_000).map(|i| json!({"id": format!("c{i}"), "parent": format!("c{}", (i + 1) % 25_000)})).chain([json!({"id": "root"})]).collect(),
                vec![],
                vec![],
            ),
            false,
        ),
        (
            "a 5,000-role extension chain and a role extending all of them",
            doc(
                catalog.clone(),
                root(),
                (0..5_000)
                    .map(|i| if i == 0 { json!({"name": "r0", "permissions": ["*"]}) } else { json!({"name": format!("r{i}"), "extends": [format!("r{}", i - 1)]}) })
                    .chain([json!({"name": "all", "extends": (0..5_000).map(|i| format!("r{i}")).collect::<Vec<_>>()})])
                    .collect(),
                vec![],
            ),
            false,
        ),
        (
            "lint: 5,000 identical, unused custom roles and 100 system roles",
            doc(
                catalog.clone(),
                root(),
                (0..100)
                    .map(|i| json!({"name": format!("system-{i}"), "system": true, "permissions": ["*.view"]}))
                    .chain((0..5_000).map(|i| json!({"name": format!("custom{i}"), "permissions": ["p0001.view"]})))
                    .collect(),
                vec![],
            ),
            true,
        ),
        (
            "lint: one subject with 4,096 grants",
            doc(
                catalog.clone(),
                flat_scopes(4_096),
                vec![json!({"name": "r", "permissions": ["*"]})],
                vec![json!({"id": "u", "kind": "user", "grants": (0..4_096).map(|j| json!({"role": "r", "scope": format!("s{j}")})).collect::<Vec<_>>()})],
            ),
            true,
        ),
        (
            "lint: 2,000 subjects with 10 grants each",
            doc(
                catalog,
                flat_scopes(1_000),
                vec![json!({"name": "r", "permissions": ["*"]})],
                (0..2_000).map(|i| json!({"id": format!("u{i}"), "kind": "user", "grants": (0..10).map(|j| json!({"role": "r", "scope": format!("s{}", (i + j) % 1000)})).collect::<Vec<_>>()})).collect(),
            ),
            true,
        ),
    ]
}
