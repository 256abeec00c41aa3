//! The engine: indexes built once from a snapshot payload, then checks that allocate nothing.
//!
//! Names are hashed only at the boundary; inside, a permission is a bit, a scope a
//! pre-order number, and "grant scope G covers scope S" is `G.lo <= S <= G.hi`.

use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::engine::decision::{Decision, Reason};
use crate::engine::name_index::NameIndex;
use crate::error::{Error, Result};
use crate::snapshot::limits;
use crate::snapshot::payload::{GrantScope, Payload, malformed};
use crate::time::Timestamp;

/// A grant, resolved for checking.
#[derive(Clone, Copy, Debug)]
struct Grant {
    /// The pre-order interval of scopes the grant covers (empty when `lo > hi`).
    lo: u32,
    hi: u32,
    /// Offset of the role's first bitset word in `role_bits`.
    role_base: u32,
    /// Exclusive; `Timestamp::MAX` for a grant without expiry.
    expires_at: Timestamp,
}

/// Answers checks against one loaded snapshot.
#[derive(Debug)]
pub struct Engine {
    payload: Payload,
    key_id: Option<String>,
    /// Checks deny from this time on (the snapshot's expiry plus any configured grace).
    deny_from: Timestamp,
    permission_ids: NameIndex,
    scope_ids: NameIndex,
    subject_ids: NameIndex,
    token_ids: FxHashMap<[u8; 32], u32>,
    /// Words per role bitset.
    words: usize,
    role_bits: Vec<u64>,
    grants: Vec<Grant>,
    /// Per subject, its range in `grants`; empty for inactive subjects.
    subject_grants: Vec<(u32, u32)>,
}

/// The permissions of one subject on one scope, for hot paths that check many
/// permissions for the same caller. Valid until [`PermissionSet::valid_until`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionSet {
    bits: Vec<u64>,
    valid_until: Timestamp,
}

impl PermissionSet {
    /// Whether the permission with this id (see [`Engine::permission_id`]) is in the set.
    #[inline]
    pub fn contains(&self, permission: u32) -> bool {
        let word = (permission / 64) as usize;
        self.bits
            .get(word)
            .is_some_and(|w| w & (1u64 << (permission % 64)) != 0)
    }

    /// The first moment the set may be wrong (a grant in it or the snapshot expires).
    pub fn valid_until(&self) -> Timestamp {
        self.valid_until
    }

    /// The set as 64-bit words: permission `i` is bit `i % 64` of word `i / 64`.
    pub fn words(&self) -> &[u64] {
        &self.bits
    }

    /// The permission ids in the set, ascending.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &bits)| {
            (0..64u32)
                .filter(move |b| bits & (1u64 << b) != 0)
                .map(move |b| w as u32 * 64 + b)
        })
    }
}

