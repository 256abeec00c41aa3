//! Roles: unique names, each role's direct permissions (names and `*` patterns) as a
//! bitset over the catalog, extensions expanded in dependency order, cycles reported.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::catalog::Catalog;
use super::diagnostics::Diagnostics;
use super::invalid_id;
use crate::error::{Error, ErrorKind};
use crate::policy::document::{Policy, RoleDecl};
use crate::policy::names::{is_id, is_pattern, pattern_matches};
use crate::snapshot::payload::Role;

pub(super) struct Roles<'p> {
    pub(super) index: HashMap<&'p str, usize>,
    pub(super) list: Vec<Role>,
}

/// A permission bitset over the catalog, 64 permissions a word.
type Row = Vec<u64>;

/// Work the compiler may spend matching patterns against the catalog (distinct patterns ×
/// catalog size) and expanding extensions (distinct extensions × bitset words).
pub const MAX_EXPANSION_WORK: usize = 1 << 24;

/// What patterns matched, by pattern text (a pattern repeated across roles or within one
/// is matched once), and the work left.
struct Patterns<'p> {
    rows: HashMap<&'p str, Row>,
    work_left: usize,
}

impl<'p> Patterns<'p> {
    /// The bitset of the catalog permissions `pattern` matches, or a refusal once the
    /// matching work is spent.
    fn matched(
        &mut self,
        pattern: &'p str,
        catalog: &Catalog<'_>,
        words: usize,
    ) -> Result<&Row, Error> {
        let slot = match self.rows.entry(pattern) {
            Entry::Occupied(seen) => return Ok(seen.into_mut()),
            Entry::Vacant(slot) => slot,
        };
        let cost = catalog.list.len().max(1);
        if cost > self.work_left {
            return Err(too_much_expansion());
        }
        self.work_left -= cost;
        let mut row = vec![0; words];
        for (id, p) in catalog.list.iter().enumerate() {
            if pattern_matches(pattern, &p.name) {
                set_bit(&mut row, id);
            }
        }
        Ok(slot.insert(row))
    }
}

fn too_much_expansion() -> Error {
    Error::new(
        ErrorKind::LimitExceeded,
        format!(
            "expanding the roles' patterns and extensions is over the limit of {MAX_EXPANSION_WORK} steps (distinct patterns × permissions, extensions × permissions / 64): use fewer distinct patterns or extensions"
        ),
    )
}

pub(super) fn roles<'p>(
    policy: &'p Policy,
    catalog: &Catalog<'_>,
    errors: &mut Diagnostics,
) -> Roles<'p> {
    let index = index_roles(&policy.roles, errors);
    let words = catalog.list.len().div_ceil(64);
    let mut rows: Vec<Row> = Vec::with_capacity(policy.roles.len());
    let mut extends: Vec<Vec<usize>> = Vec::with_capacity(policy.roles.len());
    let mut patterns = Patterns {
        rows: HashMap::new(),
        work_left: MAX_EXPANSION_WORK,
    };
    for (i, role) in policy.roles.iter().enumerate() {
        if !role.system && role.permissions.is_empty() && role.extends.is_empty() {
            errors.push(empty_role(role).at(format!("roles[{i}]")));
        }
        rows.push(direct_permissions(
            i,
            role,
            catalog,
            words,
            &mut patterns,
            errors,
        ));
        extends.push(extended_roles(i, role, policy, &index, errors));
    }
    let edges: usize = extends.iter().map(Vec::len).sum();
    if edges.saturating_mul(words.max(1)) > MAX_EXPANSION_WORK {
        errors.push(too_much_expansion().at("roles"));
    }
    let done = expand_extensions(&mut rows, &extends);
    report_extension_cycles(policy, &index, &extends, &done, errors);
    let n = catalog.list.len();
    let list = policy
        .roles
        .iter()
        .zip(rows)
        .map(|(r, row)| Role {
            name: r.name.clone(),
            system: r.system,
            permissions: to_bytes(&row, n),
        })
        .collect();
    Roles { index, list }
}

