//! A snapshot's subjects in columns: every id in one string, flags in one byte each,
//! every grant in one vector of 8-byte entries, expiries and token hashes on the side
//! (few grants expire; only API keys have tokens). Decoding a 100,000-subject snapshot
//! allocates a handful of vectors instead of two per subject, and the loaded form is a
//! fraction of the size of [`Subject`] values.

use crate::snapshot::payload::{Grant, GrantScope, Subject, SubjectKind};
use crate::time::Timestamp;

/// Names by position, in one buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameList {
    text: String,
    /// Where each name ends in `text`.
    ends: Vec<u32>,
}

impl NameList {
    pub fn with_capacity(names: usize, bytes: usize) -> NameList {
        NameList {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(names),
        }
    }

    /// Appends a name; `false` when the buffer would pass 4 GiB.
    pub fn push(&mut self, name: &str) -> bool {
        match u32::try_from(self.text.len() + name.len()) {
            Ok(end) => {
                self.text.push_str(name);
                self.ends.push(end);
                true
            }
            Err(_) => false,
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The name at `position`.
    #[inline]
    pub fn get(&self, position: usize) -> Option<&str> {
        let end = *self.ends.get(position)? as usize;
        let start = match position.checked_sub(1) {
            Some(before) => *self.ends.get(before)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// The bytes of the name at `position` (no UTF-8 boundary checks: for hashing and
    /// comparing).
    #[inline]
    pub fn bytes(&self, position: usize) -> Option<&[u8]> {
        let end = *self.ends.get(position)? as usize;
        let start = match position.checked_sub(1) {
            Some(before) => *self.ends.get(before)? as usize,
            None => 0,
        };
        self.text.as_bytes().get(start..end)
    }

    /// Every name's bytes, in order.
    pub fn iter_bytes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter()).map(|(start, &end)| {
            self.text
                .as_bytes()
                .get(start as usize..end as usize)
                .unwrap_or_default()
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter()).map(|(start, &end)| {
            self.text
                .get(start as usize..end as usize)
                .unwrap_or_default()
        })
    }
}

/// A grant as stored: its scope and role indices (checked by the engine, not here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantEntry {
    /// Index into the scopes, or [`GrantEntry::BELOW_ROOT`] for `*`.
    pub scope: u32,
    /// Index into the roles; bit 31 set when the grant has an entry in `expiries`.
    role: u32,
}

impl GrantEntry {
    /// The `scope` of a `*` grant (every scope below the root).
    pub const BELOW_ROOT: u32 = u32::MAX;
    const EXPIRES: u32 = 1 << 31;

    /// `None` when the indices cannot be stored (a scope index of `u32::MAX`, or a role
    /// index with bit 31 set): no loadable snapshot has either.
    pub fn new(scope: GrantScope, role: u32, expires: bool) -> Option<GrantEntry> {
        let scope = match scope {
            GrantScope::BelowRoot => GrantEntry::BELOW_ROOT,
            GrantScope::Scope(i) if i != GrantEntry::BELOW_ROOT => i,
            GrantScope::Scope(_) => return None,
        };
        (role & GrantEntry::EXPIRES == 0).then_some(GrantEntry {
            scope,
            role: role | if expires { GrantEntry::EXPIRES } else { 0 },
        })
    }

    #[inline]
    pub fn role(self) -> u32 {
        self.role & !GrantEntry::EXPIRES
    }

    /// Whether the grant expires (its time is in the table's `expiries`).
    #[inline]
    pub fn expires(self) -> bool {
        self.role & GrantEntry::EXPIRES != 0
    }

    pub fn grant_scope(self) -> GrantScope {
        match self.scope {
            GrantEntry::BELOW_ROOT => GrantScope::BelowRoot,
            i => GrantScope::Scope(i),
        }
    }
}

const API_KEY: u8 = 1;
const ACTIVE: u8 = 2;

/// Every subject of a snapshot, by position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectTable {
    pub ids: NameList,
    flags: Vec<u8>,
    /// Where each subject's grants end in `grants`.
    grant_ends: Vec<u32>,
    grants: Vec<GrantEntry>,
    /// (grant index, expiry) of the grants that expire, by grant index.
    expiries: Vec<(u32, Timestamp)>,
    /// (subject position, SHA-256 of its token), by position.
    tokens: Vec<(u32, [u8; 32])>,
}

/// Why a subject could not be added: the table passed 4 GiB of names or 2^32 entries, or
/// a grant's indices cannot be stored.
#[derive(Debug)]
pub struct Unstorable;

impl SubjectTable {
    pub fn with_capacity(subjects: usize, bytes: usize) -> SubjectTable {
        SubjectTable {
            ids: NameList::with_capacity(subjects, bytes),
            flags: Vec::with_capacity(subjects),
            grant_ends: Vec::with_capacity(subjects),
            grants: Vec::with_capacity(subjects),
            expiries: Vec::new(),
            tokens: Vec::new(),
        }
    }

