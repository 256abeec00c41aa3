//! Signed deltas: the payload of a new snapshot rebuilt from the payload of the one
//! before it, as ranges copied from the old bytes and bytes inserted between them.
//!
//! ```text
//! magic "RGDL" | format version (u16 LE) | key id length (u8) | key id | body | signature (64)
//! body: tenant | subject (empty for a full snapshot) | from revision | SHA-512 of the old payload
//!       | to revision | new payload length | SHA-512 of the new payload | ops
//! op:   0 start length (copy old[start..start + length]) | 1 bytes (insert them)
//! ```
//!
//! The envelope is a snapshot's (its signature covers every byte before it) under its own
//! magic, and the body is postcard (varints, length-prefixed byte strings, the ops a
//! sequence of tagged variants). A delta applies only on top of exactly the payload it
//! was built from (its hash), and what it builds must hash to what it promises, so a
//! gate that applies one holds the very bytes the full new snapshot would have given it.

use rustc_hash::FxHashMap;

use crate::error::{Error, ErrorKind, Result};
use crate::snapshot::envelope::framed;
use crate::snapshot::keys::SigningKey;
use crate::snapshot::payload::{Payload, malformed};
use crate::snapshot::reader::Reader;

/// The first four bytes of every delta.
pub const DELTA_MAGIC: [u8; 4] = *b"RGDL";

/// SHA-512 of `bytes`: the host's where the wasm layer has one, as for signatures.
#[inline(never)]
pub fn sha512(bytes: &[u8]) -> [u8; 64] {
    use sha2::Digest;
    #[cfg(feature = "wasm")]
    let digest = crate::wasm::digest::Sha512::digest(bytes);
    #[cfg(not(feature = "wasm"))]
    let digest = sha2::Sha512::digest(bytes);
    digest.into()
}

/// A delta's body, decoded up to its ops (read while applying, never collected).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delta<'a> {
    pub tenant: &'a str,
    /// The subject of the slices it goes between, if they are slices.
    pub subject: Option<&'a str>,
    pub from_revision: u64,
    pub from_sha512: &'a [u8],
    pub to_revision: u64,
    pub to_len: u64,
    pub to_sha512: &'a [u8],
    ops: &'a [u8],
}

impl<'a> Delta<'a> {
    /// Decodes a verified body's header.
    pub fn decode(body: &'a [u8]) -> Result<Delta<'a>> {
        let mut r = Reader::new(body);
        let digest = |r: &mut Reader<'a>| {
            r.bytes()
                .ok()
                .filter(|d| d.len() == 64)
                .ok_or_else(|| malformed("a delta's hash is not 64 bytes"))
        };
        Ok(Delta {
            tenant: r.str()?,
            subject: Some(r.str()?).filter(|s| !s.is_empty()),
            from_revision: r.u64()?,
            from_sha512: digest(&mut r)?,
            to_revision: r.u64()?,
            to_len: r.u64()?,
            to_sha512: digest(&mut r)?,
            ops: r.rest(),
        })
    }

    /// The new payload: the ops run over `old`. Every range is checked against `old`, and
    /// the output is held to the length the delta promises (at most `max_len`), so a
    /// hostile delta costs at most that much memory and one pass over its bytes.
    pub fn apply(&self, old: &[u8], max_len: usize) -> Result<Vec<u8>> {
        let len = usize::try_from(self.to_len).unwrap_or(usize::MAX);
        crate::snapshot::loader::check_size("the payload a delta builds", len, max_len)?;
        let mut out = Vec::with_capacity(len);
        let mut r = Reader::new(self.ops);
        for _ in 0..r.length()? {
            let piece = match r.u32()? {
                0 => {
                    let start = r.u64()?;
                    let end = start.checked_add(r.u64()?);
                    end.and_then(|end| {
                        old.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
                    })
                    .ok_or_else(|| malformed("a delta copies past the old payload"))?
                }
                1 => r.bytes()?,
                _ => return Err(malformed("unknown delta op")),
            };
            if piece.len() > len - out.len() {
                return Err(self.mismatch());
            }
            out.extend_from_slice(piece);
        }
        if r.remaining() != 0 {
            return Err(malformed("trailing bytes after a delta"));
        }
        if out.len() != len {
            return Err(self.mismatch());
        }
        Ok(out)
    }

    /// What the delta builds is not what it states.
    pub(crate) fn mismatch(&self) -> Error {
        Error::new(
            ErrorKind::DeltaMismatch,
            "the payload a delta builds is not the one it states (length or SHA-512)",
        )
    }
}

/// A delta's key id and header, without checking its signature: for inspection only.
pub fn read_unverified(bytes: &[u8]) -> Result<(&str, Delta<'_>)> {
    let envelope = crate::snapshot::envelope::Unverified::parse_as(bytes, &DELTA_MAGIC, "delta")?;
    Ok((
        envelope.key_id(),
        Delta::decode(envelope.payload_unverified())?,
    ))
}

/// One step of a delta, as the builder finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Op {
    Copy { start: usize, len: usize },
    Insert(Vec<u8>),
}

