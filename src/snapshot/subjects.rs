//! A snapshot's subjects where they already are: in the verified payload bytes. Decoding
//! checks every subject record once and keeps only where each starts (4 bytes a subject)
//! and where its API key's token hash is; an id, a flag or a grant is read from the bytes
//! when a check asks. A loaded snapshot costs little more than its own bytes, and a load
//! copies nothing per subject.

use crate::snapshot::payload::{Grant, GrantScope, Subject, SubjectKind};
use crate::snapshot::reader::{Reader, unzigzag};
use crate::time::Timestamp;

/// Where each subject's record starts in the payload, and where its token hash is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subjects {
    /// Offset of each subject's record, from the payload's first byte.
    offsets: Vec<u32>,
    /// (offset of the token hash, subject position), in subject order.
    tokens: Vec<(u32, u32)>,
    /// The highest role and scope index any grant names (`None`: no grant names one).
    pub max_role: Option<u32>,
    pub max_scope: Option<u32>,
}

/// One subject's record, read from the payload.
#[derive(Clone, Debug)]
pub struct SubjectView<'a> {
    pub id: &'a [u8],
    pub kind: SubjectKind,
    pub active: bool,
    pub token: Option<&'a [u8]>,
    grants: Cursor<'a>,
    count: usize,
}

/// A cursor over a record a load has already checked: the same reads as [`Reader`],
/// answering `None` instead of building errors (the check path's form: no error value
/// to construct or pass back).
#[derive(Clone, Copy, Debug)]
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    #[inline(always)]
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    #[inline(always)]
    fn varint(&mut self) -> Option<u64> {
        let b = self.byte()?;
        if b < 0x80 {
            return Some(u64::from(b));
        }
        self.long_varint(b)
    }

    #[inline(never)]
    fn long_varint(&mut self, first: u8) -> Option<u64> {
        let mut out = u64::from(first & 0x7f);
        for i in 1..10 {
            let b = self.byte()?;
            out |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Some(out);
            }
        }
        None
    }

    #[inline(always)]
    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.varint()?).ok()
    }

    #[inline(always)]
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(taken)
    }

    #[inline(always)]
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.varint()?).ok()?;
        self.take(n)
    }
}

/// A grant as read from a record: role and scope indices as stored (the engine checks
/// them against the tables at load), and when it expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantRef {
    pub role: u32,
    pub scope: GrantScope,
    pub expires_at: Option<Timestamp>,
}

impl GrantRef {
    /// `Timestamp::MAX` for a grant that does not expire.
    #[inline]
    pub fn until(&self) -> Timestamp {
        self.expires_at.unwrap_or(Timestamp::MAX)
    }
}

/// The grants of a record, in order. A record that does not read (impossible once a
/// load has checked it) ends the iteration early: fewer grants, never a wrong one.
#[derive(Clone, Debug)]
pub struct Grants<'a> {
    cursor: Cursor<'a>,
    left: usize,
}

impl Iterator for Grants<'_> {
    type Item = GrantRef;

    #[inline]
    fn next(&mut self) -> Option<GrantRef> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let c = &mut self.cursor;
        let grant = (|| {
            let role = c.u32()?;
            let scope = match c.u32()? {
                0 => GrantScope::BelowRoot,
                _ => GrantScope::Scope(c.u32()?),
            };
            let expires_at = match c.byte()? {
                0 => None,
                _ => Some(unzigzag(c.varint()?)),
            };
            Some(GrantRef {
                role,
                scope,
                expires_at,
            })
        })();
        if grant.is_none() {
            self.left = 0;
        }
        grant
    }
}

/// A grant: role, scope (0 `*`, 1 and an index), optional expiry.
#[inline]
pub fn read_grant(r: &mut Reader<'_>) -> crate::error::Result<GrantRef> {
    let role = r.u32()?;
    let scope = match r.u32()? {
        0 => GrantScope::BelowRoot,
        1 => GrantScope::Scope(r.u32()?),
        _ => return Err(crate::snapshot::payload::malformed("bad grant scope")),
    };
    let expires_at = r.option(Reader::i64)?;
    Ok(GrantRef {
        role,
        scope,
        expires_at,
    })
}

