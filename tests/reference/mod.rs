//! A naive reference implementation of the semantics in tests/conformance/README.md,
//! written from the text and nothing else (no interning, no bitsets, no pre-order), and
//! a generator of random valid policies driven by a byte string (so proptest can shrink
//! it and a fuzzer can mutate it). Shared by tests/differential.rs and fuzz/.
#![allow(dead_code, clippy::indexing_slicing)]

use serde_json::{Value, json};

/// `*` matches any non-empty run of characters, dots included.
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (1..=name.len()).any(|i| matches(rest, &name[i..])),
        Some((c, rest)) => name.first() == Some(c) && matches(rest, &name[1..]),
    }
}

/// The reference model of one policy document.
pub struct Model<'a> {
    policy: &'a Value,
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn name_of(v: &Value) -> &str {
    v.as_str()
        .or_else(|| v.get("name").and_then(Value::as_str))
        .unwrap_or("")
}

impl<'a> Model<'a> {
    pub fn new(policy: &'a Value) -> Model<'a> {
        Model { policy }
    }

    fn catalog(&self) -> impl Iterator<Item = &str> {
        list(self.policy, "permissions").iter().map(name_of)
    }

    fn role(&self, name: &str) -> Option<&Value> {
        list(self.policy, "roles")
            .iter()
            .find(|r| name_of(r) == name)
    }

    /// Whether role `name` (with its extensions) holds `permission`.
    fn role_holds(&self, name: &str, permission: &str, depth: usize) -> bool {
        let Some(role) = self.role(name) else {
            return false;
        };
        if depth > 64 {
            return false;
        }
        list(role, "permissions")
            .iter()
            .filter_map(Value::as_str)
            .any(|p| matches(p.as_bytes(), permission.as_bytes()))
            || list(role, "extends")
                .iter()
                .filter_map(Value::as_str)
                .any(|r| self.role_holds(r, permission, depth + 1))
    }

    fn parent(&self, scope: &str) -> Option<&str> {
        list(self.policy, "scopes")
            .iter()
            .find(|s| s["id"] == scope)
            .and_then(|s| s.get("parent"))
            .and_then(Value::as_str)
    }

    fn root(&self) -> &str {
        list(self.policy, "scopes")
            .iter()
            .find(|s| s.get("parent").is_none())
            .and_then(|s| s["id"].as_str())
            .unwrap_or("")
    }

    /// Whether grant scope `g` covers `scope`: itself or an ancestor, or `*` below the root.
    fn covers(&self, g: &str, scope: &str) -> bool {
        if g == "*" {
            return scope != self.root();
        }
        let mut at = Some(scope);
        while let Some(s) = at {
            if s == g {
                return true;
            }
            at = self.parent(s);
        }
        false
    }

    pub fn can(&self, subject: &str, permission: &str, scope: Option<&str>, now: i64) -> bool {
        let Some(who) = list(self.policy, "subjects")
            .iter()
            .find(|s| s["id"] == subject)
        else {
            return false;
        };
        if who.get("active") == Some(&Value::Bool(false)) {
            return false;
        }
        if !self.catalog().any(|p| p == permission) {
            return false;
        }
        let scope = scope.unwrap_or(self.root());
        if !list(self.policy, "scopes").iter().any(|s| s["id"] == scope) {
            return false;
        }
        list(who, "grants").iter().any(|g| {
            let live = match g.get("expires_at").and_then(Value::as_str) {
                Some(t) => rolegate::time::parse_rfc3339(t).is_some_and(|t| now < t),
                None => true,
            };
            live && self.covers(g["scope"].as_str().unwrap_or(""), scope)
                && self.role_holds(g["role"].as_str().unwrap_or(""), permission, 0)
        })
    }

    pub fn subjects(&self) -> Vec<&str> {
        list(self.policy, "subjects")
            .iter()
            .filter_map(|s| s["id"].as_str())
            .collect()
    }
}

/// A byte string read as a stream of choices; zeros once it runs out.
pub struct Choices<'a> {
    bytes: &'a [u8],
}

