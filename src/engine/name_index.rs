//! An index from names to their positions (the snapshot's subjects, permissions,
//! scopes): the names in one [`NameList`] and an open-addressing table of 8-byte slots
//! (position and hash tag) over it. A lookup touches one slot and the name's bytes.

use std::hash::Hasher;

use rustc_hash::FxHasher;

use crate::snapshot::subjects::NameList;

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
    names: NameList,
    slots: Vec<Slot>,
}

fn hash(name: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(name);
    h.finish()
}

impl NameIndex {
    /// Indexes `names` (position = order). Returns the first name that repeats, or any
    /// name if the names do not fit (over 4 GiB in all), as `Err`.
    pub fn build<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> Result<NameIndex, String> {
        let mut list = NameList::with_capacity(names.len(), 0);
        for name in names {
            if !list.push(name) {
                return Err(name.to_string());
            }
        }
        NameIndex::over(list)
    }

    /// Indexes a list of names, keeping it. Returns the first name that repeats as `Err`.
    pub fn over(names: NameList) -> Result<NameIndex, String> {
        // Under 80% full, so probe runs stay short and an empty slot always exists.
        let mut capacity = names.len().next_power_of_two().max(2);
        if names.len() * 5 > capacity * 4 {
            capacity *= 2;
        }
        let mut slots = vec![Slot::default(); capacity];
        let mask = capacity - 1;
        let repeated = |name: &[u8]| std::str::from_utf8(name).unwrap_or_default().to_string();
        for (position, name) in names.iter_bytes().enumerate() {
            let h = hash(name);
            let slot = Slot {
                position: u32::try_from(position + 1).map_err(|_| repeated(name))?,
                tag: (h >> 32) as u32,
            };
            // One probe both finds a repeat and the empty slot the name goes into.
            let mut at = h as usize & mask;
            loop {
                let here = slots.get(at).copied().unwrap_or_default();
                if here.position == 0 {
                    break;
                }
                if here.tag == slot.tag && names.bytes(here.position as usize - 1) == Some(name) {
                    return Err(repeated(name));
                }
                at = (at + 1) & mask;
            }
            if let Some(free) = slots.get_mut(at) {
                *free = slot;
            }
        }
        Ok(NameIndex { names, slots })
    }

    /// The position of `name`.
    #[inline]
    pub fn get(&self, name: &str) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let name = name.as_bytes();
        let h = hash(name);
        let tag = (h >> 32) as u32;
        let mut at = h as usize & mask;
        loop {
            let slot = self.slots.get(at)?;
            if slot.position == 0 {
                return None;
            }
            if slot.tag == tag && self.names.bytes(slot.position as usize - 1) == Some(name) {
                return Some(slot.position - 1);
            }
            at = (at + 1) & mask;
        }
    }

    /// The name at `position`.
    #[inline]
    pub fn name(&self, position: u32) -> Option<&str> {
        self.names.get(position as usize)
    }

    pub fn names(&self) -> &NameList {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_name_and_nothing_else() {
        let owned: Vec<String> = (0..1000).map(|i| format!("usr_{i:05}")).collect();
        let names: Vec<&str> = owned.iter().map(String::as_str).collect();
        let index = NameIndex::build(names.iter().copied()).unwrap();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.get(n), Some(i as u32));
        }
        for missing in ["", "usr_1000", "usr_00001 ", "USR_00001", "usr_0000"] {
            assert_eq!(index.get(missing), None);
        }
        assert_eq!(
            NameIndex::build(["a", "b", "a"].into_iter()).unwrap_err(),
            "a"
        );
        assert_eq!(NameIndex::build([].into_iter()).unwrap().get("a"), None);
        let with_empty = NameIndex::build(["", "x"].into_iter()).unwrap();
        assert_eq!(
            (with_empty.get(""), with_empty.get("x")),
            (Some(0), Some(1))
        );
    }
}
