//! Best practices from the seed consoles' documents, as warnings on a policy that
//! compiles: unused roles, roles identical to another, grants made redundant by a
//! broader grant of the same subject, `*` grants to subjects without an admin-level
//! role, and custom roles named like a system role or spelt with look-alike characters.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use unicode_security::confusable_detection::skeleton;

use crate::error::{Error, ErrorKind, Result};
use crate::policy::document::{GrantDecl, Policy};
use crate::snapshot::payload::{Payload, Role};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// `UNUSED_ROLE`, `IDENTICAL_ROLES`, `REDUNDANT_GRANT`, `WILDCARD_GRANT`,
    /// `SHADOWS_SYSTEM_ROLE` or `CONFUSABLE_ROLE`.
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

/// Warnings that get their line found in the text (each a scan of the document).
pub const MAX_LOCATED_WARNINGS: usize = 200;

/// Grant comparisons lint may make looking for redundant grants (pairs × bitset words).
pub const MAX_LINT_WORK: usize = 1 << 23;

/// Parses, compiles and lints a policy document's text; the first
/// [`MAX_LOCATED_WARNINGS`] warnings carry their line.
pub fn lint_json(src: &str) -> crate::Result<Vec<Warning>> {
    let options = crate::BuildOptions {
        revision: 0,
        issued_at: 0,
        expires_at: None,
    };
    let (policy, payload) = crate::compile_document(src, &options)?;
    let mut warnings = lint(&policy, &payload)?;
    for w in warnings.iter_mut().take(MAX_LOCATED_WARNINGS) {
        w.line = crate::policy::line_of(src, &w.path);
    }
    Ok(warnings)
}

/// The compiled payload, indexed by name for lint's questions.
struct View<'a> {
    payload: &'a Payload,
    roles: HashMap<&'a str, &'a Role>,
    scopes: HashMap<&'a str, usize>,
    /// Roles holding the whole catalog, or system roles named like an admin or owner.
    admin_level: HashSet<&'a str>,
}

impl<'a> View<'a> {
    fn new(payload: &'a Payload) -> View<'a> {
        let catalog = payload.permissions.len();
        let admin_level = payload
            .roles
            .iter()
            .filter(|r| {
                let held: usize = r.permissions.iter().map(|b| b.count_ones() as usize).sum();
                held >= catalog
                    || (r.system && (r.name.contains("admin") || r.name.contains("owner")))
            })
            .map(|r| r.name.as_str())
            .collect();
        View {
            payload,
            roles: payload.roles.iter().map(|r| (r.name.as_str(), r)).collect(),
            scopes: payload
                .scopes
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.as_str(), i))
                .collect(),
            admin_level,
        }
    }

    /// A role's compiled permission bitset (one length for every role of a payload).
    fn role_set(&self, name: &str) -> Option<&[u8]> {
        self.roles.get(name).map(|r| r.permissions.as_slice())
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
        let (Some(&target), Some(&start)) = (self.scopes.get(a), self.scopes.get(b)) else {
            return false;
        };
        // Parents come before children in the payload's pre-order: walk up to the root.
        let mut at = start;
        while at != 0 {
            let parent = self.payload.scopes.get(at).map_or(0, |s| s.parent as usize);
            if parent == target {
                return true;
            }
            if parent >= at {
                return false;
            }
            at = parent;
        }
        false
    }
}