impl Engine {
    /// Indexes a payload. The payload is checked for consistency (indices in range,
    /// unique names, a pre-order scope tree) so a bad one is an error, never a panic.
    ///
    /// This does not verify anything: use [`crate::snapshot::loader`] for bytes from outside.
    pub fn from_payload(payload: Payload) -> Result<Engine> {
        limits::check_payload(&payload)?;
        let permission_ids = index_names(
            payload.permissions.iter().map(|p| p.name.as_str()),
            "permission",
        )?;
        let scope_ids = index_names(payload.scopes.iter().map(|s| s.id.as_str()), "scope")?;
        let subject_ids = index_names(payload.subjects.iter().map(|s| s.id.as_str()), "subject")?;
        index_names(payload.roles.iter().map(|r| r.name.as_str()), "role")?;
        if let Some(slice) = &payload.subject {
            if payload.subjects.iter().any(|s| &s.id != slice) {
                return Err(malformed("a slice holds another subject"));
            }
        }
        for p in &payload.permissions {
            if p.group.is_some_and(|g| g as usize >= payload.groups.len()) {
                return Err(malformed("permission group out of range"));
            }
        }
        let scope_end = preorder_ends(&payload)?;

        let n_permissions = payload.permissions.len();
        let words = n_permissions.div_ceil(64);
        let mut role_bits = Vec::with_capacity(payload.roles.len() * words);
        for role in &payload.roles {
            if role.permissions.len() != n_permissions.div_ceil(8) {
                return Err(malformed("role bitset has the wrong length"));
            }
            let mut row = vec![0u64; words];
            for (i, byte) in role.permissions.iter().enumerate() {
                if let Some(word) = row.get_mut(i / 8) {
                    *word |= u64::from(*byte) << (8 * (i % 8));
                }
            }
            if row
                .last()
                .is_some_and(|w| n_permissions % 64 != 0 && w >> (n_permissions % 64) != 0)
            {
                return Err(malformed("role bitset names permissions past the catalog"));
            }
            role_bits.extend(row);
        }

        let last_scope = u32::try_from(payload.scopes.len())
            .map_err(|_| malformed("too many scopes"))?
            .saturating_sub(1);
        let mut token_ids = FxHashMap::default();
        let mut grants = Vec::with_capacity(payload.grant_count());
        let mut subject_grants = Vec::with_capacity(payload.subjects.len());
        for (s, subject) in payload.subjects.iter().enumerate() {
            let s = u32::try_from(s).map_err(|_| malformed("too many subjects"))?;
            if let Some(hash) = subject.token_sha256 {
                if token_ids.insert(hash, s).is_some() {
                    return Err(malformed("two subjects share a token hash"));
                }
            }
            let start = u32::try_from(grants.len()).map_err(|_| malformed("too many grants"))?;
            for grant in &subject.grants {
                if grant.role as usize >= payload.roles.len() {
                    return Err(malformed("grant names a missing role"));
                }
                let (lo, hi) = match grant.scope {
                    GrantScope::BelowRoot => (1, last_scope),
                    GrantScope::Scope(i) => (
                        i,
                        *scope_end
                            .get(i as usize)
                            .ok_or_else(|| malformed("grant names a missing scope"))?,
                    ),
                };
                let role_base = u32::try_from(grant.role as usize * words)
                    .map_err(|_| malformed("too many roles"))?;
                if subject.active {
                    grants.push(Grant {
                        lo,
                        hi,
                        role_base,
                        expires_at: grant.expires_at.unwrap_or(Timestamp::MAX),
                    });
                }
            }
            let end = u32::try_from(grants.len()).map_err(|_| malformed("too many grants"))?;
            subject_grants.push((start, end));
        }

        Ok(Engine {
            deny_from: payload.expires_at.unwrap_or(Timestamp::MAX),
            payload,
            key_id: None,
            permission_ids,
            scope_ids,
            subject_ids,
            token_ids,
            words,
            role_bits,
            grants,
            subject_grants,
        })
    }

    pub(crate) fn with_key_id(mut self, key_id: &str) -> Engine {
        self.key_id = Some(key_id.to_string());
        self
    }

    /// Lets checks go on allowing for `grace` seconds past the snapshot's expiry.
    pub(crate) fn with_expiry_grace(mut self, grace: i64) -> Engine {
        if let Some(expires_at) = self.payload.expires_at {
            self.deny_from = expires_at.saturating_add(grace.max(0));
        }
        self
    }

    // --- Checks ---------------------------------------------------------------------

    /// Whether `subject` holds `permission` on `scope` (the tenant root when `None`) at `now`.
    /// Unknown names, inactive subjects and an expired snapshot deny.
    pub fn can(
        &self,
        subject: &str,
        permission: &str,
        scope: Option<&str>,
        now: Timestamp,
    ) -> bool {
        let (Some(s), Some(p), Some(sc)) = (
            self.subject_id(subject),
            self.permission_id(permission),
            self.scope_id(scope),
        ) else {
            return false;
        };
        self.can_ids(s, p, sc, now)
    }

    /// [`Engine::can`] on ids resolved with [`Engine::subject_id`], [`Engine::permission_id`]
    /// and [`Engine::scope_id`]. Out-of-range ids deny.
    #[inline]
    pub fn can_ids(&self, subject: u32, permission: u32, scope: u32, now: Timestamp) -> bool {
        if now >= self.deny_from {
            return false;
        }
        let word = (permission / 64) as usize;
        if word >= self.words {
            return false;
        }
        let bit = 1u64 << (permission % 64);
        let Some(&(start, end)) = self.subject_grants.get(subject as usize) else {
            return false;
        };
        let Some(grants) = self.grants.get(start as usize..end as usize) else {
            return false;
        };
        grants.iter().any(|g| {
            g.lo <= scope
                && scope <= g.hi
                && now < g.expires_at
                && self
                    .role_bits
                    .get(g.role_base as usize + word)
                    .is_some_and(|w| w & bit != 0)
        })
    }

