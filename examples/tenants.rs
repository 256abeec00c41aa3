//! Generates the project's SaaS-shaped conformance tenants in
//! `tests/conformance/generated/` (run from the repository root):
//!
//! ```text
//! cargo run --example tenants
//! ```
//!
//! Each tenant is an organization → project → environment tree, the four system roles of
//! the seed consoles (agent ⊂ developer ⊂ admin ⊂ owner) and custom roles with patterns
//! and extensions, users and API keys (token `rg_test_<id>`) with one to three grants on
//! scopes or `*`, some expiring around the queries' `now`, some subjects deactivated;
//! the queries mix in unknown subjects, permissions, patterns and scopes. The expected
//! answers come from the naive reference model in `tests/reference`, never from the
//! engine. `tests/tenants.rs` regenerates them in memory and fails on any drift.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "../tests/reference/mod.rs"]
mod reference;

use std::path::PathBuf;

use rolegate::encoding::hex_encode;
use rolegate::time::{format_rfc3339, parse_rfc3339};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A tenant to generate: its file stem, seed and size.
#[derive(Debug)]
pub struct Shape {
    pub name: &'static str,
    pub seed: u64,
    pub projects: usize,
    pub subjects: usize,
    pub queries: usize,
}

/// The tenants committed in `tests/conformance/generated/`.
pub const SHAPES: [Shape; 2] = [
    Shape {
        name: "saas-small",
        seed: 0x5eed_0001,
        projects: 8,
        subjects: 200,
        queries: 20_000,
    },
    Shape {
        name: "saas-medium",
        seed: 0x5eed_0002,
        projects: 40,
        subjects: 1_000,
        queries: 20_000,
    },
];

/// The queries' clock; expiring grants end on either side of it.
pub const NOW: &str = "2026-11-23T12:00:00Z";

/// The permission catalog, as in the seed consoles' permission pages.
#[rustfmt::skip]
const CATALOG: [&str; 63] = [
    "folders.create", "folders.view", "folders.update", "folders.delete",
    "roles.create", "roles.view", "roles.update", "roles.delete", "roles.assign", "roles.revoke",
    "api.key.create", "api.key.view", "api.key.update", "api.key.revoke", "api.key.refresh",
    "organization.view", "organization.update", "organization.invite", "organization.remove",
    "organization.transfer", "organization.whitelist.view", "organization.whitelist.manage",
    "billing.checkout", "billing.portal", "billing.update", "billing.cancel", "billing.resume",
    "billing.invoices.view",
    "renders.create", "renders.retrieve", "renders.update", "renders.delete",
    "users.retrieve", "users.update", "users.activate", "users.deactivate",
    "webhooks.create", "webhooks.view", "webhooks.update", "webhooks.delete",
    "webhook.secret.refresh", "events.retrieve", "shares.create", "shares.view", "shares.delete",
    "ip.query", "projects.create", "projects.view", "projects.update", "projects.delete",
    "environments.create", "environments.view", "environments.update", "environments.delete",
    "templates.create", "templates.view", "templates.update", "templates.delete",
    "assets.upload", "assets.view", "assets.delete", "audit.logs.view", "usage.view",
];

/// Patterns a custom role may hold besides plain names.
#[rustfmt::skip]
const PATTERNS: [&str; 9] = [
    "folders.*", "renders.*", "webhooks.*", "*.view", "billing.*", "api.key.*",
    "organization.whitelist.*", "*.delete", "templates.*",
];

#[rustfmt::skip]
const CUSTOM_ROLES: [&str; 12] = [
    "support", "billing-manager", "auditor", "release-manager", "designer", "integrator",
    "security", "ops", "qa", "partner", "analyst", "contractor",
];

/// splitmix64: small, seeded, the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A random-looking id: `prefix` and `len` base-36 characters.
    fn id(&mut self, prefix: &str, len: usize) -> String {
        const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let tail: String = (0..len).map(|_| char::from(*self.pick(DIGITS))).collect();
        format!("{prefix}{tail}")
    }
}