/// Valid, unique role names, by document index.
fn index_roles<'p>(roles: &'p [RoleDecl], errors: &mut Diagnostics) -> HashMap<&'p str, usize> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, r) in roles.iter().enumerate() {
        if !is_id(&r.name) {
            errors.push(invalid_id("role name", &r.name).at(format!("roles[{i}].name")));
        } else if let Some(&first) = index.get(r.name.as_str()) {
            errors.push(
                Error::new(
                    ErrorKind::DuplicateRole,
                    format!(
                        "role `{}` is defined twice (first at `roles[{first}]`)",
                        r.name
                    ),
                )
                .at(format!("roles[{i}]")),
            );
        } else {
            index.insert(&r.name, i);
        }
    }
    index
}

fn empty_role(role: &RoleDecl) -> Error {
    Error::new(
        ErrorKind::EmptyRole,
        format!(
            "custom role `{}` has no permissions: give it at least one permission or extend a role",
            role.name
        ),
    )
}

/// The bitset of the permissions role `i` names itself (names and patterns).
fn direct_permissions<'p>(
    i: usize,
    role: &'p RoleDecl,
    catalog: &Catalog<'_>,
    words: usize,
    patterns: &mut Patterns<'p>,
    errors: &mut Diagnostics,
) -> Row {
    let mut row = vec![0; words];
    for (j, entry) in role.permissions.iter().enumerate() {
        let path = format!("roles[{i}].permissions[{j}]");
        let found = if entry.contains('*') {
            pattern_bits(entry, role, catalog, patterns, &mut row)
        } else {
            name_bit(entry, role, catalog, &mut row, errors)
        };
        if let Err(e) = found {
            errors.push(e.at(path));
        }
    }
    row
}

/// Sets the bits of every catalog permission `pattern` matches.
fn pattern_bits<'p>(
    pattern: &'p str,
    role: &RoleDecl,
    catalog: &Catalog<'_>,
    patterns: &mut Patterns<'p>,
    row: &mut Row,
) -> Result<(), Error> {
    if !is_pattern(pattern) {
        return Err(Error::new(
            ErrorKind::InvalidName,
            format!(
                "invalid permission pattern `{pattern}` in role `{}`: use lowercase dotted words and `*`",
                role.name
            ),
        ));
    }
    let matched = patterns.matched(pattern, catalog, row.len())?;
    if matched.iter().all(|&w| w == 0) {
        return Err(Error::new(
            ErrorKind::PatternMatchesNothing,
            format!(
                "pattern `{pattern}` in role `{}` matches no permission in the catalog",
                role.name
            ),
        ));
    }
    for (a, b) in row.iter_mut().zip(matched) {
        *a |= b;
    }
    Ok(())
}

/// Sets the bit of catalog permission `name`.
fn name_bit(
    name: &str,
    role: &RoleDecl,
    catalog: &Catalog<'_>,
    row: &mut Row,
    errors: &mut Diagnostics,
) -> Result<(), Error> {
    if let Some(&id) = catalog.ids.get(name) {
        set_bit(row, id as usize);
        return Ok(());
    }
    let hint = errors.hint(name, catalog.list.iter().map(|p| p.name.as_str()));
    Err(Error::new(
        ErrorKind::UnknownPermission,
        format!("unknown permission `{name}` in role `{}`{hint}", role.name),
    ))
}

/// The document indices of the roles role `i` extends; unknown ones are reported.
fn extended_roles(
    i: usize,
    role: &RoleDecl,
    policy: &Policy,
    index: &HashMap<&str, usize>,
    errors: &mut Diagnostics,
) -> Vec<usize> {
    let mut targets = Vec::with_capacity(role.extends.len());
    for (j, e) in role.extends.iter().enumerate() {
        match index.get(e.as_str()) {
            Some(&target) => targets.push(target),
            None => {
                let hint = errors.hint(e, policy.roles.iter().map(|r| r.name.as_str()));
                errors.push(
                    Error::new(
                        ErrorKind::UnknownRole,
                        format!("role `{}` extends unknown role `{e}`{hint}", role.name),
                    )
                    .at(format!("roles[{i}].extends[{j}]")),
                );
            }
        }
    }
    targets
}