    /// Like [`Engine::can`], with the reason: the granting role and grant scope, or why not.
    pub fn explain(
        &self,
        subject: &str,
        permission: &str,
        scope: Option<&str>,
        now: Timestamp,
    ) -> Decision<'_> {
        let revision = self.payload.revision;
        let deny = |reason| Decision {
            allowed: false,
            reason,
            revision,
        };
        if now >= self.deny_from {
            return deny(Reason::SnapshotExpired {
                expires_at: self.deny_from,
            });
        }
        let Some(s) = self.subject_id(subject) else {
            return deny(match &self.payload.subject {
                Some(slice_subject) => Reason::NotInSlice { slice_subject },
                None => Reason::UnknownSubject,
            });
        };
        let Some(p) = self.permission_id(permission) else {
            return deny(Reason::UnknownPermission);
        };
        let Some(sc) = self.scope_id(scope) else {
            return deny(Reason::UnknownScope);
        };
        let Some(subject) = self.payload.subjects.get(s as usize) else {
            return deny(Reason::UnknownSubject);
        };
        if !subject.active {
            return deny(Reason::InactiveSubject);
        }
        let mut expired = None;
        for (grant, resolved) in subject.grants.iter().zip(self.subject_grant_slice(s)) {
            if !(resolved.lo <= sc && sc <= resolved.hi && self.role_has(resolved, p)) {
                continue;
            }
            let role = self
                .payload
                .roles
                .get(grant.role as usize)
                .map_or("?", |r| r.name.as_str());
            let scope = self.payload.grant_scope_id(grant.scope);
            if now < resolved.expires_at {
                return Decision {
                    allowed: true,
                    reason: Reason::Granted {
                        role,
                        scope,
                        expires_at: grant.expires_at,
                    },
                    revision,
                };
            }
            expired.get_or_insert(Reason::GrantExpired {
                role,
                scope,
                expired_at: resolved.expires_at,
            });
        }
        deny(expired.unwrap_or(Reason::NoGrant))
    }

    /// The permissions `subject` holds on `scope` at `now`, in catalog order.
    pub fn permissions(&self, subject: &str, scope: Option<&str>, now: Timestamp) -> Vec<&str> {
        let set = self.permission_set(subject, scope, now);
        set.ids()
            .filter_map(|id| self.permission_name(id))
            .collect()
    }

    /// The subject's permissions on a scope as a set, for checking many permissions at once.
    pub fn permission_set(
        &self,
        subject: &str,
        scope: Option<&str>,
        now: Timestamp,
    ) -> PermissionSet {
        match (self.subject_id(subject), self.scope_id(scope)) {
            (Some(s), Some(sc)) => self.permission_set_ids(s, sc, now),
            _ => PermissionSet {
                bits: Vec::new(),
                valid_until: self.deny_from,
            },
        }
    }

    /// [`Engine::permission_set`] on resolved ids.
    pub fn permission_set_ids(&self, subject: u32, scope: u32, now: Timestamp) -> PermissionSet {
        let mut set = PermissionSet {
            bits: vec![0; self.words],
            valid_until: self.deny_from,
        };
        if now >= self.deny_from {
            set.bits.clear();
            return set;
        }
        for g in self.subject_grant_slice(subject) {
            if g.lo <= scope && scope <= g.hi && now < g.expires_at {
                let role = self
                    .role_bits
                    .get(g.role_base as usize..g.role_base as usize + self.words)
                    .unwrap_or_default();
                for (acc, w) in set.bits.iter_mut().zip(role) {
                    *acc |= w;
                }
                set.valid_until = set.valid_until.min(g.expires_at);
            }
        }
        set
    }

    /// The subjects holding `permission` on `scope` at `now`, in snapshot order.
    pub fn who_can(&self, permission: &str, scope: Option<&str>, now: Timestamp) -> Vec<&str> {
        let (Some(p), Some(sc)) = (self.permission_id(permission), self.scope_id(scope)) else {
            return Vec::new();
        };
        (0..self.payload.subjects.len() as u32)
            .filter(|&s| self.can_ids(s, p, sc, now))
            .filter_map(|s| self.payload.subjects.get(s as usize).map(|x| x.id.as_str()))
            .collect()
    }

    /// The subject whose API key has this token (looked up by its SHA-256), active or not.
    pub fn subject_for_token(&self, token: &str) -> Option<&str> {
        self.subject_for_token_hash(&Sha256::digest(token.as_bytes()).into())
    }

    /// The subject whose API key token has this SHA-256 (for callers that hash themselves).
    pub fn subject_for_token_hash(&self, hash: &[u8; 32]) -> Option<&str> {
        let s = *self.token_ids.get(hash)?;
        self.payload.subjects.get(s as usize).map(|x| x.id.as_str())
    }

    /// Whether a subject is in the snapshot and active: `Some(true)` active, `Some(false)`
    /// deactivated or revoked, `None` unknown.
    pub fn subject_active(&self, subject: &str) -> Option<bool> {
        let s = self.subject_id(subject)?;
        self.payload.subjects.get(s as usize).map(|x| x.active)
    }

    // --- Names and ids --------------------------------------------------------------

    #[inline]
    pub fn permission_id(&self, name: &str) -> Option<u32> {
        self.permission_ids.get(name)
    }

    #[inline]
    pub fn subject_id(&self, id: &str) -> Option<u32> {
        self.subject_ids.get(id)
    }

    /// The pre-order number of a scope; `None` means the tenant root.
    #[inline]
    pub fn scope_id(&self, id: Option<&str>) -> Option<u32> {
        match id {
            None => (!self.payload.scopes.is_empty()).then_some(0),
            Some(id) => self.scope_ids.get(id),
        }
    }

    pub fn permission_name(&self, id: u32) -> Option<&str> {
        self.payload
            .permissions
            .get(id as usize)
            .map(|p| p.name.as_str())
    }

    // --- The snapshot ---------------------------------------------------------------

    pub fn tenant(&self) -> &str {
        &self.payload.tenant
    }

    pub fn revision(&self) -> u64 {
        self.payload.revision
    }

    pub fn issued_at(&self) -> Timestamp {
        self.payload.issued_at
    }

    pub fn expires_at(&self) -> Option<Timestamp> {
        self.payload.expires_at
    }

    /// The subject this snapshot was sliced for, if it is a slice.
    pub fn slice_subject(&self) -> Option<&str> {
        self.payload.subject.as_deref()
    }

    /// When checks start denying: the snapshot's expiry plus any grace (`Timestamp::MAX`
    /// when it never expires).
    pub fn deny_from(&self) -> Timestamp {
        self.deny_from
    }

    /// The id of the key that signed the snapshot, when it was loaded verified.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The compiled policy the engine answers from.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    fn subject_grant_slice(&self, subject: u32) -> &[Grant] {
        self.subject_grants
            .get(subject as usize)
            .and_then(|&(start, end)| self.grants.get(start as usize..end as usize))
            .unwrap_or_default()
    }

    fn role_has(&self, grant: &Grant, permission: u32) -> bool {
        let word = grant.role_base as usize + (permission / 64) as usize;
        self.role_bits
            .get(word)
            .is_some_and(|w| w & (1u64 << (permission % 64)) != 0)
    }
}

