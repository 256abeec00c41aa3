//! A subject record checked in one pass that builds no error: the decoder's fast path.
//! [`check`] accepts exactly what the decoder's own reading of a record
//! ([`crate::snapshot::decode`], through [`crate::snapshot::reader::Reader`]) accepts, and
//! answers `None` for anything else; the decoder then reads that record again the slow
//! way, which says what is wrong. A load spends most of its decoding on subject records
//! (100,000 of them in a large tenant), and the slow way's `Result` of a rich error at
//! every primitive cost three quarters of it.

use crate::snapshot::limits::{MAX_GRANTS_PER_SUBJECT, MAX_NAME_BYTES};

/// What a checked record holds that the decoder keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// The record's length in bytes.
    pub len: usize,
    /// Where its API key's token hash starts, from the record's first byte.
    pub token: Option<usize>,
    /// The largest role index and scope index its grants name.
    pub max_role: Option<u32>,
    pub max_scope: Option<u32>,
}

/// Reads postcard's primitives as the decoder's reader does (the same varint lengths, the
/// same flags), with `None` for every refusal.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    #[inline(always)]
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    /// A varint of at most `max_bytes`, whose last byte (when it takes them all) is at
    /// most `last_max`: postcard's rule for u32 (5, 0x0f) and u64 (10, 0x01).
    #[inline(always)]
    fn varint(&mut self, max_bytes: u32, last_max: u8) -> Option<u64> {
        let b = self.byte()?;
        if b < 0x80 {
            return Some(u64::from(b));
        }
        self.long_varint(b, max_bytes, last_max)
    }

    #[inline(never)]
    fn long_varint(&mut self, first: u8, max_bytes: u32, last_max: u8) -> Option<u64> {
        let mut out = u64::from(first & 0x7f);
        for i in 1..max_bytes {
            let b = self.byte()?;
            out |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return (i < max_bytes - 1 || b <= last_max).then_some(out);
            }
        }
        None
    }

    #[inline(always)]
    fn u32(&mut self) -> Option<u32> {
        self.varint(5, 0x0f).map(|v| v as u32)
    }

    #[inline(always)]
    fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// A length (no more than the bytes left) and that many bytes.
    #[inline(always)]
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.varint(10, 0x01)?).ok()?;
        let end = self.at.checked_add(n)?;
        let taken = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(taken)
    }
}

/// The subject record at the start of `bytes` (which run to the payload's end), checked:
/// an id that is a name (UTF-8, within the name limit), a kind, an active flag, an optional
/// 32-byte token hash, and up to the grant limit of grants (a role, a scope, an optional
/// expiry).
#[inline(never)]
pub fn check(bytes: &[u8]) -> Option<Record> {
    let mut c = Cursor { bytes, at: 0 };
    let id = c.bytes()?;
    if id.len() > MAX_NAME_BYTES || std::str::from_utf8(id).is_err() {
        return None;
    }
    if c.u32()? > 1 {
        return None;
    }
    c.flag()?;
    let token = match c.flag()? {
        false => None,
        true if c.bytes()?.len() == 32 => Some(c.at - 32),
        true => return None,
    };
    let count = usize::try_from(c.varint(10, 0x01)?).ok()?;
    if count > MAX_GRANTS_PER_SUBJECT || count > bytes.len() - c.at {
        return None;
    }
    let (mut max_role, mut max_scope) = (None, None);
    for _ in 0..count {
        max_role = max_role.max(Some(c.u32()?));
        match c.u32()? {
            0 => {}
            1 => max_scope = max_scope.max(Some(c.u32()?)),
            _ => return None,
        }
        if c.flag()? {
            c.varint(10, 0x01)?;
        }
    }
    Some(Record {
        len: c.at,
        token,
        max_role,
        max_scope,
    })
}