/// Bytes compared at once when looking for what the new payload copies from the old.
const BLOCK: usize = 16;

/// The ops that build `new` from `old`: every `BLOCK`-aligned block of `old` is indexed,
/// `new` is scanned at every offset for one, and each match is grown both ways (as rsync
/// does). Linear in the two lengths, memory one entry per block, on any input.
fn ops(old: &[u8], new: &[u8]) -> Vec<Op> {
    let block = |b: &[u8]| -> Option<u128> { Some(u128::from_le_bytes(b.try_into().ok()?)) };
    let mut index: FxHashMap<u128, usize> = FxHashMap::default();
    for (i, chunk) in old.chunks_exact(BLOCK).enumerate() {
        if let Some(key) = block(chunk) {
            index.entry(key).or_insert(i * BLOCK);
        }
    }
    let mut out = Vec::new();
    let mut literal_from = 0;
    let mut at = 0;
    while at + BLOCK <= new.len() {
        let found = new
            .get(at..at + BLOCK)
            .and_then(block)
            .and_then(|key| index.get(&key).copied());
        let Some(mut start) = found else {
            at += 1;
            continue;
        };
        // Grow the match backwards into the pending literal, then forwards.
        let mut from = at;
        while from > literal_from && start > 0 && old.get(start - 1) == new.get(from - 1) {
            from -= 1;
            start -= 1;
        }
        let mut len = at - from + BLOCK;
        while old.get(start + len).is_some() && old.get(start + len) == new.get(from + len) {
            len += 1;
        }
        if from > literal_from {
            out.push(Op::Insert(
                new.get(literal_from..from).unwrap_or_default().to_vec(),
            ));
        }
        out.push(Op::Copy { start, len });
        at = from + len;
        literal_from = at;
    }
    if literal_from < new.len() {
        out.push(Op::Insert(
            new.get(literal_from..).unwrap_or_default().to_vec(),
        ));
    }
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// The signed delta from the payload bytes `old` (of the snapshot a gate holds) to
/// `new`. The caller has checked that `new` is the same tenant and slice at a higher
/// revision (see [`check_successor`]).
pub fn seal_delta(old: &[u8], old_head: &Payload, new: &Payload, key: &SigningKey) -> Vec<u8> {
    let new_bytes = new.to_bytes();
    let head = Head {
        tenant: &new.tenant,
        subject: new.subject.as_deref(),
        from_revision: old_head.revision,
        from_sha512: sha512(old),
        to_revision: new.revision,
        to_len: new_bytes.len() as u64,
        to_sha512: sha512(&new_bytes),
    };
    seal_delta_body(&body(&head, &ops(old, &new_bytes)), key)
}

/// What a delta's body states before its ops.
struct Head<'a> {
    tenant: &'a str,
    subject: Option<&'a str>,
    from_revision: u64,
    from_sha512: [u8; 64],
    to_revision: u64,
    to_len: u64,
    to_sha512: [u8; 64],
}

fn body(head: &Head<'_>, ops: &[Op]) -> Vec<u8> {
    let mut body = Vec::new();
    put_bytes(&mut body, head.tenant.as_bytes());
    put_bytes(&mut body, head.subject.unwrap_or_default().as_bytes());
    put_varint(&mut body, head.from_revision);
    put_bytes(&mut body, &head.from_sha512);
    put_varint(&mut body, head.to_revision);
    put_varint(&mut body, head.to_len);
    put_bytes(&mut body, &head.to_sha512);
    put_varint(&mut body, ops.len() as u64);
    for op in ops {
        match op {
            Op::Copy { start, len } => {
                body.push(0);
                put_varint(&mut body, *start as u64);
                put_varint(&mut body, *len as u64);
            }
            Op::Insert(bytes) => {
                body.push(1);
                put_bytes(&mut body, bytes);
            }
        }
    }
    body
}

/// Frames and signs a delta body as it stands: [`seal_delta`] builds real ones; this is
/// for tools that write their own and for fuzzing what lies behind the signature.
pub fn seal_delta_body(body: &[u8], key: &SigningKey) -> Vec<u8> {
    let mut out = framed(&DELTA_MAGIC, key.key_id(), body);
    let signature = key.sign(&out);
    out.extend_from_slice(&signature);
    out
}

/// The signed delta from the snapshot bytes `old` (read, not verified: a delta built on
/// other bytes than a gate holds is refused by the gate) to `new`, with the old
/// snapshot's header. Refuses a `new` of another tenant or slice, or not above its revision.
pub fn delta_from_snapshot(
    old: &[u8],
    new: &Payload,
    key: &SigningKey,
) -> Result<(Vec<u8>, Payload)> {
    let old = crate::snapshot::envelope::Unverified::parse(old)?.payload_unverified();
    let head = crate::snapshot::decode::decode(old)?.0.to_payload(old);
    check_successor(&head, new)?;
    Ok((seal_delta(old, &head, new, key), head))
}

