//! How far each subject's access reaches: tenant-wide, per scope (per project, per
//! inbox, ...), or mixed, with the roles per scope; the workspace console's "access
//! level" column.

use serde::Serialize;

use crate::snapshot::payload::{GrantScope, Payload, SubjectKind};
use crate::time::Timestamp;

/// A subject's access level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No live grant (or a deactivated subject).
    None,
    /// Every grant is on the tenant root.
    TenantWide,
    /// Grants below the root, all with the same role.
    PerScope,
    /// Different roles on different scopes, or the root plus scopes below it.
    Mixed,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::TenantWide => "tenant-wide",
            Level::PerScope => "per scope",
            Level::Mixed => "mixed",
        }
    }
}

/// One grant as shown: the role on a scope (`*`: every scope below the root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Held {
    pub role: String,
    pub scope: String,
    /// The scope's kind (`project`, `inbox`, ...), when the policy gave one.
    pub kind: Option<String>,
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    pub subject: String,
    pub kind: &'static str,
    pub active: bool,
    pub level: Level,
    pub grants: Vec<Held>,
}

impl Access {
    /// `per project` when every scoped grant is on scopes of one kind, else `per scope`.
    pub fn level_label(&self) -> String {
        if self.level != Level::PerScope {
            return self.level.as_str().to_string();
        }
        if self.grants.iter().all(|g| g.scope == "*") {
            return match self.grants.first().and_then(|g| g.kind.as_deref()) {
                Some(kind) => format!("every {kind}"),
                None => "every scope below the root".to_string(),
            };
        }
        let mut kinds = self.grants.iter().map(|g| g.kind.as_deref());
        match kinds.next() {
            Some(Some(first)) if kinds.all(|k| k == Some(first)) => format!("per {first}"),
            _ => "per scope".to_string(),
        }
    }
}

/// The kind shared by every child of the root (`inbox`), which a `*` grant covers.
fn below_root_kind(p: &Payload) -> Option<String> {
    let mut kinds = p
        .scopes
        .iter()
        .enumerate()
        .filter(|(i, s)| *i != 0 && s.parent == 0)
        .map(|(_, s)| s.kind);
    let first = kinds.next()??;
    kinds
        .all(|k| k == Some(first))
        .then(|| p.kinds.get(first as usize).cloned())
        .flatten()
}

/// The access of every subject (or only `subject`) as of `now`.
pub fn access(p: &Payload, subject: Option<&str>, now: Timestamp) -> Vec<Access> {
    p.subjects
        .iter()
        .filter(|s| subject.is_none_or(|id| s.id == id))
        .map(|s| {
            let grants: Vec<Held> = s
                .grants
                .iter()
                .filter(|g| g.expires_at.is_none_or(|t| now < t))
                .map(|g| {
                    let kind = match g.scope {
                        GrantScope::BelowRoot => below_root_kind(p),
                        GrantScope::Scope(i) => usize::try_from(i)
                            .ok()
                            .and_then(|i| p.scopes.get(i))
                            .and_then(|sc| sc.kind)
                            .and_then(|k| p.kinds.get(k as usize))
                            .cloned(),
                    };
                    Held {
                        role: p
                            .roles
                            .get(g.role as usize)
                            .map(|r| r.name.clone())
                            .unwrap_or_default(),
                        scope: p.grant_scope_id(g.scope).to_string(),
                        kind,
                        expires_at: g.expires_at,
                    }
                })
                .collect();
            let on_root = |h: &Held| p.scopes.first().is_some_and(|r| r.id == h.scope);
            let level = if !s.active || grants.is_empty() {
                Level::None
            } else if grants.iter().all(on_root) {
                Level::TenantWide
            } else if grants.iter().any(on_root) {
                Level::Mixed
            } else if grants
                .iter()
                .all(|g| grants.first().is_some_and(|f| f.role == g.role))
            {
                Level::PerScope
            } else {
                Level::Mixed
            };
            Access {
                subject: s.id.clone(),
                kind: match s.kind {
                    SubjectKind::User => "user",
                    SubjectKind::ApiKey => "api_key",
                },
                active: s.active,
                level,
                grants,
            }
        })
        .collect()
}

/// The rows as `rolegate access --json` prints them (and `rolegate/compiler`'s `access`
/// returns them): each with its `level_label` beside the fields.
pub fn rows_json(rows: &[Access]) -> serde_json::Value {
    rows.iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap_or_default();
            if let Some(map) = v.as_object_mut() {
                map.insert("level_label".into(), a.level_label().into());
            }
            v
        })
        .collect()
}