fn index_names<'a>(names: impl Iterator<Item = &'a str>, what: &str) -> Result<NameIndex> {
    let names: Vec<&str> = names.collect();
    if u32::try_from(names.len()).is_err() {
        return Err(malformed("too many names"));
    }
    NameIndex::build(&names).map_err(|name| malformed(&format!("{what} `{name}` appears twice")))
}

/// For each scope, the pre-order number of its last descendant. Checks that the scopes
/// are a tree in pre-order: the root first, each parent an open ancestor.
fn preorder_ends(payload: &Payload) -> Result<Vec<u32>, Error> {
    let n = payload.scopes.len();
    let mut end: Vec<u32> = (0..n as u32).collect();
    let mut open: Vec<u32> = Vec::new();
    for (i, scope) in payload.scopes.iter().enumerate() {
        let i = i as u32;
        if scope
            .kind
            .is_some_and(|k| k as usize >= payload.kinds.len())
        {
            return Err(malformed("scope kind out of range"));
        }
        if i == 0 {
            if scope.parent != 0 {
                return Err(malformed("the first scope is not the root"));
            }
            open.push(0);
            continue;
        }
        while open.last().is_some_and(|&top| top != scope.parent) {
            open.pop();
        }
        if open.is_empty() {
            return Err(malformed("scopes are not a tree in pre-order"));
        }
        open.push(i);
    }
    // Parents come before children, so one backward pass carries each subtree's end up.
    for scope in payload.scopes.iter().enumerate().skip(1).rev() {
        let (i, parent) = (scope.0, scope.1.parent as usize);
        let child_end = end.get(i).copied().unwrap_or(0);
        if let Some(e) = end.get_mut(parent) {
            *e = (*e).max(child_end);
        }
    }
    Ok(end)
}
