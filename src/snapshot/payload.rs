//! The snapshot payload: a compiled policy with every name interned once, role
//! permissions as bitsets and scopes in pre-order. Encoded with postcard and carried,
//! signed, inside an [`crate::snapshot::envelope`].

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::time::Timestamp;

/// A compiled, self-contained policy for one tenant (or one subject of it: a slice).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub tenant: String,
    /// Monotonic: a loader refuses revisions below the one it has.
    pub revision: u64,
    pub issued_at: Timestamp,
    /// After this, loading refuses the snapshot and checks against it deny.
    pub expires_at: Option<Timestamp>,
    /// The one subject this snapshot was sliced for, if it is a slice.
    pub subject: Option<String>,
    /// Permission group labels, referenced by index.
    pub groups: Vec<String>,
    /// Scope kind labels (`organization`, `project`, ...), referenced by index.
    pub kinds: Vec<String>,
    /// The catalog; a permission's id is its index.
    pub permissions: Vec<Permission>,
    /// The scope tree in pre-order: the root first, every subtree contiguous.
    pub scopes: Vec<Scope>,
    pub roles: Vec<Role>,
    pub subjects: Vec<Subject>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub name: String,
    /// Index into [`Payload::groups`].
    pub group: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub id: String,
    /// Index of the parent scope; the root names itself (0).
    pub parent: u32,
    /// Index into [`Payload::kinds`].
    pub kind: Option<u32>,
    /// A label for people.
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub system: bool,
    /// The expanded permissions (extensions and patterns resolved) as a bitset:
    /// bit `i % 8` of byte `i / 8` is permission `i`.
    #[serde(with = "bytes")]
    pub permissions: Vec<u8>,
}

impl Role {
    /// Whether the role (with its extensions) holds permission `id`.
    pub fn holds(&self, id: usize) -> bool {
        self.permissions
            .get(id / 8)
            .is_some_and(|byte| byte >> (id % 8) & 1 == 1)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SubjectKind {
    User,
    ApiKey,
}

impl SubjectKind {
    /// The name used in policy documents.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::User => "user",
            SubjectKind::ApiKey => "api_key",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub id: String,
    pub kind: SubjectKind,
    pub active: bool,
    /// SHA-256 of an API key's token; the token itself is never in a snapshot.
    #[serde(with = "digest")]
    pub token_sha256: Option<[u8; 32]>,
    pub grants: Vec<Grant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Index into [`Payload::roles`].
    pub role: u32,
    pub scope: GrantScope,
    pub expires_at: Option<Timestamp>,
}

/// Where a grant applies: a scope and everything below it, or every scope below the root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GrantScope {
    /// `*`: every scope below the tenant root, not the root itself.
    BelowRoot,
    /// Index into [`Payload::scopes`].
    Scope(u32),
}

impl Payload {
    /// The postcard encoding of the payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Encoding into a Vec cannot fail for these types; an empty result would be refused
        // by every loader as malformed rather than trusted.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes a payload; the whole input must be consumed. Counts and names are held to
    /// the snapshot limits (`LIMIT_EXCEEDED`); anything else that does not decode is
    /// `MALFORMED`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Payload> {
        let (head, subjects) = crate::snapshot::decode::decode(bytes)?;
        Ok(Payload {
            subjects: subjects.to_subjects(bytes),
            ..head.to_payload(bytes)
        })
    }

    /// The number of grants over all subjects.
    pub fn grant_count(&self) -> usize {
        self.subjects.iter().map(|s| s.grants.len()).sum()
    }

    /// The id of a grant's scope as written in a policy (`*` for [`GrantScope::BelowRoot`]).
    pub fn grant_scope_id(&self, scope: GrantScope) -> &str {
        match scope {
            GrantScope::BelowRoot => "*",
            GrantScope::Scope(i) => self.scopes.get(i as usize).map_or("?", |s| s.id.as_str()),
        }
    }
}

/// A payload of tenant `t` with a root scope `root` and nothing else, for unit tests.
#[cfg(test)]
pub(crate) fn bare() -> Payload {
    Payload {
        tenant: "t".into(),
        revision: 1,
        issued_at: 0,
        expires_at: None,
        subject: None,
        groups: vec![],
        kinds: vec![],
        permissions: vec![],
        scopes: vec![Scope {
            id: "root".into(),
            parent: 0,
            kind: None,
            name: None,
        }],
        roles: vec![],
        subjects: vec![],
    }
}

pub(crate) fn malformed(what: &str) -> Error {
    Error::new(ErrorKind::Malformed, format!("malformed snapshot: {what}"))
}

/// Byte strings as postcard byte strings (a length and raw bytes), not sequences: the
/// same bytes on the wire for `Vec<u8>`, and a much smaller decoder in the `.wasm`.
mod bytes {
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub(super) struct BytesVisitor;

    impl Visitor<'_> for BytesVisitor {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("bytes")
        }
        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_bytes(BytesVisitor)
    }
}

/// An optional SHA-256 digest as an optional 32-byte byte string.
mod digest {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    struct Raw<'a>(&'a [u8]);

    impl Serialize for Raw<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    struct Owned(Vec<u8>);

    impl<'de> Deserialize<'de> for Owned {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_bytes(super::bytes::BytesVisitor).map(Owned)
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref().map(|d| Raw(d)).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        match Option::<Owned>::deserialize(d)? {
            None => Ok(None),
            Some(Owned(v)) => v
                .try_into()
                .map(Some)
                .map_err(|_| D::Error::custom("a token hash is 32 bytes")),
        }
    }
}