/// A subject record's head: id, kind, active flag, token hash, grant count (the grants
/// follow, unread).
#[inline]
pub fn read_head<'a>(r: &mut Reader<'a>) -> crate::error::Result<SubjectView<'a>> {
    use crate::snapshot::payload::malformed;
    let id = r.bytes()?;
    let kind = match r.u32()? {
        0 => SubjectKind::User,
        1 => SubjectKind::ApiKey,
        _ => return Err(malformed("bad subject kind")),
    };
    let active = r.bool()?;
    let token = r.option(Reader::bytes)?;
    if token.is_some_and(|t| t.len() != 32) {
        return Err(malformed("a token hash is 32 bytes"));
    }
    let count = r.length()?;
    Ok(SubjectView {
        id,
        kind,
        active,
        token,
        grants: Cursor(r.rest()),
        count,
    })
}

impl<'a> SubjectView<'a> {
    /// How many grants the record holds.
    pub fn grant_count(&self) -> usize {
        self.count
    }

    pub fn grants(&self) -> Grants<'a> {
        Grants {
            cursor: self.grants,
            left: self.count,
        }
    }
}

impl Subjects {
    pub fn with_capacity(n: usize) -> Subjects {
        Subjects {
            offsets: Vec::with_capacity(n),
            ..Subjects::default()
        }
    }

    /// Records a checked subject: its record's offset, and its token hash's.
    pub fn push(&mut self, offset: u32, token_offset: Option<u32>) -> Option<()> {
        let position = u32::try_from(self.offsets.len()).ok()?;
        self.offsets.push(offset);
        if let Some(t) = token_offset {
            self.tokens.push((t, position));
        }
        Some(())
    }

    /// Notes the indices a grant names.
    pub fn saw(&mut self, grant: &GrantRef) {
        let scope = match grant.scope {
            GrantScope::Scope(i) => Some(i),
            GrantScope::BelowRoot => None,
        };
        self.saw_max(Some(grant.role), scope);
    }

    /// As [`Subjects::saw`], for the largest role and scope of a subject's grants.
    pub fn saw_max(&mut self, role: Option<u32>, scope: Option<u32>) {
        self.max_role = self.max_role.max(role);
        self.max_scope = self.max_scope.max(scope);
    }

    /// Gives back capacity reserved ahead of decoding.
    pub fn shrink_to_fit(&mut self) {
        self.offsets.shrink_to_fit();
        self.tokens.shrink_to_fit();
    }

    /// How many API keys have a token hash.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Token hash number `i` (in subject order) and its subject.
    #[inline]
    pub fn token<'a>(&self, payload: &'a [u8], i: usize) -> Option<(&'a [u8], u32)> {
        let &(offset, subject) = self.tokens.get(i)?;
        Some((payload.get(offset as usize..offset as usize + 32)?, subject))
    }

    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// Subject `s`'s record in `payload` (the bytes it was decoded from).
    #[inline(never)]
    pub fn view<'a>(&self, payload: &'a [u8], s: u32) -> Option<SubjectView<'a>> {
        let offset = *self.offsets.get(s as usize)? as usize;
        let mut c = Cursor(payload.get(offset..)?);
        let id = c.bytes()?;
        let kind = match c.varint()? {
            1 => SubjectKind::ApiKey,
            _ => SubjectKind::User,
        };
        let active = c.byte()? == 1;
        let token = match c.byte()? {
            0 => None,
            _ => Some(c.bytes()?),
        };
        let count = usize::try_from(c.varint()?).ok()?;
        Some(SubjectView {
            id,
            kind,
            active,
            token,
            grants: c,
            count,
        })
    }

    /// Subject `s`'s id bytes.
    #[inline]
    pub fn id<'a>(&self, payload: &'a [u8], s: usize) -> Option<&'a [u8]> {
        let offset = *self.offsets.get(s)? as usize;
        let record = payload.get(offset..)?;
        // Ids under 128 bytes (nearly all) have a one-byte length.
        match record.split_first() {
            Some((&n, rest)) if n < 0x80 => rest.get(..n as usize),
            _ => Reader::new(record).bytes().ok(),
        }
    }

    /// The subjects as [`Subject`] values.
    pub fn to_subjects(&self, payload: &[u8]) -> Vec<Subject> {
        (0..self.len() as u32)
            .filter_map(|s| self.view(payload, s))
            .map(|v| Subject {
                id: std::str::from_utf8(v.id).unwrap_or_default().to_string(),
                kind: v.kind,
                active: v.active,
                token_sha256: v.token.and_then(|t| <[u8; 32]>::try_from(t).ok()),
                grants: v
                    .grants()
                    .map(|g| Grant {
                        role: g.role,
                        scope: g.scope,
                        expires_at: g.expires_at,
                    })
                    .collect(),
            })
            .collect()
    }
}
