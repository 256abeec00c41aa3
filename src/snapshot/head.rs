//! A decoded payload's header: its stamp (tenant, slice, revision, times), and its
//! catalog, scopes and roles with every name and label a [`Span`] of the payload bytes
//! it was read from. An engine keeps the spans it needs and reads names from the bytes
//! it holds anyway, so a name is never held twice; [`Head::to_payload`] makes the owned
//! form tools want.

use crate::snapshot::payload::{Payload, Permission, Role, Scope};
use crate::time::Timestamp;

/// Where some bytes are in a payload: an offset from its first byte, and a length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    at: u32,
    len: u32,
}

impl Span {
    /// The span of `part`, a subslice of `whole`; `None` when it is not one, or too far.
    pub fn of(part: &[u8], whole: &[u8]) -> Option<Span> {
        let at = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        (at + part.len() <= whole.len()).then_some(())?;
        Some(Span {
            at: u32::try_from(at).ok()?,
            len: u32::try_from(part.len()).ok()?,
        })
    }

    /// The bytes of the span in `payload` (empty when it is not in them).
    #[inline]
    pub fn bytes(self, payload: &[u8]) -> &[u8] {
        let at = self.at as usize;
        payload.get(at..at + self.len as usize).unwrap_or_default()
    }

    /// The span as text (decoding checked it is UTF-8; empty when it is not).
    pub fn str(self, payload: &[u8]) -> &str {
        std::str::from_utf8(self.bytes(payload)).unwrap_or_default()
    }
}

/// Whose snapshot it is and when it holds: what a loader checks before trusting it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub tenant: String,
    /// Monotonic: a loader refuses revisions below the one it has.
    pub revision: u64,
    pub issued_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    /// The one subject this snapshot was sliced for, if it is a slice.
    pub subject: Option<String>,
}

impl Payload {
    /// A payload with this stamp and nothing else in it.
    pub fn empty(stamp: Stamp) -> Payload {
        Payload {
            tenant: stamp.tenant,
            revision: stamp.revision,
            issued_at: stamp.issued_at,
            expires_at: stamp.expires_at,
            subject: stamp.subject,
            groups: Vec::new(),
            kinds: Vec::new(),
            permissions: Vec::new(),
            scopes: Vec::new(),
            roles: Vec::new(),
            subjects: Vec::new(),
        }
    }

    /// The payload's [`Stamp`].
    pub fn stamp(&self) -> Stamp {
        Stamp {
            tenant: self.tenant.clone(),
            revision: self.revision,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            subject: self.subject.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionHead {
    pub name: Span,
    pub group: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeHead {
    pub id: Span,
    pub parent: u32,
    pub kind: Option<u32>,
    pub name: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleHead {
    pub name: Span,
    pub system: bool,
    /// The role's permission bitset (see [`Role::permissions`]).
    pub permissions: Span,
}

/// Everything in a payload before its subjects, as in [`Payload`], names as spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub stamp: Stamp,
    pub groups: Vec<Span>,
    pub kinds: Vec<Span>,
    pub permissions: Vec<PermissionHead>,
    pub scopes: Vec<ScopeHead>,
    pub roles: Vec<RoleHead>,
}

impl Head {
    /// The owned header, read from the payload bytes it was decoded from (`subjects` empty).
    pub fn to_payload(&self, payload: &[u8]) -> Payload {
        let text = |span: Span| span.str(payload).to_string();
        Payload {
            groups: self.groups.iter().copied().map(text).collect(),
            kinds: self.kinds.iter().copied().map(text).collect(),
            permissions: self
                .permissions
                .iter()
                .map(|p| Permission {
                    name: text(p.name),
                    group: p.group,
                })
                .collect(),
            scopes: self
                .scopes
                .iter()
                .map(|s| Scope {
                    id: text(s.id),
                    parent: s.parent,
                    kind: s.kind,
                    name: s.name.map(text),
                })
                .collect(),
            roles: self
                .roles
                .iter()
                .map(|r| Role {
                    name: text(r.name),
                    system: r.system,
                    permissions: r.permissions.bytes(payload).to_vec(),
                })
                .collect(),
            ..Payload::empty(self.stamp.clone())
        }
    }
}
