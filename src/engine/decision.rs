//! The answer of `explain`: allowed or not, and why.

use std::fmt;

use crate::time::{Timestamp, format_rfc3339};

/// A check's outcome with its reason and the revision of the snapshot that decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<'a> {
    pub allowed: bool,
    pub reason: Reason<'a>,
    pub revision: u64,
}

/// Why a check was allowed or denied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason<'a> {
    /// A grant of `role` on `scope` (a scope id, or `*`) covers the check.
    Granted {
        role: &'a str,
        scope: &'a str,
        expires_at: Option<Timestamp>,
    },
    /// The snapshot itself has expired; every check denies until a fresh one is loaded.
    SnapshotExpired {
        expires_at: Timestamp,
    },
    UnknownSubject,
    /// The snapshot is a slice for another subject.
    NotInSlice {
        slice_subject: &'a str,
    },
    UnknownPermission,
    UnknownScope,
    /// The subject is deactivated (a user) or revoked (an API key).
    InactiveSubject,
    /// A grant would cover the check but has expired.
    GrantExpired {
        role: &'a str,
        scope: &'a str,
        expired_at: Timestamp,
    },
    /// The subject holds no grant whose role has the permission on this scope or above.
    NoGrant,
}

impl Reason<'_> {
    /// A stable snake_case name for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Granted { .. } => "granted",
            Reason::SnapshotExpired { .. } => "snapshot_expired",
            Reason::UnknownSubject => "unknown_subject",
            Reason::NotInSlice { .. } => "not_in_slice",
            Reason::UnknownPermission => "unknown_permission",
            Reason::UnknownScope => "unknown_scope",
            Reason::InactiveSubject => "inactive_subject",
            Reason::GrantExpired { .. } => "grant_expired",
            Reason::NoGrant => "no_grant",
        }
    }
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Granted {
                role,
                scope,
                expires_at: None,
            } => write!(f, "granted by role `{role}` on `{scope}`"),
            Reason::Granted {
                role,
                scope,
                expires_at: Some(t),
            } => {
                write!(
                    f,
                    "granted by role `{role}` on `{scope}` until {}",
                    format_rfc3339(*t)
                )
            }
            Reason::SnapshotExpired { expires_at } => {
                write!(
                    f,
                    "the snapshot expired at {}: load a fresh one",
                    format_rfc3339(*expires_at)
                )
            }
            Reason::UnknownSubject => f.write_str("unknown subject"),
            Reason::NotInSlice { slice_subject } => {
                write!(
                    f,
                    "unknown subject: the snapshot is a slice for `{slice_subject}` only"
                )
            }
            Reason::UnknownPermission => f.write_str("unknown permission"),
            Reason::UnknownScope => f.write_str("unknown scope"),
            Reason::InactiveSubject => f.write_str("the subject is deactivated or revoked"),
            Reason::GrantExpired {
                role,
                scope,
                expired_at,
            } => {
                write!(
                    f,
                    "the grant of role `{role}` on `{scope}` expired at {}",
                    format_rfc3339(*expired_at)
                )
            }
            Reason::NoGrant => f.write_str("no grant covers this permission on this scope"),
        }
    }
}

impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.allowed { "allowed" } else { "denied" };
        write!(f, "{verdict}: {} (revision {})", self.reason, self.revision)
    }
}