fn system_roles() -> Value {
    json!([
        {"name": "agent", "system": true, "permissions": [
            "folders.view", "renders.create", "renders.retrieve", "events.retrieve",
            "projects.view", "environments.view", "templates.view", "assets.view",
            "shares.view", "users.retrieve", "ip.query"]},
        {"name": "developer", "system": true, "extends": ["agent"], "permissions": [
            "folders.*", "renders.*", "templates.*", "assets.*", "shares.*", "webhooks.view",
            "api.key.view", "api.key.create", "environments.update", "roles.view",
            "organization.view", "usage.view"]},
        {"name": "admin", "system": true, "extends": ["developer"], "permissions": [
            "roles.*", "api.key.*", "organization.view", "organization.update",
            "organization.invite", "organization.remove", "organization.whitelist.*",
            "billing.portal", "billing.invoices.view", "users.*", "webhooks.*",
            "webhook.secret.refresh", "projects.*", "environments.*", "audit.logs.view"]},
        {"name": "owner", "system": true, "extends": ["admin"], "permissions": ["*"]},
    ])
}

fn custom_role(rng: &mut Rng, name: &str, earlier: &[String]) -> Value {
    let mut permissions: Vec<&str> = Vec::new();
    for _ in 0..2 + rng.below(8) {
        let p = if rng.one_in(4) {
            *rng.pick(&PATTERNS)
        } else {
            *rng.pick(&CATALOG)
        };
        if !permissions.contains(&p) {
            permissions.push(p);
        }
    }
    permissions.sort_unstable();
    let mut role =
        json!({"name": format!("custom-{name}"), "system": false, "permissions": permissions});
    if !earlier.is_empty() && rng.one_in(3) {
        role["extends"] = json!([rng.pick(earlier)]);
    }
    role
}

/// One tenant's policy document and its scope ids (root first).
fn policy(shape: &Shape, rng: &mut Rng) -> (Value, Vec<String>) {
    let root = rng.id("org_", 8);
    let mut scopes = vec![json!({"id": root, "kind": "organization", "name": "Org 1"})];
    let mut ids = vec![root.clone()];
    for p in 0..shape.projects {
        let project = rng.id("prj_", 10);
        scopes.push(json!({"id": project, "parent": root, "kind": "project", "name": format!("Project {}", p + 1)}));
        ids.push(project.clone());
        for env in ["dev", "staging", "prod"] {
            let id = rng.id("env_", 10);
            scopes.push(json!({"id": id, "parent": project, "kind": "environment", "name": env}));
            ids.push(id);
        }
    }
    let mut roles = system_roles().as_array().cloned().unwrap_or_default();
    let mut role_names: Vec<String> = ["agent", "developer", "admin", "owner"]
        .map(String::from)
        .to_vec();
    let customs = 4 + rng.below(CUSTOM_ROLES.len() - 3);
    for name in &CUSTOM_ROLES[..customs] {
        let role = custom_role(rng, name, &role_names[4..]);
        role_names.push(role["name"].as_str().unwrap_or_default().to_string());
        roles.push(role);
    }
    let now = parse_rfc3339(NOW).unwrap();
    let subjects: Vec<Value> = (0..shape.subjects)
        .map(|_| {
            let key = rng.one_in(5);
            let id = if key {
                rng.id("key_", 12)
            } else {
                rng.id("usr_", 10)
            };
            let grants: Vec<Value> = (0..1 + rng.below(3))
                .map(|g| {
                    // Most subjects hold one tenant-wide or project role; a few hold `*`.
                    let scope = match rng.below(10) {
                        0 => "*".to_string(),
                        1 | 2 if g == 0 => root.clone(),
                        _ => rng.pick(&ids[1..]).clone(),
                    };
                    let mut grant = json!({"role": rng.pick(&role_names), "scope": scope});
                    if rng.one_in(12) {
                        let offset = (rng.below(20) as i64 - 10) * 86_400 + 1;
                        grant["expires_at"] = json!(format_rfc3339(now + offset));
                    }
                    grant
                })
                .collect();
            let mut subject =
                json!({"id": id, "kind": if key { "api_key" } else { "user" }, "grants": grants});
            if key {
                let token = format!("rg_test_{id}");
                subject["token_sha256"] = json!(hex_encode(&Sha256::digest(token.as_bytes())));
            }
            if rng.one_in(20) {
                subject["active"] = json!(false);
            }
            subject
        })
        .collect();
    let doc = json!({
        "format": "rolegate.policy/1",
        "tenant": root,
        "permissions": CATALOG.as_slice(),
        "scopes": scopes,
        "roles": roles,
        "subjects": subjects,
    });
    (doc, ids)
}