impl<'a> Choices<'a> {
    pub fn new(bytes: &'a [u8]) -> Choices<'a> {
        Choices { bytes }
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let (first, rest) = self.bytes.split_first().unwrap_or((&0, &[]));
        self.bytes = rest;
        usize::from(*first) % n.max(1)
    }

    pub fn flip(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// Names the generator picks from: a few resources and actions, nested once.
const RESOURCES: [&str; 4] = ["roles", "billing", "api.key", "renders"];
const ACTIONS: [&str; 4] = ["view", "create", "delete", "update"];
/// The base time of generated policies and queries (2026-01-01T00:00:00Z).
pub const BASE: i64 = 1_767_225_600;

fn time(offset: i64) -> String {
    rolegate::time::format_rfc3339(BASE + offset)
}

/// A random valid policy: a scope tree, a catalog, roles with patterns and extensions,
/// and subjects with grants on scopes or `*`, some expiring, some inactive.
pub fn policy(c: &mut Choices) -> Value {
    let mut catalog: Vec<String> = Vec::new();
    for r in RESOURCES {
        for a in ACTIONS {
            if c.flip(2) {
                catalog.push(format!("{r}.{a}"));
            }
        }
    }
    if catalog.is_empty() {
        catalog.push("roles.view".into());
    }
    let scope_count = 1 + c.below(8);
    let scopes: Vec<Value> = (0..scope_count)
        .map(|i| {
            if i == 0 {
                json!({"id": "s0"})
            } else {
                json!({"id": format!("s{i}"), "parent": format!("s{}", c.below(i))})
            }
        })
        .collect();

    let mut candidates: Vec<String> = vec!["*".into()];
    candidates.extend(RESOURCES.iter().map(|r| format!("{r}.*")));
    candidates.extend(ACTIONS.iter().map(|a| format!("*.{a}")));
    candidates.push("*.*.*".into());
    candidates.push("api.*.view".into());
    candidates.extend(catalog.iter().cloned());
    let candidates: Vec<String> = candidates
        .into_iter()
        .filter(|p| catalog.iter().any(|n| matches(p.as_bytes(), n.as_bytes())))
        .collect();

    let role_count = 1 + c.below(5);
    let mut roles = Vec::new();
    for i in 0..role_count {
        let mut permissions: Vec<String> = Vec::new();
        for _ in 0..c.below(4) {
            let p = &candidates[c.below(candidates.len())];
            if !permissions.contains(p) {
                permissions.push(p.clone());
            }
        }
        let mut extends: Vec<String> = Vec::new();
        if i > 0 && c.flip(3) {
            extends.push(format!("r{}", c.below(i)));
        }
        if permissions.is_empty() && extends.is_empty() {
            permissions.push(candidates[c.below(candidates.len())].clone());
        }
        roles.push(json!({"name": format!("r{i}"), "system": c.flip(3), "permissions": permissions, "extends": extends}));
    }

    let subject_count = 1 + c.below(6);
    let mut subjects = Vec::new();
    for i in 0..subject_count {
        let mut grants = Vec::new();
        for _ in 0..c.below(4) {
            let scope = if c.flip(4) {
                "*".to_string()
            } else {
                format!("s{}", c.below(scope_count))
            };
            let mut grant = json!({"role": format!("r{}", c.below(role_count)), "scope": scope});
            if c.flip(3) {
                grant["expires_at"] = json!(time(c.below(4) as i64 * 60 - 60));
            }
            grants.push(grant);
        }
        let kind = if c.flip(3) { "api_key" } else { "user" };
        let mut subject = json!({"id": format!("u{i}"), "kind": kind, "grants": grants});
        if c.flip(5) {
            subject["active"] = json!(false);
        }
        subjects.push(subject);
    }
    json!({
        "format": "rolegate.policy/1",
        "tenant": "t",
        "permissions": catalog,
        "scopes": scopes,
        "roles": roles,
        "subjects": subjects,
    })
}

/// Queries over every subject (plus an unknown one), every permission (plus a pattern
/// and an unknown name), every scope (plus the root as `None`, `*` and an unknown id), at
/// times around the grants' expiries.
pub fn queries(policy: &Value) -> Vec<(String, String, Option<String>, i64)> {
    let mut subjects: Vec<String> = list(policy, "subjects")
        .iter()
        .filter_map(|s| s["id"].as_str().map(String::from))
        .collect();
    subjects.push("nobody".into());
    let mut permissions: Vec<String> = list(policy, "permissions")
        .iter()
        .map(|p| name_of(p).to_string())
        .collect();
    permissions.extend(["roles.*".to_string(), "nothing.here".to_string()]);
    let mut scopes: Vec<Option<String>> = list(policy, "scopes")
        .iter()
        .filter_map(|s| s["id"].as_str().map(|s| Some(s.to_string())))
        .collect();
    scopes.extend([None, Some("*".into()), Some("elsewhere".into())]);
    // Times just before, at and after each possible expiry, taken in turn.
    let times = [-61, -60, -1, 0, 59, 60, 119, 120, 300];
    let mut out = Vec::new();
    for s in &subjects {
        for p in &permissions {
            for sc in &scopes {
                let now = BASE + times[out.len() % times.len()];
                out.push((s.clone(), p.clone(), sc.clone(), now));
            }
        }
    }
    out
}
