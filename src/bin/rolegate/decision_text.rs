//! Decisions in words and as JSON, with a near name suggested for an unknown one: what
//! `check`, `explain` and `test` print.

use rolegate::error::escape_controls;
use rolegate::policy::suggest::{did_you_mean, suggest};
use rolegate::time::format_rfc3339;
use rolegate::{Decision, Engine, Reason};
use serde_json::{Value, json};

use crate::Query;
use crate::output::set;

pub fn permission_names(engine: &Engine) -> impl Iterator<Item = &str> {
    engine.payload().permissions.iter().map(|p| p.name.as_str())
}

pub fn hint<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    did_you_mean(suggest(name, candidates))
}

/// A decision in words, naming what was unknown and suggesting a near name.
pub fn describe(decision: &Decision<'_>, engine: &Engine, q: &Query) -> String {
    let payload = engine.payload();
    let verdict = if decision.allowed {
        "allowed"
    } else {
        "denied"
    };
    let detail = match &decision.reason {
        Reason::UnknownSubject => {
            format!(
                "unknown subject `{}`{}",
                q.subject,
                hint(&q.subject, payload.subjects.iter().map(|s| s.id.as_str()))
            )
        }
        Reason::UnknownPermission => {
            format!(
                "unknown permission `{}`{}",
                q.permission,
                hint(&q.permission, permission_names(engine))
            )
        }
        Reason::UnknownScope => {
            let scope = q.scope.as_deref().unwrap_or("");
            format!(
                "unknown scope `{scope}`{}",
                hint(scope, payload.scopes.iter().map(|s| s.id.as_str()))
            )
        }
        Reason::InactiveSubject => format!("`{}` is deactivated or revoked", q.subject),
        Reason::NoGrant => format!(
            "no grant of `{}` gives `{}` on `{}`",
            q.subject,
            q.permission,
            q.scope.as_deref().unwrap_or_else(|| engine
                .payload()
                .scopes
                .first()
                .map_or("", |s| s.id.as_str()))
        ),
        other => other.to_string(),
    };
    let text = format!("{verdict}: {detail} (revision {})", decision.revision);
    escape_controls(&text).into_owned()
}

pub fn decision_json(decision: &Decision<'_>, engine: &Engine, q: &Query) -> Value {
    let mut v = json!({
        "allowed": decision.allowed,
        "reason": decision.reason.code(),
        "message": describe(decision, engine, q),
        "revision": decision.revision,
    });
    if let Reason::Granted {
        role,
        scope,
        expires_at,
    } = &decision.reason
    {
        set(&mut v, "role", json!(role));
        set(&mut v, "grant_scope", json!(scope));
        set(
            &mut v,
            "grant_expires_at",
            json!(expires_at.map(format_rfc3339)),
        );
    }
    if let Reason::GrantExpired { role, scope, .. } = &decision.reason {
        set(&mut v, "role", json!(role));
        set(&mut v, "grant_scope", json!(scope));
    }
    v
}
