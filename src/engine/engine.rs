//! The engine: indexes built once from a snapshot payload, then checks that allocate nothing.
//!
//! Names are hashed only at the boundary; inside, a permission is a bit, a scope a
//! pre-order number, and "grant scope G covers scope S" is `G.lo <= S <= G.hi`. The
//! subjects stay in the payload bytes they came in ([`Subjects`] knows where each
//! record starts), and so do the names ([`Span`]s of the bytes), so a loaded snapshot
//! weighs little more than its bytes; the whole [`Payload`] is decoded from them only
//! when [`Engine::payload`] is asked for it.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::engine::decision::{Decision, Reason};
use crate::engine::name_index::NameIndex;
use crate::error::{Error, Result};
use crate::snapshot::decode::decode;
use crate::snapshot::head::{Head, Span, Stamp};
use crate::snapshot::limits;
use crate::snapshot::payload::{GrantScope, Payload, malformed};
use crate::snapshot::subjects::{GrantRef, SubjectView, Subjects};
use crate::time::Timestamp;

/// Answers checks against one loaded snapshot.
#[derive(Debug)]
pub struct Engine {
    stamp: Stamp,
    /// The catalog's, the scopes' and the roles' names, in `data` from `base`.
    permission_names: Vec<Span>,
    scope_names: Vec<Span>,
    role_names: Vec<Span>,
    /// The whole payload, decoded on first use by [`Engine::payload`].
    full: OnceLock<Payload>,
    /// Bytes holding the payload from `base` on (a snapshot's, or the payload's own).
    data: Vec<u8>,
    base: usize,
    /// Where the payload ends in `data` (a snapshot's signature follows it).
    end: usize,
    subjects: Subjects,
    key_id: Option<String>,
    /// Checks deny from this time on (the snapshot's expiry plus any configured grace).
    deny_from: Timestamp,
    permission_ids: NameIndex,
    scope_ids: NameIndex,
    subject_ids: NameIndex,
    /// API keys by the SHA-256 of their token.
    token_ids: NameIndex,
    /// For each scope, the pre-order number of its last descendant.
    scope_end: Vec<u32>,
    /// Words per role bitset.
    words: usize,
    role_bits: Vec<u64>,
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
        let bytes = payload.to_bytes();
        let len = bytes.len();
        Engine::from_bytes(bytes, 0, len)
    }

    /// Decodes and indexes the payload at `data[base..base + len]`, keeping `data`.
    pub(crate) fn from_bytes(data: Vec<u8>, base: usize, len: usize) -> Result<Engine> {
        let payload = data
            .get(base..base + len)
            .ok_or_else(|| malformed("no payload"))?;
        let (head, subjects) = decode(payload)?;
        Engine::from_parts(head, subjects, data, base..base + len)
    }

    /// Indexes a decoded payload: `head` without its subjects, and where they are in `data`
    /// (the payload is `data[payload]`).
    pub(crate) fn from_parts(
        head: Head,
        subjects: Subjects,
        data: Vec<u8>,
        payload: std::ops::Range<usize>,
    ) -> Result<Engine> {
        let (base, end) = (payload.start, payload.end);
        let payload = data.get(base..).unwrap_or_default();
        let permission_names: Vec<Span> = head.permissions.iter().map(|p| p.name).collect();
        let scope_names: Vec<Span> = head.scopes.iter().map(|s| s.id).collect();
        let role_names: Vec<Span> = head.roles.iter().map(|r| r.name).collect();
        let permission_ids = index_spans(&permission_names, payload, "permission")?;
        let scope_ids = index_spans(&scope_names, payload, "scope")?;
        index_spans(&role_names, payload, "role")?;
        let subject_ids = index_names(subjects.len(), |i| subjects.id(payload, i), "subject")?;
        let token_ids = NameIndex::build(subjects.token_count(), &|i| {
            subjects.token(payload, i).map(|t| t.0)
        })
        .map_err(|_| malformed("two subjects share a token hash"))?;
        if let Some(slice) = &head.stamp.subject {
            if (0..subjects.len()).any(|i| subjects.id(payload, i) != Some(slice.as_bytes())) {
                return Err(malformed("a slice holds another subject"));
            }
        }
        for p in &head.permissions {
            if p.group.is_some_and(|g| g as usize >= head.groups.len()) {
                return Err(malformed("permission group out of range"));
            }
        }
        let scope_end = preorder_ends(&head)?;

        let n_permissions = head.permissions.len();
        let words = n_permissions.div_ceil(64);
        let mut role_bits = Vec::with_capacity(head.roles.len() * words);
        for role in &head.roles {
            let bitset = role.permissions.bytes(payload);
            if bitset.len() != n_permissions.div_ceil(8) {
                return Err(malformed("role bitset has the wrong length"));
            }
            let mut row = vec![0u64; words];
            for (i, byte) in bitset.iter().enumerate() {
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
        if subjects
            .max_role
            .is_some_and(|r| r as usize >= head.roles.len())
        {
            return Err(malformed("grant names a missing role"));
        }
        if subjects
            .max_scope
            .is_some_and(|s| s as usize >= scope_end.len())
        {
            return Err(malformed("grant names a missing scope"));
        }

        Ok(Engine {
            deny_from: head.stamp.expires_at.unwrap_or(Timestamp::MAX),
            stamp: head.stamp,
            permission_names,
            scope_names,
            role_names,
            full: OnceLock::new(),
            data,
            base,
            end,
            subjects,
            key_id: None,
            permission_ids,
            scope_ids,
            subject_ids,
            token_ids,
            scope_end,
            words,
            role_bits,
        })
    }

    pub(crate) fn with_key_id(mut self, key_id: &str) -> Engine {
        self.key_id = Some(key_id.to_string());
        self
    }

    /// Lets checks go on allowing for `grace` seconds past the snapshot's expiry.
    pub(crate) fn with_expiry_grace(mut self, grace: i64) -> Engine {
        if let Some(expires_at) = self.stamp.expires_at {
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
        if now >= self.deny_from || permission as usize >= self.words * 64 {
            return false;
        }
        match self.active(subject) {
            Some(v) => v.grants().any(|g| {
                now < g.until() && self.covers(&g, scope) && self.role_has(&g, permission)
            }),
            None => false,
        }
    }

    /// Like [`Engine::can`], with the reason: the granting role and grant scope, or why not.
    pub fn explain(
        &self,
        subject: &str,
        permission: &str,
        scope: Option<&str>,
        now: Timestamp,
    ) -> Decision<'_> {
        let revision = self.stamp.revision;
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
            return deny(match &self.stamp.subject {
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
        let Some(view) = self.active(s) else {
            return deny(Reason::InactiveSubject);
        };
        let mut expired = None;
        for g in view.grants() {
            if !(self.covers(&g, sc) && self.role_has(&g, p)) {
                continue;
            }
            let role = self.name(&self.role_names, g.role).unwrap_or("?");
            let scope = match g.scope {
                GrantScope::BelowRoot => "*",
                GrantScope::Scope(at) => self.name(&self.scope_names, at).unwrap_or("?"),
            };
            if now < g.until() {
                return Decision {
                    allowed: true,
                    reason: Reason::Granted {
                        role,
                        scope,
                        expires_at: g.expires_at,
                    },
                    revision,
                };
            }
            expired.get_or_insert(Reason::GrantExpired {
                role,
                scope,
                expired_at: g.until(),
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
        let mut bits = vec![0; self.words];
        let valid_until = self.fill_permission_set(subject, scope, now, &mut bits);
        if now >= self.deny_from {
            bits.clear();
        }
        PermissionSet { bits, valid_until }
    }

    /// Writes the subject's permissions on a scope into `bits` (64 a word; words past the
    /// catalog, or all of them when nothing is held, are zeroed) and returns the
    /// set's [`PermissionSet::valid_until`]. Allocates nothing.
    pub fn fill_permission_set(
        &self,
        subject: u32,
        scope: u32,
        now: Timestamp,
        bits: &mut [u64],
    ) -> Timestamp {
        bits.fill(0);
        let mut valid_until = self.deny_from;
        if now >= self.deny_from {
            return valid_until;
        }
        let Some(view) = self.active(subject) else {
            return valid_until;
        };
        for g in view.grants() {
            if self.covers(&g, scope) && now < g.until() {
                let base = g.role as usize * self.words;
                let role = self
                    .role_bits
                    .get(base..base + self.words)
                    .unwrap_or_default();
                for (acc, w) in bits.iter_mut().zip(role) {
                    *acc |= w;
                }
                valid_until = valid_until.min(g.until());
            }
        }
        valid_until
    }

    /// Words in a permission set: one per 64 catalog entries.
    pub fn permission_words(&self) -> usize {
        self.words
    }

    /// The subjects holding `permission` on `scope` at `now`, in snapshot order.
    pub fn who_can(&self, permission: &str, scope: Option<&str>, now: Timestamp) -> Vec<&str> {
        let (Some(p), Some(sc)) = (self.permission_id(permission), self.scope_id(scope)) else {
            return Vec::new();
        };
        (0..self.subjects.len() as u32)
            .filter(|&s| self.can_ids(s, p, sc, now))
            .filter_map(|s| self.subject_name(s))
            .collect()
    }

    /// The subject whose API key has this token (looked up by its SHA-256), active or not.
    pub fn subject_for_token(&self, token: &str) -> Option<&str> {
        self.subject_for_token_hash(&Sha256::digest(token.as_bytes()).into())
    }

    /// The subject whose API key token has this SHA-256 (for callers that hash themselves).
    pub fn subject_for_token_hash(&self, hash: &[u8; 32]) -> Option<&str> {
        let payload = self.bytes();
        let at = self
            .token_ids
            .get(hash, &|i| self.subjects.token(payload, i).map(|t| t.0))?;
        self.subject_name(self.subjects.token(payload, at as usize)?.1)
    }

    /// Whether a subject is in the snapshot and active: `Some(true)` active, `Some(false)`
    /// deactivated or revoked, `None` unknown.
    pub fn subject_active(&self, subject: &str) -> Option<bool> {
        let s = self.subject_id(subject)?;
        self.subjects.view(self.bytes(), s).map(|v| v.active)
    }

    // --- Names and ids --------------------------------------------------------------

    #[inline]
    pub fn permission_id(&self, name: &str) -> Option<u32> {
        self.permission_ids
            .get(name.as_bytes(), &self.span_at(&self.permission_names))
    }

    #[inline]
    pub fn subject_id(&self, id: &str) -> Option<u32> {
        let payload = self.bytes();
        self.subject_ids
            .get(id.as_bytes(), &|i| self.subjects.id(payload, i))
    }

    /// The pre-order number of a scope; `None` means the tenant root.
    #[inline]
    pub fn scope_id(&self, id: Option<&str>) -> Option<u32> {
        match id {
            None => (!self.scope_names.is_empty()).then_some(0),
            Some(id) => self
                .scope_ids
                .get(id.as_bytes(), &self.span_at(&self.scope_names)),
        }
    }

    pub fn permission_name(&self, id: u32) -> Option<&str> {
        self.name(&self.permission_names, id)
    }

    /// The subject at position `id` (the inverse of [`Engine::subject_id`]).
    pub fn subject_name(&self, id: u32) -> Option<&str> {
        std::str::from_utf8(self.subjects.id(self.bytes(), id as usize)?).ok()
    }

    /// Permission names in id order.
    pub fn permission_names(&self) -> impl Iterator<Item = &str> + '_ {
        let payload = self.bytes();
        self.permission_names.iter().map(|s| s.str(payload))
    }

    /// Scope ids in pre-order (the root first).
    pub fn scope_names(&self) -> impl Iterator<Item = &str> + '_ {
        let payload = self.bytes();
        self.scope_names.iter().map(|s| s.str(payload))
    }

    /// How many permissions the catalog holds (ids are below this).
    pub fn permission_count(&self) -> usize {
        self.permission_names.len()
    }

    /// How many scopes the snapshot holds (ids are below this).
    pub fn scope_count(&self) -> usize {
        self.scope_names.len()
    }

    /// How many subjects the snapshot holds.
    pub fn subject_count(&self) -> usize {
        self.subjects.len()
    }

    // --- The snapshot ---------------------------------------------------------------

    pub fn tenant(&self) -> &str {
        &self.stamp.tenant
    }

    pub fn revision(&self) -> u64 {
        self.stamp.revision
    }

    pub fn issued_at(&self) -> Timestamp {
        self.stamp.issued_at
    }

    pub fn expires_at(&self) -> Option<Timestamp> {
        self.stamp.expires_at
    }

    /// The subject this snapshot was sliced for, if it is a slice.
    pub fn slice_subject(&self) -> Option<&str> {
        self.stamp.subject.as_deref()
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

    /// The compiled policy the engine answers from, decoded from the payload bytes on
    /// first use (checks never need it; tools that walk the whole policy do).
    pub fn payload(&self) -> &Payload {
        self.full.get_or_init(|| {
            // The bytes decoded once already, at load; they cannot fail now.
            Payload::from_bytes(self.payload_bytes())
                .unwrap_or_else(|_| Payload::empty(self.stamp.clone()))
        })
    }

    /// The payload's bytes, exactly as signed (a delta is built on them).
    pub fn payload_bytes(&self) -> &[u8] {
        self.data.get(self.base..self.end).unwrap_or_default()
    }

    /// The payload bytes the subjects and names are read from.
    #[inline]
    fn bytes(&self) -> &[u8] {
        self.data.get(self.base..).unwrap_or_default()
    }

    /// The name at `id` in a table of names.
    fn name(&self, names: &[Span], id: u32) -> Option<&str> {
        names.get(id as usize).map(|s| s.str(self.bytes()))
    }

    /// Reads the name at a position of a table of names, for a [`NameIndex`].
    #[inline]
    fn span_at<'a>(&'a self, names: &'a [Span]) -> impl Fn(usize) -> Option<&'a [u8]> {
        span_reader(names, self.bytes())
    }

    /// An active subject's record (`None` for an inactive or unknown one).
    #[inline]
    fn active(&self, subject: u32) -> Option<SubjectView<'_>> {
        self.subjects
            .view(self.bytes(), subject)
            .filter(|v| v.active)
    }

    /// Whether a grant covers scope `scope`: its subtree, or every scope below the root.
    #[inline]
    fn covers(&self, g: &GrantRef, scope: u32) -> bool {
        match g.scope {
            GrantScope::BelowRoot => scope >= 1 && (scope as usize) < self.scope_end.len(),
            GrantScope::Scope(at) => {
                at <= scope
                    && self
                        .scope_end
                        .get(at as usize)
                        .is_some_and(|&end| scope <= end)
            }
        }
    }

    #[inline]
    fn role_has(&self, g: &GrantRef, permission: u32) -> bool {
        let word = g.role as usize * self.words + (permission / 64) as usize;
        self.role_bits
            .get(word)
            .is_some_and(|w| w & (1u64 << (permission % 64)) != 0)
    }
}

/// The bytes of the name at a position of a table of spans of `payload`.
#[inline]
fn span_reader<'a>(names: &'a [Span], payload: &'a [u8]) -> impl Fn(usize) -> Option<&'a [u8]> {
    move |i| names.get(i).map(|s| s.bytes(payload))
}

/// [`index_names`] over spans of `payload`.
fn index_spans(names: &[Span], payload: &[u8], what: &str) -> Result<NameIndex> {
    index_names(names.len(), span_reader(names, payload), what)
}

fn index_names<'a>(
    count: usize,
    name_at: impl Fn(usize) -> Option<&'a [u8]>,
    what: &str,
) -> Result<NameIndex> {
    NameIndex::build(count, &name_at).map_err(|at| {
        // Names reach here decoded as UTF-8.
        let name = name_at(at)
            .and_then(|n| std::str::from_utf8(n).ok())
            .unwrap_or_default();
        malformed(&format!("{what} `{name}` appears twice"))
    })
}

/// For each scope, the pre-order number of its last descendant. Checks that the scopes
/// are a tree in pre-order: the root first, each parent an open ancestor.
fn preorder_ends(payload: &Head) -> Result<Vec<u32>, Error> {
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
