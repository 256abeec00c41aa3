//! Caps on a snapshot's sizes and counts, checked before anything large is allocated or
//! indexed. Snapshots over a cap are refused with `LIMIT_EXCEEDED` (or `TOO_LARGE` for
//! bytes); the compiler holds policies to the same caps (`policy::limits`).

use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::payload::Payload;

/// Default cap on snapshot bytes accepted by a loader (configurable per load).
pub const DEFAULT_MAX_SNAPSHOT_BYTES: usize = 32 << 20;
/// Permissions in a catalog.
pub const MAX_PERMISSIONS: usize = 16_384;
pub const MAX_ROLES: usize = 16_384;
pub const MAX_SCOPES: usize = 1_000_000;
pub const MAX_SUBJECTS: usize = 10_000_000;
pub const MAX_GRANTS_PER_SUBJECT: usize = 4_096;
/// Bytes in one name (tenant, permission, scope, role, subject).
pub const MAX_NAME_BYTES: usize = 256;

/// The highest revision: 2^53 − 1, the largest integer JavaScript holds exactly, so that
/// a revision reads back the same in every binding (and `minRevision: gate.revision`
/// reloads the same snapshot).
pub const MAX_REVISION: u64 = (1 << 53) - 1;

/// Checks a revision against [`MAX_REVISION`].
pub fn check_revision(revision: u64) -> Result<()> {
    if revision > MAX_REVISION {
        Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "revision {revision} is over the limit of {MAX_REVISION} (2^53 - 1, the largest integer JavaScript holds exactly)"
            ),
        ))
    } else {
        Ok(())
    }
}

fn over(what: &str, count: usize, limit: usize) -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!("{count} {what} is over the limit of {limit}"),
    )
}

/// Checks a count against its cap.
pub fn check(what: &str, count: usize, limit: usize) -> Result<()> {
    if count > limit {
        Err(over(what, count, limit))
    } else {
        Ok(())
    }
}

/// Checks every count and name length of a decoded payload.
pub fn check_payload(p: &Payload) -> Result<()> {
    check_revision(p.revision)?;
    check("permissions", p.permissions.len(), MAX_PERMISSIONS)?;
    check("roles", p.roles.len(), MAX_ROLES)?;
    check("scopes", p.scopes.len(), MAX_SCOPES)?;
    check("subjects", p.subjects.len(), MAX_SUBJECTS)?;
    for s in &p.subjects {
        check(
            "grants of one subject",
            s.grants.len(),
            MAX_GRANTS_PER_SUBJECT,
        )?;
    }
    let names = std::iter::once(p.tenant.as_str())
        .chain(p.subject.as_deref())
        .chain(p.permissions.iter().map(|x| x.name.as_str()))
        .chain(p.scopes.iter().map(|x| x.id.as_str()))
        .chain(p.roles.iter().map(|x| x.name.as_str()))
        .chain(p.subjects.iter().map(|x| x.id.as_str()));
    for name in names {
        check("bytes in a name", name.len(), MAX_NAME_BYTES)?;
    }
    Ok(())
}
