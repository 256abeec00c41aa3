//! The postcard primitives the payload decoder reads: LEB128 varints, zigzag integers,
//! one-byte booleans and option tags, length-prefixed strings and byte strings. Each
//! read either succeeds or says the payload is malformed; nothing here can overrun.

use crate::error::Result;
use crate::snapshot::payload::malformed;

/// A cursor over payload bytes.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

/// The signed integer a zigzag encoding `v` stands for.
#[inline(always)]
pub fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

fn truncated() -> crate::error::Error {
    malformed("the payload ends early")
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    /// Moves past `n` bytes (all that are left, if fewer).
    pub fn skip(&mut self, n: usize) {
        self.bytes = self.bytes.get(n..).unwrap_or_default();
    }

    /// How many bytes are not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    #[inline]
    pub fn byte(&mut self) -> Result<u8> {
        let (&first, rest) = self.bytes.split_first().ok_or_else(truncated)?;
        self.bytes = rest;
        Ok(first)
    }

    /// A varint of at most `max_bytes` bytes whose last byte holds at most `last_max`
    /// (postcard's rule: no bits past the type's width).
    #[inline(never)]
    fn varint(&mut self, max_bytes: u32, last_max: u8) -> Result<u64> {
        let mut out = 0u64;
        for i in 0..max_bytes {
            let b = self.byte()?;
            out |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if i == max_bytes - 1 && b > last_max {
                    break;
                }
                return Ok(out);
            }
        }
        Err(malformed("bad varint"))
    }

    /// A value under 128, the common case, in one byte.
    #[inline(always)]
    fn small(&mut self) -> Option<u8> {
        match self.bytes.split_first() {
            Some((&b, rest)) if b < 0x80 => {
                self.bytes = rest;
                Some(b)
            }
            _ => None,
        }
    }

    #[inline(always)]
    pub fn u32(&mut self) -> Result<u32> {
        match self.small() {
            Some(b) => Ok(u32::from(b)),
            // Five bytes hold 35 bits: the last may carry 4.
            None => self.varint(5, 0x0f).map(|v| v as u32),
        }
    }

    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        match self.small() {
            Some(b) => Ok(u64::from(b)),
            None => self.varint(10, 0x01),
        }
    }

    /// A zigzag-encoded signed integer.
    pub fn i64(&mut self) -> Result<i64> {
        self.u64().map(unzigzag)
    }

    /// A byte that must be 0 or 1 (`what` names it in the refusal).
    #[inline(always)]
    fn flag(&mut self, what: &str) -> Result<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(malformed(what)),
        }
    }

    #[inline(always)]
    pub fn bool(&mut self) -> Result<bool> {
        self.flag("bad boolean")
    }

    /// An option's tag: whether a value follows.
    #[inline(always)]
    pub fn some(&mut self) -> Result<bool> {
        self.flag("bad option")
    }

    /// A sequence or string length. Every element takes at least one byte, so a length
    /// past what is left is refused before anything is allocated for it.
    #[inline]
    pub fn length(&mut self) -> Result<usize> {
        match usize::try_from(self.u64()?) {
            Ok(n) if n <= self.bytes.len() => Ok(n),
            _ => Err(truncated()),
        }
    }

    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.length()?;
        let (taken, rest) = self.bytes.split_at_checked(n).ok_or_else(truncated)?;
        self.bytes = rest;
        Ok(taken)
    }

    pub fn str(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| malformed("a name is not UTF-8"))
    }

    pub fn string(&mut self) -> Result<String> {
        self.str().map(String::from)
    }

    pub fn option<T>(&mut self, read: impl FnOnce(&mut Self) -> Result<T>) -> Result<Option<T>> {
        if self.some()? {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A sequence of at most `limit` elements (`what` names them in the refusal).
    pub fn seq<T>(
        &mut self,
        what: &str,
        limit: usize,
        mut read: impl FnMut(&mut Self) -> Result<T>,
    ) -> Result<Vec<T>> {
        let n = self.length()?;
        crate::snapshot::limits::check(what, n, limit)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(read(self)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_postcard_writes() {
        let values: (u32, u64, i64, i64, bool, Option<String>, String) = (
            300,
            u64::MAX,
            -5,
            i64::MIN,
            true,
            Some("é".into()),
            "ab".into(),
        );
        let bytes = postcard::to_allocvec(&values).unwrap();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u32().unwrap(), 300);
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert_eq!(r.i64().unwrap(), -5);
        assert_eq!(r.i64().unwrap(), i64::MIN);
        assert!(r.bool().unwrap());
        assert_eq!(r.option(Reader::string).unwrap().as_deref(), Some("é"));
        assert_eq!(r.str().unwrap(), "ab");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn refuses_what_postcard_refuses() {
        // A u32 varint with bits past 32, an endless varint, a bad bool, a long length.
        for bad in [
            &[0xff, 0xff, 0xff, 0xff, 0x1f][..],
            &[0x80; 11],
            &[2],
            &[5, b'a'],
        ] {
            let mut r = Reader::new(bad);
            let got = match bad.len() {
                5 => r.u32().map(drop),
                11 => r.u64().map(drop),
                1 => r.bool().map(drop),
                _ => r.str().map(drop),
            };
            assert!(got.is_err(), "{bad:?}");
        }
    }
}
