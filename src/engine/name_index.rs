//! An index from names to their positions (the snapshot's subjects, permissions,
//! scopes): an open-addressing table of 8-byte slots (position and hash tag). The names
//! stay where they are (in the payload, or the catalog); the index is given a way to read
//! the name at a position, so it holds no copy of them.

use std::hash::Hasher;

use rustc_hash::FxHasher;

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// Position + 1; 0 marks an empty slot.
    position: u32,
    /// High bits of the name's hash, to skip most byte comparisons.
    tag: u32,
}

/// Positions by name.
#[derive(Debug, Default)]
pub struct NameIndex {
    slots: Vec<Slot>,
}

#[inline]
fn hash(name: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(name);
    h.finish()
}

impl NameIndex {
    /// Indexes `count` names, read with `name_at` (position = order). Returns the position
    /// of the first name that repeats (or cannot be read) as `Err`.
    pub fn build<'a>(
        count: usize,
        name_at: &dyn Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<NameIndex, usize> {
        // Under 80% full, so probe runs stay short and an empty slot always exists.
        let mut capacity = count.next_power_of_two().max(2);
        if count * 5 > capacity * 4 {
            capacity *= 2;
        }
        let mut index = NameIndex {
            slots: vec![Slot::default(); capacity],
        };
        for position in 0..count {
            let stored = u32::try_from(position + 1).map_err(|_| position)?;
            let name = name_at(position).ok_or(position)?;
            if !index.insert(name, stored, name_at) {
                return Err(position);
            }
        }
        Ok(index)
    }

    /// Puts `name` (stored as position + 1) into its slot; `false` when it is already there.
    fn insert<'a>(
        &mut self,
        name: &[u8],
        stored: u32,
        name_at: &dyn Fn(usize) -> Option<&'a [u8]>,
    ) -> bool {
        let mask = self.slots.len() - 1;
        let h = hash(name);
        let slot = Slot {
            position: stored,
            tag: (h >> 32) as u32,
        };
        // One probe both finds a repeat and the empty slot the name goes into.
        let mut at = h as usize & mask;
        loop {
            let Some(here) = self.slots.get(at).copied() else {
                return false;
            };
            if here.position == 0 {
                break;
            }
            if here.tag == slot.tag && name_at(here.position as usize - 1) == Some(name) {
                return false;
            }
            at = (at + 1) & mask;
        }
        if let Some(free) = self.slots.get_mut(at) {
            *free = slot;
        }
        true
    }

    /// The position of `name`, reading names with `name_at`.
    #[inline]
    pub fn get<'a>(&self, name: &[u8], name_at: &dyn Fn(usize) -> Option<&'a [u8]>) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let h = hash(name);
        let tag = (h >> 32) as u32;
        let mut at = h as usize & mask;
        loop {
            let slot = self.slots.get(at)?;
            if slot.position == 0 {
                return None;
            }
            if slot.tag == tag && name_at(slot.position as usize - 1) == Some(name) {
                return Some(slot.position - 1);
            }
            at = (at + 1) & mask;
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