/// A name as people read it: look-alike characters mapped to one (UTS #39 skeleton, so a
/// Cyrillic `а` reads as `a`), then only ASCII letters and digits, lowercase.
fn squash(name: &str) -> String {
    skeleton(name)
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether two different names look the same (equal UTS #39 skeletons).
fn confusable(a: &str, b: &str) -> bool {
    a != b && skeleton(a).eq(skeleton(b))
}

/// The warnings for a policy and its compiled payload, in document order; refused with
/// `LIMIT_EXCEEDED` when finding redundant grants would take more than [`MAX_LINT_WORK`].
pub fn lint(policy: &Policy, payload: &Payload) -> Result<Vec<Warning>> {
    let view = View::new(payload);
    let mut out = Vec::new();
    role_warnings(policy, &view, &mut out);
    grant_warnings(policy, &view, &mut out)?;
    Ok(out)
}

/// UNUSED_ROLE, IDENTICAL_ROLES and SHADOWS_SYSTEM_ROLE, role by role.
fn role_warnings(policy: &Policy, view: &View<'_>, out: &mut Vec<Warning>) {
    let granted: HashSet<&str> = policy
        .subjects
        .iter()
        .flat_map(|s| s.grants.iter().map(|g| g.role.as_str()))
        .collect();
    let extended: HashSet<&str> = policy
        .roles
        .iter()
        .flat_map(|r| r.extends.iter().map(String::as_str))
        .collect();
    let systems: Vec<(&str, String)> = policy
        .roles
        .iter()
        .filter(|r| r.system)
        .map(|r| (r.name.as_str(), squash(&r.name)))
        .filter(|(_, squashed)| !squashed.is_empty())
        .collect();
    // The first role with each permission set, in document order.
    let mut first_with: HashMap<&[u8], &str> = HashMap::new();
    for (i, role) in policy.roles.iter().enumerate() {
        let name = role.name.as_str();
        if !role.system && !granted.contains(name) && !extended.contains(name) {
            out.push(warn(
                "UNUSED_ROLE",
                format!("roles[{i}]"),
                format!("role `{name}` is granted to no one and extended by no role: remove it"),
            ));
        }
        if let Some(set) = view.role_set(name) {
            match first_with.get(set) {
                Some(twin) => out.push(warn(
                    "IDENTICAL_ROLES",
                    format!("roles[{i}]"),
                    format!("role `{name}` grants exactly what `{twin}` grants: keep one"),
                )),
                None => {
                    first_with.insert(set, name);
                }
            }
        }
        if !role.system {
            let mine = squash(name);
            for (system, theirs) in &systems {
                if confusable(name, system) {
                    out.push(warn(
                        "CONFUSABLE_ROLE",
                        format!("roles[{i}]"),
                        format!("custom role `{name}` looks exactly like system role `{system}` (it differs only in look-alike characters): rename it"),
                    ));
                } else if mine.starts_with(theirs.as_str()) || mine.ends_with(theirs.as_str()) {
                    out.push(warn(
                        "SHADOWS_SYSTEM_ROLE",
                        format!("roles[{i}]"),
                        format!("custom role `{name}` is named like system role `{system}`: people will take one for the other"),
                    ));
                }
            }
        }
    }
}

/// REDUNDANT_GRANT and WILDCARD_GRANT, grant by grant.
fn grant_warnings(policy: &Policy, view: &View<'_>, out: &mut Vec<Warning>) -> Result<()> {
    let words = view
        .payload
        .roles
        .first()
        .map_or(1, |r| r.permissions.len().div_ceil(8).max(1));
    let pairs: usize = policy
        .subjects
        .iter()
        .map(|s| s.grants.len().saturating_mul(s.grants.len()))
        .fold(0, usize::saturating_add);
    if pairs.saturating_mul(words) > MAX_LINT_WORK {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "comparing each subject's grants is over the limit of {MAX_LINT_WORK} steps (grants² × permissions / 64 per subject): lint fewer grants per subject"
            ),
        ));
    }
    for (i, subject) in policy.subjects.iter().enumerate() {
        let admin = subject
            .grants
            .iter()
            .any(|g| view.admin_level.contains(g.role.as_str()));
        for (j, g) in subject.grants.iter().enumerate() {
            let path = format!("subjects[{i}].grants[{j}]");
            if let Some(h) = broader_grant(view, &subject.grants, j) {
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
    Ok(())
}

/// Another grant of the same subject that gives everything grant `j` gives, at least as
/// long (of two identical grants, the later one is the redundant one).
fn broader_grant<'g>(view: &View<'_>, grants: &'g [GrantDecl], j: usize) -> Option<&'g GrantDecl> {
    let g = grants.get(j)?;
    grants.iter().enumerate().find_map(|(k, h)| {
        let outlives = match (&h.expires_at, &g.expires_at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a >= b,
        };
        let same = h.role == g.role && h.scope == g.scope && h.expires_at == g.expires_at;
        let broader = k != j
            && (!same || k < j)
            && outlives
            && view.covers_role(&h.role, &g.role)
            && view.covers_scope(&h.scope, &g.scope);
        broader.then_some(h)
    })
}