/// Queries: mostly known subject × permission × scope, with unknown and tricky names.
fn queries(shape: &Shape, rng: &mut Rng, doc: &Value, scopes: &[String]) -> Vec<Value> {
    let model = reference::Model::new(doc);
    let subjects = model.subjects();
    let now = parse_rfc3339(NOW).unwrap();
    (0..shape.queries)
        .map(|i| {
            let subject = if rng.one_in(200) {
                format!("usr_unknown{i}")
            } else {
                rng.pick(&subjects).to_string()
            };
            let permission = match rng.below(400) {
                0 => "ROLES.VIEW".to_string(),
                1 => "roles".to_string(),
                2 => "roles.*".to_string(),
                _ => rng.pick(&CATALOG).to_string(),
            };
            let scope = match rng.below(100) {
                0..=3 => None,
                4 => Some("*".to_string()),
                5..=9 => Some(format!("env_unknown{i}")),
                10..=54 => Some(near_grant(rng, doc, &subject, scopes)),
                _ => Some(rng.pick(scopes).clone()),
            };
            let expected = model.can(&subject, &permission, scope.as_deref(), now);
            json!([subject, permission, scope, expected])
        })
        .collect()
}

/// A scope at or below one of `subject`'s grants (where answers are interesting).
fn near_grant(rng: &mut Rng, doc: &Value, subject: &str, scopes: &[String]) -> String {
    let grants = doc["subjects"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["id"] == subject))
        .and_then(|s| s["grants"].as_array());
    let granted = grants
        .filter(|g| !g.is_empty())
        .and_then(|g| rng.pick(g)["scope"].as_str())
        .unwrap_or("*");
    if granted == "*" {
        return rng.pick(&scopes[1..]).clone();
    }
    // The scope itself, or one of its children (a project's environments).
    let children: Vec<&String> = doc["scopes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["parent"] == granted)
        .filter_map(|s| scopes.iter().find(|id| s["id"] == id.as_str()))
        .collect();
    if children.is_empty() || rng.one_in(3) {
        granted.to_string()
    } else {
        (*rng.pick(&children)).clone()
    }
}

/// The files of one tenant: `NAME.policy.json` and `NAME.queries.json`, as bytes.
pub fn tenant(shape: &Shape) -> [(String, String); 2] {
    let mut rng = Rng(shape.seed);
    let (doc, scopes) = policy(shape, &mut rng);
    let queries = queries(shape, &mut rng, &doc, &scopes);
    let policy_file = format!("{}.policy.json", shape.name);
    let queries_doc = json!({"policy": policy_file, "now": NOW, "queries": queries});
    [
        (
            policy_file,
            serde_json::to_string_pretty(&doc).unwrap() + "\n",
        ),
        (
            format!("{}.queries.json", shape.name),
            serde_json::to_string(&queries_doc).unwrap() + "\n",
        ),
    ]
}

/// Where the generated tenants live.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/generated")
}

fn main() {
    for shape in &SHAPES {
        for (name, text) in tenant(shape) {
            let path = dir().join(name);
            std::fs::write(&path, &text).unwrap();
            println!("wrote {} ({} bytes)", path.display(), text.len());
        }
    }
}