    pub fn from_subjects(subjects: &[Subject]) -> Result<SubjectTable, Unstorable> {
        let mut table = SubjectTable::with_capacity(subjects.len(), 0);
        for s in subjects {
            table.begin(&s.id, s.kind, s.active, s.token_sha256)?;
            for g in &s.grants {
                table.grant(g.role, g.scope, g.expires_at)?;
            }
        }
        Ok(table)
    }

    /// Starts the next subject; its grants follow with [`SubjectTable::grant`].
    pub fn begin(
        &mut self,
        id: &str,
        kind: SubjectKind,
        active: bool,
        token: Option<[u8; 32]>,
    ) -> Result<(), Unstorable> {
        let position = u32::try_from(self.ids.len()).map_err(|_| Unstorable)?;
        if !self.ids.push(id) {
            return Err(Unstorable);
        }
        let kind = if kind == SubjectKind::ApiKey {
            API_KEY
        } else {
            0
        };
        self.flags.push(kind | if active { ACTIVE } else { 0 });
        self.grant_ends.push(self.grant_count()?);
        if let Some(hash) = token {
            self.tokens.push((position, hash));
        }
        Ok(())
    }

    /// Adds a grant to the subject begun last.
    pub fn grant(
        &mut self,
        role: u32,
        scope: GrantScope,
        expires_at: Option<Timestamp>,
    ) -> Result<(), Unstorable> {
        let index = self.grant_count()?;
        let entry = GrantEntry::new(scope, role, expires_at.is_some()).ok_or(Unstorable)?;
        let end = self.grant_ends.last_mut().ok_or(Unstorable)?;
        *end = index.checked_add(1).ok_or(Unstorable)?;
        self.grants.push(entry);
        if let Some(t) = expires_at {
            self.expiries.push((index, t));
        }
        Ok(())
    }

    fn grant_count(&self) -> Result<u32, Unstorable> {
        u32::try_from(self.grants.len()).map_err(|_| Unstorable)
    }

    pub fn len(&self) -> usize {
        self.flags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flags.is_empty()
    }

    pub fn all_grants(&self) -> &[GrantEntry] {
        &self.grants
    }

    /// The index of subject `s`'s first grant and its grants.
    #[inline]
    pub fn grants(&self, s: u32) -> (u32, &[GrantEntry]) {
        let s = s as usize;
        let end = self.grant_ends.get(s).copied().unwrap_or(0);
        let start = match s.checked_sub(1) {
            Some(before) => self.grant_ends.get(before).copied().unwrap_or(0),
            None => 0,
        };
        let grants = self
            .grants
            .get(start as usize..end as usize)
            .unwrap_or_default();
        (start, grants)
    }

    /// When grant `index` expires (`Timestamp::MAX` for a grant that does not).
    pub fn expiry(&self, index: u32) -> Timestamp {
        match self.expiries.binary_search_by_key(&index, |e| e.0) {
            Ok(at) => self.expiries.get(at).map_or(Timestamp::MAX, |e| e.1),
            Err(_) => Timestamp::MAX,
        }
    }

    /// `None` for a position past the table.
    #[inline]
    pub fn active(&self, s: u32) -> Option<bool> {
        self.flags.get(s as usize).map(|f| f & ACTIVE != 0)
    }

    pub fn kind(&self, s: u32) -> SubjectKind {
        match self.flags.get(s as usize) {
            Some(f) if f & API_KEY != 0 => SubjectKind::ApiKey,
            _ => SubjectKind::User,
        }
    }

    pub fn tokens(&self) -> &[(u32, [u8; 32])] {
        &self.tokens
    }

    fn token(&self, s: u32) -> Option<[u8; 32]> {
        let at = self.tokens.binary_search_by_key(&s, |t| t.0).ok()?;
        self.tokens.get(at).map(|t| t.1)
    }

    /// The subjects as [`Subject`] values, as they were decoded.
    pub fn to_subjects(&self) -> Vec<Subject> {
        (0..self.len() as u32)
            .map(|s| {
                let (start, grants) = self.grants(s);
                Subject {
                    id: self.ids.get(s as usize).unwrap_or_default().to_string(),
                    kind: self.kind(s),
                    active: self.active(s).unwrap_or(false),
                    token_sha256: self.token(s),
                    grants: grants
                        .iter()
                        .zip(start..)
                        .map(|(g, i)| Grant {
                            role: g.role(),
                            scope: g.grant_scope(),
                            expires_at: g.expires().then(|| self.expiry(i)),
                        })
                        .collect(),
                }
            })
            .collect()
    }
}
