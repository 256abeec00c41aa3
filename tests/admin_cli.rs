//! The admin commands (`matrix`, `diff`, `typegen`, `lint`, `access`) on every example
//! policy and on signed snapshots, checked against what the policies say.
#![cfg(feature = "cli")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;

use common::cli::rolegate;
use serde_json::{Value, json};

const EXAMPLES: [&str; 6] = ["acme", "inkit", "rossum", "ipaware", "permit", "airkit"];
const NOW: &str = "2026-11-23T12:00:00Z";

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("examples/policies/{name}.json"))
        .to_string_lossy()
        .into_owned()
}

fn policy(name: &str) -> Value {
    common::json(example(name))
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rolegate-admin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn matrix_marks_exactly_each_roles_permissions_in_every_format() {
    for name in EXAMPLES {
        let doc = policy(name);
        let run = rolegate(&["matrix", &example(name)]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let roles: Vec<&str> = doc["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        let header = run.stdout.lines().nth(2).unwrap();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            roles,
            "{name}"
        );
        // Every permission row has one mark per role; the owner-like `*` role holds all.
        let rows: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .collect();
        assert_eq!(
            rows.len(),
            doc["permissions"].as_array().unwrap().len(),
            "{name}"
        );
        for row in &rows {
            let cells: Vec<&str> = row.split_whitespace().skip(1).collect();
            assert_eq!(cells.len(), roles.len(), "{name}: {row}");
        }
        // Cross-check each mark with `permissions`-style expansion: a role's marks equal
        // what a subject holding only that role on the root can do.
        let md = rolegate(&["matrix", &example(name), "--format", "md"]).stdout;
        let html = rolegate(&["matrix", &example(name), "--format", "html"]).stdout;
        for r in doc["roles"].as_array().unwrap() {
            let label = if r["system"] == json!(true) {
                format!("{} (system)", r["name"].as_str().unwrap())
            } else {
                r["name"].as_str().unwrap().to_string()
            };
            assert!(md.contains(&label), "{name}: {label}");
        }
        let groups: Vec<&str> = doc["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["group"].as_str())
            .collect();
        for g in &groups {
            assert!(md.contains(&format!("| **{g}** |")), "{name}: group {g}");
        }
        assert!(
            html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"),
            "{name}"
        );
        assert_eq!(
            html.matches("<tr><td class=\"perm\">").count(),
            rows.len(),
            "{name}"
        );
        assert_eq!(
            html.matches("class=\"badge system\"").count(),
            doc["roles"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["system"] == json!(true))
                .count()
        );
    }
}

#[test]
fn matrix_cells_agree_with_the_engine() {
    // A policy where each role is granted alone to one subject on the root: the matrix's
    // marks must equal `permissions` for that subject.
    for name in EXAMPLES {
        let mut doc = policy(name);
        let root = doc["scopes"][0]["id"].clone();
        let roles: Vec<String> = doc["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        doc["subjects"] = json!(roles.iter().map(|r| json!({"id": format!("only-{r}"), "kind": "user", "grants": [{"role": r, "scope": root}]})).collect::<Vec<_>>());
        for r in doc["roles"].as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("min_holders");
            r.as_object_mut().unwrap().remove("max_holders");
        }
        let file = temp(&format!("{name}-each-role.json"));
        std::fs::write(&file, doc.to_string()).unwrap();
        let file = file.to_string_lossy().into_owned();
        let text = rolegate(&["matrix", &file]).stdout;
        let rows: Vec<Vec<&str>> = text
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .map(|l| l.split_whitespace().collect())
            .collect();
        for (k, role) in roles.iter().enumerate() {
            let held = rolegate(&[
                "permissions",
                &file,
                &format!("only-{role}"),
                "--json",
                "--now",
                NOW,
            ]);
            let held: Value = serde_json::from_str(&held.stdout).unwrap();
            let held: Vec<&str> = held["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            let marked: Vec<&str> = rows
                .iter()
                .filter(|row| row[k + 1] == "✓")
                .map(|row| row[0])
                .collect();
            let mut held_sorted = held.clone();
            held_sorted.sort_unstable();
            let mut marked_sorted = marked.clone();
            marked_sorted.sort_unstable();
            assert_eq!(marked_sorted, held_sorted, "{name}: {role}");
        }
    }
}

#[test]
fn diff_reports_access_roles_catalog_and_system_role_warnings() {
    let mut next = policy("ipaware");
    next["permissions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "ip.bulk", "group": "IP"}));
    for r in next["roles"].as_array_mut().unwrap() {
        if r["name"] == "admin" {
            r["permissions"]
                .as_array_mut()
                .unwrap()
                .retain(|p| p != "billing.portal");
        }
    }
    next["subjects"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["id"] != "key_billing");
    let file = temp("ipaware-next.json");
    std::fs::write(&file, next.to_string()).unwrap();
    let run = rolegate(&[
        "diff",
        &example("ipaware"),
        &file.to_string_lossy(),
        "--now",
        NOW,
    ]);
    assert_eq!(run.code, 1, "differences exit 1");
    for line in [
        "warning: system role `owner` changed",
        "warning: system role `admin` changed",
        "catalog: +ip.bulk",
        "role changed: admin (system): -billing.portal",
        "  owen on (tenant root): +ip.bulk",
        "  ada on (tenant root): -billing.portal",
        "  key_billing on (tenant root): -billing.cancel -billing.checkout -billing.portal -billing.resume -billing.update",
    ] {
        assert!(
            run.stdout.contains(line),
            "`{line}` not in:\n{}",
            run.stdout
        );
    }
    let json: Value = serde_json::from_str(
        &rolegate(&[
            "--json",
            "diff",
            &example("ipaware"),
            &file.to_string_lossy(),
            "--now",
            NOW,
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(json["permissions_added"], json!(["ip.bulk"]));
    assert!(
        json["access"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["subject"] == "ada" && a["lost"] == json!(["billing.portal"]))
    );
    // Nothing changed: exit 0.
    let same = rolegate(&["diff", &example("permit"), &example("permit"), "--now", NOW]);
    assert_eq!((same.code, same.stdout.trim()), (0, "no differences"));
}

#[test]
fn diff_reports_scoped_changes_once_at_the_highest_scope() {
    let mut next = policy("permit");
    // shaul loses the project (keeps dev of internal-app), nora gains prod of internal-app as owner.
    next["subjects"][2]["grants"] = json!([{"role": "editor", "scope": "internal-app-dev"}]);
    next["subjects"][3]["grants"]
        .as_array_mut()
        .unwrap()
        .push(json!({"role": "owner", "scope": "internal-app-prod"}));
    let file = temp("permit-next.json");
    std::fs::write(&file, next.to_string()).unwrap();
    let run = rolegate(&[
        "diff",
        &example("permit"),
        &file.to_string_lossy(),
        "--now",
        NOW,
    ]);
    assert!(
        run.stdout
            .contains("  shaul on shopping-app: -activity_log.view"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("shaul on shopping-app-dev"),
        "inherited, not repeated:\n{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  nora on internal-app-prod: +activity_log.view"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("warning"),
        "no system role changed:\n{}",
        run.stdout
    );
}

#[test]
fn diff_reads_snapshots_too() {
    let key = temp("key.json");
    let _ = std::fs::remove_file(&key);
    assert_eq!(
        rolegate(&["keygen", "--out", &key.to_string_lossy(), "--key-id", "k"]).code,
        0
    );
    let (a, b) = (temp("acme.snapshot"), temp("acme-next.snapshot"));
    let mut next = policy("acme");
    next["subjects"][1]["grants"] = json!([]);
    let next_file = temp("acme-next.json");
    std::fs::write(&next_file, next.to_string()).unwrap();
    for (src, out) in [
        (example("acme"), &a),
        (next_file.to_string_lossy().into_owned(), &b),
    ] {
        assert_eq!(
            rolegate(&[
                "build",
                &src,
                "--key",
                &key.to_string_lossy(),
                "--out",
                &out.to_string_lossy(),
                "--issued-at",
                NOW
            ])
            .code,
            0
        );
    }
    let run = rolegate(&[
        "diff",
        &a.to_string_lossy(),
        &b.to_string_lossy(),
        "--key",
        &key.to_string_lossy(),
        "--now",
        NOW,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("  bob on shop: -"), "{}", run.stdout);
}

#[test]
fn lint_warns_of_each_documented_practice() {
    let doc = json!({
        "format": "rolegate.policy/1", "tenant": "t",
        "permissions": ["a.view", "a.edit", "b.view"],
        "scopes": [{"id": "t"}, {"id": "p1", "parent": "t", "kind": "project"}, {"id": "e1", "parent": "p1", "kind": "environment"}],
        "roles": [
            {"name": "admin", "system": true, "permissions": ["*"]},
            {"name": "viewer", "system": true, "permissions": ["*.view"]},
            {"name": "reader", "permissions": ["a.view", "b.view"]},
            {"name": "orphan", "permissions": ["a.edit"]},
            {"name": "admin_lite", "permissions": ["a.*"]}
        ],
        "subjects": [
            {"id": "ann", "kind": "user", "grants": [{"role": "admin", "scope": "*"}]},
            {"id": "vic", "kind": "user", "grants": [{"role": "viewer", "scope": "p1"}, {"role": "reader", "scope": "e1"}, {"role": "viewer", "scope": "*"}]},
            {"id": "lee", "kind": "user", "grants": [{"role": "admin_lite", "scope": "p1"}]}
        ]
    });
    let file = temp("lint.json");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let run = rolegate(&["--json", "lint", &file.to_string_lossy()]);
    assert_eq!(run.code, 1);
    let warnings: Vec<(String, String)> = serde_json::from_str::<Value>(&run.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_string(),
                w["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("IDENTICAL_ROLES", "roles[2]"),
        ("UNUSED_ROLE", "roles[3]"),
        ("SHADOWS_SYSTEM_ROLE", "roles[4]"),
        ("REDUNDANT_GRANT", "subjects[1].grants[0]"),
        ("REDUNDANT_GRANT", "subjects[1].grants[1]"),
        ("WILDCARD_GRANT", "subjects[1].grants[2]"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(c, p)| (c.to_string(), p.to_string()))
        .collect();
    assert_eq!(warnings, expected);
    let text = rolegate(&["lint", &file.to_string_lossy()]).stdout;
    assert!(
        text.contains("lint.json:") && text.contains("6 warnings"),
        "{text}"
    );
}

#[test]
fn lint_on_the_examples() {
    for name in ["inkit", "ipaware", "permit", "airkit"] {
        let run = rolegate(&["lint", &example(name)]);
        assert_eq!((run.code, run.stdout.trim()), (0, "no warnings"), "{name}");
    }
    // The review product's document advises `*` only for the administrator: lars is flagged, amy is not.
    let run = rolegate(&["lint", &example("rossum")]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("`lars` gets `operator` on every scope")
            && !run.stdout.contains("`amy`"),
        "{}",
        run.stdout
    );
}

#[test]
fn access_shows_tenant_wide_per_scope_and_mixed() {
    let run = rolegate(&["--json", "access", &example("permit"), "--now", NOW]);
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    let level = |id: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["subject"] == id)
            .unwrap()["level_label"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(level("wendy"), "tenant-wide");
    assert_eq!(level("nora"), "per project");
    assert_eq!(level("shaul"), "mixed", "the workspace document's example");
    assert_eq!(level("key_shop_dev"), "per environment");
    let text = rolegate(&[
        "access",
        &example("permit"),
        "--subject",
        "shaul",
        "--now",
        NOW,
    ])
    .stdout;
    assert!(
        text.contains("owner on shopping-app (project), editor on internal-app-dev (environment)"),
        "{text}"
    );
    let rossum = rolegate(&[
        "access",
        &example("rossum"),
        "--subject",
        "amy",
        "--now",
        NOW,
    ])
    .stdout;
    assert!(
        rossum.contains("every inbox") && rossum.contains("administrator on * (every inbox)"),
        "{rossum}"
    );
    let acme = rolegate(&["access", &example("acme"), "--now", NOW]).stdout;
    assert!(
        acme.lines()
            .any(|l| l.starts_with("dave") && l.contains("none") && l.contains("deactivated")),
        "{acme}"
    );
    assert!(
        acme.lines()
            .any(|l| l.starts_with("grace") && l.contains("none")),
        "{acme}"
    );
    assert_eq!(
        rolegate(&["access", &example("acme"), "--subject", "nobody"]).code,
        2
    );
    for name in EXAMPLES {
        let run = rolegate(&["access", &example(name), "--now", NOW]);
        assert_eq!(
            run.stdout.lines().count(),
            policy(name)["subjects"].as_array().unwrap().len() + 1,
            "{name}"
        );
    }
}

#[test]
fn typegen_lists_every_permission_and_optionally_every_scope() {
    for name in EXAMPLES {
        let doc = policy(name);
        let out = rolegate(&["typegen", &example(name), "--scopes"]).stdout;
        for p in doc["permissions"].as_array().unwrap() {
            let p = p.as_str().or_else(|| p["name"].as_str()).unwrap();
            assert!(
                out.contains(&format!("  | \"{p}\"\n")) || out.contains(&format!("  | \"{p}\";")),
                "{name}: {p}"
            );
        }
        for s in doc["scopes"].as_array().unwrap() {
            assert!(
                out.contains(&format!("  | \"{}\"", s["id"].as_str().unwrap())),
                "{name}"
            );
        }
        let plain = rolegate(&["typegen", &example(name)]).stdout;
        assert!(plain.contains("export type ScopeId = string;"), "{name}");
    }
}
