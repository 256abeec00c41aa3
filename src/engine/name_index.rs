//! An index from names to their positions (the snapshot's subjects, permissions,
//! scopes): an open-addressing table of 4-byte slots (position and hash tag), a quarter
//! larger than the names it holds. The names stay where they are (in the payload); the
//! index is given a way to read the name at a position, so it holds no copy of them.

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// Low bits of a slot: position + 1 (0 marks an empty slot); high bits: a hash tag, to
/// skip most byte comparisons.
const POSITION_BITS: u32 = 24;
const POSITION_MASK: u32 = (1 << POSITION_BITS) - 1;

/// Positions by name.
#[derive(Debug, Default)]
pub struct NameIndex {
    slots: Vec<u32>,
}

#[inline]
fn hash(name: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(name);
    spread(h.finish())
}

/// A hash made 64 bits wide on every target (FxHasher's is 32 on wasm32): the multiply
/// gives both the slot (high half) and the tag (top of the low half) bits of all of it.
#[inline]
fn spread(h: u64) -> u64 {
    h.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl NameIndex {
    /// Indexes `count` names, read with `name_at` (position = order). Returns the position
    /// of the first name that repeats (or cannot be read, or is past the 2^24 - 1 a slot
    /// holds) as `Err`.
    pub fn build<'a>(
        count: usize,
        name_at: &dyn Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<NameIndex, usize> {
        // Under 80% full, so probe runs stay short and an empty slot always exists.
        let mut index = NameIndex {
            slots: vec![0; count + count / 4 + 1],
        };
        for position in 0..count {
            let stored = u32::try_from(position + 1)
                .ok()
                .filter(|&p| p <= POSITION_MASK)
                .ok_or(position)?;
            let name = name_at(position).ok_or(position)?;
            if !index.insert(name, stored, name_at) {
                return Err(position);
            }
        }
        Ok(index)
    }

    /// The first slot to probe for a hash, and the slot's tag bits.
    #[inline]
    fn start(&self, h: u64) -> (usize, u32) {
        // The hash's high half scaled to the table (no power-of-two size needed); the tag
        // from the top of its low half.
        let at = ((h >> 32) * self.slots.len() as u64) >> 32;
        (at as usize, h as u32 & !POSITION_MASK)
    }

    #[inline]
    fn next(&self, at: usize) -> usize {
        if at + 1 == self.slots.len() {
            0
        } else {
            at + 1
        }
    }

    /// Puts `name` (stored as position + 1) into its slot; `false` when it is already there.
    fn insert<'a>(
        &mut self,
        name: &[u8],
        stored: u32,
        name_at: &dyn Fn(usize) -> Option<&'a [u8]>,
    ) -> bool {
        let (mut at, tag) = self.start(hash(name));
        // One probe both finds a repeat and the empty slot the name goes into.
        loop {
            let Some(&here) = self.slots.get(at) else {
                return false;
            };
            if here == 0 {
                break;
            }
            if here & !POSITION_MASK == tag
                && name_at((here & POSITION_MASK).wrapping_sub(1) as usize) == Some(name)
            {
                return false;
            }
            at = self.next(at);
        }
        if let Some(free) = self.slots.get_mut(at) {
            *free = tag | stored;
        }
        true
    }

    /// The position of `name`, reading names with `name_at`.
    #[inline]
    pub fn get<'a>(&self, name: &[u8], name_at: &dyn Fn(usize) -> Option<&'a [u8]>) -> Option<u32> {
        let (mut at, tag) = self.start(hash(name));
        loop {
            let slot = *self.slots.get(at)?;
            if slot == 0 {
                return None;
            }
            let position = (slot & POSITION_MASK).wrapping_sub(1);
            if slot & !POSITION_MASK == tag && name_at(position as usize) == Some(name) {
                return Some(position);
            }
            at = self.next(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> Result<NameIndex, usize> {
        NameIndex::build(names.len(), &|i: usize| names.get(i).map(|n| n.as_bytes()))
    }

    #[test]
    fn slots_and_tags_spread_even_from_a_32_bit_hash() {
        // As on wasm32, where FxHasher's hash has 32 bits.
        let index = NameIndex {
            slots: vec![0; 125_001],
        };
        let mut starts = vec![0u32; index.slots.len()];
        let mut tags = std::collections::HashSet::new();
        for i in 0..100_000 {
            let mut h = FxHasher::default();
            h.write(format!("usr_{i:06}").as_bytes());
            let (at, tag) = index.start(spread(h.finish() & 0xffff_ffff));
            starts[at] += 1;
            tags.insert(tag);
        }
        assert!(starts.iter().max() <= Some(&12), "slots cluster");
        assert_eq!(tags.len(), 256, "every tag is used");
    }

    #[test]
    fn a_lookup_reads_about_one_name() {
        let owned: Vec<String> = (0..50_000).map(|i| format!("usr_{i:05}")).collect();
        let reads = std::cell::Cell::new(0usize);
        let at = |i: usize| {
            reads.set(reads.get() + 1);
            owned.get(i).map(|n| n.as_bytes())
        };
        let built = NameIndex::build(owned.len(), &at).unwrap();
        reads.set(0);
        for (i, n) in owned.iter().enumerate() {
            assert_eq!(built.get(n.as_bytes(), &at), Some(i as u32));
        }
        // The tags skip nearly every other name on the way.
        assert!(reads.get() < owned.len() * 21 / 20, "{} reads", reads.get());
    }

    #[test]
    fn finds_every_name_and_nothing_else() {
        let owned: Vec<String> = (0..1000).map(|i| format!("usr_{i:05}")).collect();
        let names: Vec<&str> = owned.iter().map(String::as_str).collect();
        let built = index(&names).unwrap();
        let at = |i: usize| names.get(i).map(|n: &&str| n.as_bytes());
        for (i, n) in names.iter().enumerate() {
            assert_eq!(built.get(n.as_bytes(), &at), Some(i as u32));
        }
        for missing in ["", "usr_1000", "usr_00001 ", "USR_00001", "usr_0000"] {
            assert_eq!(built.get(missing.as_bytes(), &at), None);
        }
        assert_eq!(index(&["a", "b", "a"]).unwrap_err(), 2);
        assert_eq!(index(&[]).unwrap().get(b"a", &|_| None), None);
        let two = ["", "x"];
        let with_empty = index(&two).unwrap();
        let at = |i: usize| two.get(i).map(|n| n.as_bytes());
        assert_eq!(
            (with_empty.get(b"", &at), with_empty.get(b"x", &at)),
            (Some(0), Some(1))
        );
    }
}
