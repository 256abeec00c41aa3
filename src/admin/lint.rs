//! Best practices from the seed consoles' documents, as warnings on a policy that
//! compiles: unused roles, roles identical to another, grants made redundant by a
//! broader grant of the same subject, `*` grants to subjects without an admin-level
//! role, and custom roles named like a system role.

use serde::Serialize;

use crate::policy::document::Policy;
use crate::snapshot::payload::Payload;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// `UNUSED_ROLE`, `IDENTICAL_ROLES`, `REDUNDANT_GRANT`, `WILDCARD_GRANT` or `SHADOWS_SYSTEM_ROLE`.
    pub code: &'static str,
    pub message: String,
    /// Where in the policy document (`roles[3]`, `subjects[2].grants[1]`).
    pub path: String,
    /// The line of `path` in the document's text, when linted from text.
    pub line: Option<usize>,
}

fn warn(code: &'static str, path: String, message: String) -> Warning {
    Warning {
        code,
        message,
        path,
        line: None,
    }
}

/// Parses, compiles and lints a policy document's text; warnings carry their line.
pub fn lint_json(src: &str) -> crate::Result<Vec<Warning>> {
    let options = crate::BuildOptions {
        revision: 0,
        issued_at: 0,
        expires_at: None,
    };
    let (policy, payload) = crate::compile_document(src, &options)?;
    let mut warnings = lint(&policy, &payload);
    for w in &mut warnings {
        w.line = crate::policy::line_of(src, &w.path);
    }
    Ok(warnings)
}

struct View<'a> {
    payload: &'a Payload,
}

impl View<'_> {
    /// A role's compiled permission bitset (one length for every role of a payload).
    fn role_set(&self, name: &str) -> Option<&[u8]> {
        let role = self.payload.roles.iter().find(|r| r.name == name)?;
        Some(&role.permissions)
    }

    /// Whether role `a` holds everything role `b` holds.
    fn covers_role(&self, a: &str, b: &str) -> bool {
        match (self.role_set(a), self.role_set(b)) {
            (Some(a), Some(b)) => a.iter().zip(b).all(|(x, y)| x & y == *y),
            _ => false,
        }
    }

    fn root(&self) -> &str {
        self.payload.scopes.first().map_or("", |s| s.id.as_str())
    }

    fn parent(&self, id: &str) -> Option<&str> {
        let s = self.payload.scopes.iter().find(|s| s.id == id)?;
        if s.id == self.root() {
            return None;
        }
        self.payload
            .scopes
            .get(s.parent as usize)
            .map(|p| p.id.as_str())
    }

    /// Whether a grant on scope `a` reaches everything a grant on `b` reaches.
    fn covers_scope(&self, a: &str, b: &str) -> bool {
        if a == b || a == self.root() {
            return true;
        }
        if b == "*" {
            return false;
        }
        if a == "*" {
            return b != self.root();
        }
        let mut at = self.parent(b);
        while let Some(s) = at {
            if s == a {
                return true;
            }
            at = self.parent(s);
        }
        false
    }

    /// Admin-level: holds the whole catalog, or a system role named like an admin or owner.
    fn admin_level(&self, name: &str) -> bool {
        let Some(role) = self.payload.roles.iter().find(|r| r.name == name) else {
            return false;
        };
        let all = (0..self.payload.permissions.len()).all(|i| role.holds(i));
        all || (role.system && (name.contains("admin") || name.contains("owner")))
    }
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The warnings for a policy and its compiled payload, in document order.
pub fn lint(policy: &Policy, payload: &Payload) -> Vec<Warning> {
    let view = View { payload };
    let mut out = Vec::new();

    for (i, role) in policy.roles.iter().enumerate() {
        let granted = policy
            .subjects
            .iter()
            .any(|s| s.grants.iter().any(|g| g.role == role.name));
        let extended = policy.roles.iter().any(|r| r.extends.contains(&role.name));
        if !role.system && !granted && !extended {
            out.push(warn(
                "UNUSED_ROLE",
                format!("roles[{i}]"),
                format!(
                    "role `{}` is granted to no one and extended by no role: remove it",
                    role.name
                ),
            ));
        }
        if let Some(twin) = policy
            .roles
            .iter()
            .take(i)
            .find(|r| view.role_set(&r.name) == view.role_set(&role.name))
        {
            out.push(warn(
                "IDENTICAL_ROLES",
                format!("roles[{i}]"),
                format!(
                    "role `{}` grants exactly what `{}` grants: keep one",
                    role.name, twin.name
                ),
            ));
        }
        if !role.system {
            let mine = squash(&role.name);
            for system in policy.roles.iter().filter(|r| r.system) {
                let theirs = squash(&system.name);
                if !theirs.is_empty() && (mine.starts_with(&theirs) || mine.ends_with(&theirs)) {
                    out.push(warn(
                        "SHADOWS_SYSTEM_ROLE",
                        format!("roles[{i}]"),
                        format!("custom role `{}` is named like system role `{}`: people will take one for the other", role.name, system.name),
                    ));
                }
            }
        }
    }

    for (i, subject) in policy.subjects.iter().enumerate() {
        let admin = subject.grants.iter().any(|g| view.admin_level(&g.role));
        for (j, g) in subject.grants.iter().enumerate() {
            let path = format!("subjects[{i}].grants[{j}]");
            let broader = subject.grants.iter().enumerate().find(|&(k, h)| {
                let outlives = match (&h.expires_at, &g.expires_at) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(a), Some(b)) => a >= b,
                };
                let same = h.role == g.role && h.scope == g.scope && h.expires_at == g.expires_at;
                k != j
                    && (!same || k < j)
                    && outlives
                    && view.covers_role(&h.role, &g.role)
                    && view.covers_scope(&h.scope, &g.scope)
            });
            if let Some((_, h)) = broader {
                out.push(warn(
                    "REDUNDANT_GRANT",
                    path.clone(),
                    format!(
                        "`{}`'s grant of `{}` on `{}` adds nothing to its grant of `{}` on `{}`",
                        subject.id, g.role, g.scope, h.role, h.scope
                    ),
                ));
            }
            if g.scope == "*" && !admin {
                out.push(warn(
                    "WILDCARD_GRANT",
                    path,
                    format!("`{}` gets `{}` on every scope (`*`) without an admin-level role: grant it on the scopes it needs", subject.id, g.role),
                ));
            }
        }
    }
    out
}