/// Whether `new` may follow `old` in a delta: the same tenant and slice, a higher revision.
pub fn check_successor(old: &Payload, new: &Payload) -> Result<()> {
    if old.tenant != new.tenant {
        return Err(Error::new(
            ErrorKind::WrongTenant,
            format!(
                "the old snapshot is for tenant `{}`, the policy for `{}`",
                old.tenant, new.tenant
            ),
        ));
    }
    if old.subject != new.subject {
        let name = |s: &Option<String>| {
            s.as_ref()
                .map_or("not a slice".to_string(), |s| format!("a slice for `{s}`"))
        };
        return Err(Error::new(
            ErrorKind::WrongSubject,
            format!(
                "the old snapshot is {}, the new one {}: a delta goes between snapshots of one kind",
                name(&old.subject),
                name(&new.subject)
            ),
        ));
    }
    if new.revision <= old.revision {
        return Err(Error::new(
            ErrorKind::Rollback,
            format!(
                "revision {} does not follow the old snapshot's revision {}",
                new.revision, old.revision
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuild(old: &[u8], new: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for op in ops(old, new) {
            match op {
                Op::Copy { start, len } => out.extend_from_slice(&old[start..start + len]),
                Op::Insert(bytes) => out.extend_from_slice(&bytes),
            }
        }
        out
    }

    /// Deltas signed by a trusted key that do not build what they state.
    #[test]
    fn a_delta_that_does_not_build_what_it_states_is_refused() {
        use crate::engine::Engine;
        use crate::snapshot::keys::KeySet;
        use crate::snapshot::loader::{LoadOptions, apply_delta};
        let key = SigningKey::from_seed([3; 32], Some("k1")).unwrap();
        let keys = KeySet::from_keys([key.public_key()]).unwrap();
        let old = crate::snapshot::payload::bare();
        let engine = Engine::from_payload(old.clone()).unwrap();
        let old_bytes = old.to_bytes();
        let new = Payload {
            revision: 2,
            ..old.clone()
        };
        let new_bytes = new.to_bytes();
        let head = |to_revision, to_len, to_sha512| Head {
            tenant: "t",
            subject: None,
            from_revision: 1,
            from_sha512: sha512(&old_bytes),
            to_revision,
            to_len,
            to_sha512,
        };
        let good = head(2, new_bytes.len() as u64, sha512(&new_bytes));
        let code = |head: &Head<'_>, ops: &[Op]| {
            apply_delta(
                &engine,
                &seal_delta_body(&body(head, ops), &key),
                &keys,
                &LoadOptions::at(0),
            )
            .map(drop)
            .unwrap_err()
            .code()
        };
        let whole = [Op::Insert(new_bytes.clone())];
        assert!(
            apply_delta(
                &engine,
                &seal_delta_body(&body(&good, &whole), &key),
                &keys,
                &LoadOptions::at(0)
            )
            .is_ok()
        );
        assert_eq!(
            code(&head(2, new_bytes.len() as u64, [0; 64]), &whole),
            "DELTA_MISMATCH"
        );
        assert_eq!(
            code(
                &head(2, new_bytes.len() as u64 + 1, sha512(&new_bytes)),
                &whole
            ),
            "DELTA_MISMATCH"
        );
        assert_eq!(
            code(
                &head(2, new_bytes.len() as u64 - 1, sha512(&new_bytes)),
                &whole
            ),
            "DELTA_MISMATCH"
        );
        assert_eq!(
            code(&head(3, new_bytes.len() as u64, sha512(&new_bytes)), &whole),
            "DELTA_MISMATCH"
        );
        assert_eq!(
            code(
                &good,
                &[Op::Copy {
                    start: 1,
                    len: old_bytes.len()
                }]
            ),
            "MALFORMED"
        );
        assert_eq!(
            code(&head(2, u64::MAX, sha512(&new_bytes)), &whole),
            "TOO_LARGE"
        );
        // A payload that decodes as one but breaks a load check: the same revision.
        let same = old.to_bytes();
        assert_eq!(
            code(
                &head(1, same.len() as u64, sha512(&same)),
                &[Op::Insert(same.clone())]
            ),
            "ROLLBACK"
        );
    }

    #[test]
    fn ops_rebuild_the_new_bytes_and_copy_what_they_can() {
        let old: Vec<u8> = (0..20_000u32)
            .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
            .collect();
        let mut new = old.clone();
        new[3] ^= 1;
        new.splice(40_000..40_000, [7, 7, 7]);
        new.drain(60_000..60_100);
        new.extend_from_slice(b"tail");
        assert_eq!(rebuild(&old, &new), new);
        let inserted: usize = ops(&old, &new)
            .iter()
            .map(|op| match op {
                Op::Insert(b) => b.len(),
                Op::Copy { .. } => 0,
            })
            .sum();
        assert!(inserted < 4 * BLOCK, "{inserted} bytes inserted");
        for (old, new) in [
            (&b""[..], &b"abc"[..]),
            (b"abc", b""),
            (
                b"aaaaaaaaaaaaaaaaaaaaaaa",
                b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ),
        ] {
            assert_eq!(rebuild(old, new), new);
        }
    }
}
