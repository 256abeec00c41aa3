//! An index from names to their positions (the snapshot's subjects, permissions,
//! scopes): one buffer holding every name and an open-addressing table of slots that
//! point into it. Building it allocates twice however many names there are, and a
//! lookup touches one slot and the name's bytes.

use std::hash::Hasher;

use rustc_hash::FxHasher;

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    /// Position + 1; 0 marks an empty slot.
    position: u32,
    /// High bits of the name's hash, to skip most byte comparisons.
    tag: u32,
    start: u32,
    len: u32,
}

/// Positions by name.
#[derive(Debug, Default)]
pub struct NameIndex {
    names: String,
    slots: Vec<Slot>,
}

fn hash(name: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(name.as_bytes());
    h.finish()
}

impl NameIndex {
    /// Indexes `names` (position = order). Returns the first name that repeats, or any
    /// name if the names do not fit (over 4 GiB in all), as `Err`.
    pub fn build<'a>(names: &[&'a str]) -> Result<NameIndex, &'a str> {
        // At most half full, so probe runs stay short and an empty slot always exists.
        let capacity = (names.len() * 2).next_power_of_two().max(2);
        let total = names.iter().map(|n| n.len()).sum();
        let mut index = NameIndex {
            names: String::with_capacity(total),
            slots: vec![Slot::default(); capacity],
        };
        let mask = capacity - 1;
        for (position, &name) in names.iter().enumerate() {
            let fits = |n: usize| u32::try_from(n).map_err(|_| name);
            let h = hash(name);
            let slot = Slot {
                position: fits(position + 1)?,
                tag: (h >> 32) as u32,
                start: fits(index.names.len())?,
                len: fits(name.len())?,
            };
            // One probe both finds a repeat and the empty slot the name goes into.
            let mut at = h as usize & mask;
            loop {
                let here = index.slots.get(at).copied().unwrap_or_default();
                if here.position == 0 {
                    break;
                }
                if here.tag == slot.tag && index.name(&here) == Some(name) {
                    return Err(name);
                }
                at = (at + 1) & mask;
            }
            if let Some(free) = index.slots.get_mut(at) {
                *free = slot;
            }
            index.names.push_str(name);
        }
        Ok(index)
    }

    fn name(&self, slot: &Slot) -> Option<&str> {
        let start = slot.start as usize;
        self.names.get(start..start + slot.len as usize)
    }

    /// The position of `name`.
    #[inline]
    pub fn get(&self, name: &str) -> Option<u32> {
        self.find(name).map(|slot| slot.position - 1)
    }

    fn find(&self, name: &str) -> Option<&Slot> {
        let mask = self.slots.len().checked_sub(1)?;
        let h = hash(name);
        let tag = (h >> 32) as u32;
        let mut at = h as usize & mask;
        loop {
            let slot = self.slots.get(at)?;
            if slot.position == 0 {
                return None;
            }
            if slot.tag == tag && self.name(slot) == Some(name) {
                return Some(slot);
            }
            at = (at + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_name_and_nothing_else() {
        let owned: Vec<String> = (0..1000).map(|i| format!("usr_{i:05}")).collect();
        let names: Vec<&str> = owned.iter().map(String::as_str).collect();
        let index = NameIndex::build(&names).unwrap();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(index.get(n), Some(i as u32));
        }
        for missing in ["", "usr_1000", "usr_00001 ", "USR_00001", "usr_0000"] {
            assert_eq!(index.get(missing), None);
        }
        assert_eq!(NameIndex::build(&["a", "b", "a"]).unwrap_err(), "a");
        assert_eq!(NameIndex::build(&[]).unwrap().get("a"), None);
        let with_empty = NameIndex::build(&["", "x"]).unwrap();
        assert_eq!(
            (with_empty.get(""), with_empty.get("x")),
            (Some(0), Some(1))
        );
    }
}