/// Adds each role's extended roles' permissions in dependency order (Kahn). Returns
/// which roles were expanded: the rest are on or behind a cycle.
fn expand_extensions(rows: &mut [Row], extends: &[Vec<usize>]) -> Vec<bool> {
    let count = rows.len();
    let mut waiting: Vec<usize> = extends.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, ext) in extends.iter().enumerate() {
        for &e in ext {
            if let Some(d) = dependents.get_mut(e) {
                d.push(i);
            }
        }
    }
    let mut ready: Vec<usize> = (0..count).filter(|&i| waiting.get(i) == Some(&0)).collect();
    let mut done = vec![false; count];
    while let Some(r) = ready.pop() {
        if let Some(d) = done.get_mut(r) {
            *d = true;
        }
        for &e in extends.get(r).map(Vec::as_slice).unwrap_or_default() {
            let inherited = rows.get(e).cloned().unwrap_or_default();
            if let Some(row) = rows.get_mut(r) {
                for (a, b) in row.iter_mut().zip(inherited) {
                    *a |= b;
                }
            }
        }
        for &d in dependents.get(r).map(Vec::as_slice).unwrap_or_default() {
            if let Some(w) = waiting.get_mut(d) {
                *w -= 1;
                if *w == 0 {
                    ready.push(d);
                }
            }
        }
    }
    done
}

/// Follows unfinished extensions from each unexpanded role until a role repeats (a
/// cycle, reported where it closes) or an already reported one.
fn report_extension_cycles(
    policy: &Policy,
    index: &HashMap<&str, usize>,
    extends: &[Vec<usize>],
    done: &[bool],
    errors: &mut Diagnostics,
) {
    let unfinished = |r: usize| done.get(r) == Some(&false);
    let mut reported = vec![false; done.len()];
    // Where each role stands in the chain being followed (usize::MAX: not on it).
    let mut on_chain = vec![usize::MAX; done.len()];
    for start in 0..done.len() {
        if !unfinished(start) || reported.get(start) == Some(&true) {
            continue;
        }
        let mut chain = vec![start];
        if let Some(p) = on_chain.get_mut(start) {
            *p = 0;
        }
        let mut at = start;
        loop {
            let next = extends
                .get(at)
                .and_then(|x| x.iter().copied().find(|&e| unfinished(e)));
            let Some(next) = next else { break };
            if reported.get(next) == Some(&true) {
                break;
            }
            if let Some(&pos) = on_chain.get(next).filter(|&&p| p != usize::MAX) {
                let cycle = chain.get(pos..).unwrap_or_default();
                let j = policy.roles.get(at).and_then(|r| {
                    r.extends
                        .iter()
                        .position(|e| index.get(e.as_str()) == Some(&next))
                });
                errors.push(
                    extension_cycle(policy, cycle, next)
                        .at(format!("roles[{at}].extends[{}]", j.unwrap_or(0))),
                );
                break;
            }
            if let Some(p) = on_chain.get_mut(next) {
                *p = chain.len();
            }
            chain.push(next);
            at = next;
        }
        for c in chain {
            if let Some(r) = reported.get_mut(c) {
                *r = true;
            }
            if let Some(p) = on_chain.get_mut(c) {
                *p = usize::MAX;
            }
        }
    }
}

fn extension_cycle(policy: &Policy, cycle: &[usize], closes_at: usize) -> Error {
    let names = cycle
        .iter()
        .chain([&closes_at])
        .filter_map(|&c| policy.roles.get(c))
        .map(|r| format!("`{}`", r.name))
        .collect::<Vec<_>>()
        .join(" → ");
    Error::new(
        ErrorKind::ExtensionCycle,
        format!("roles extend each other in a cycle: {names}"),
    )
}

fn set_bit(row: &mut [u64], id: usize) {
    if let Some(w) = row.get_mut(id / 64) {
        *w |= 1u64 << (id % 64);
    }
}

/// A bitset of `n` bits as bytes, bit `i % 8` of byte `i / 8` for bit `i`.
fn to_bytes(row: &[u64], n: usize) -> Vec<u8> {
    row.iter()
        .flat_map(|w| w.to_le_bytes())
        .take(n.div_ceil(8))
        .collect()
}
