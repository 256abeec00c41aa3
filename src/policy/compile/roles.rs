//! Roles: unique names, each role's direct permissions (names and `*` patterns) as a
//! bitset over the catalog, extensions expanded in dependency order, cycles reported.

use std::collections::HashMap;

use super::catalog::Catalog;
use super::invalid_id;
use crate::error::{Error, ErrorKind};
use crate::policy::document::{Policy, RoleDecl};
use crate::policy::names::{is_id, is_pattern, pattern_matches};
use crate::policy::suggest::{did_you_mean, suggest};
use crate::snapshot::payload::Role;

pub(super) struct Roles<'p> {
    pub(super) index: HashMap<&'p str, usize>,
    pub(super) list: Vec<Role>,
}

/// A permission bitset over the catalog, 64 permissions a word.
type Row = Vec<u64>;

pub(super) fn roles<'p>(
    policy: &'p Policy,
    catalog: &Catalog<'_>,
    errors: &mut Vec<Error>,
) -> Roles<'p> {
    let index = index_roles(&policy.roles, errors);
    let words = catalog.list.len().div_ceil(64);
    let mut rows: Vec<Row> = Vec::with_capacity(policy.roles.len());
    let mut extends: Vec<Vec<usize>> = Vec::with_capacity(policy.roles.len());
    for (i, role) in policy.roles.iter().enumerate() {
        if !role.system && role.permissions.is_empty() && role.extends.is_empty() {
            errors.push(empty_role(role).at(format!("roles[{i}]")));
        }
        rows.push(direct_permissions(i, role, catalog, words, errors));
        extends.push(extended_roles(i, role, policy, &index, errors));
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
fn index_roles<'p>(roles: &'p [RoleDecl], errors: &mut Vec<Error>) -> HashMap<&'p str, usize> {
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
fn direct_permissions(
    i: usize,
    role: &RoleDecl,
    catalog: &Catalog<'_>,
    words: usize,
    errors: &mut Vec<Error>,
) -> Row {
    let mut row = vec![0; words];
    for (j, entry) in role.permissions.iter().enumerate() {
        let path = format!("roles[{i}].permissions[{j}]");
        let found = if entry.contains('*') {
            pattern_bits(entry, role, catalog, &mut row)
        } else {
            name_bit(entry, role, catalog, &mut row)
        };
        if let Err(e) = found {
            errors.push(e.at(path));
        }
    }
    row
}

/// Sets the bits of every catalog permission `pattern` matches.
fn pattern_bits(
    pattern: &str,
    role: &RoleDecl,
    catalog: &Catalog<'_>,
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
    let mut matched = false;
    for (id, p) in catalog.list.iter().enumerate() {
        if pattern_matches(pattern, &p.name) {
            set_bit(row, id);
            matched = true;
        }
    }
    if matched {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::PatternMatchesNothing,
            format!(
                "pattern `{pattern}` in role `{}` matches no permission in the catalog",
                role.name
            ),
        ))
    }
}

/// Sets the bit of catalog permission `name`.
fn name_bit(
    name: &str,
    role: &RoleDecl,
    catalog: &Catalog<'_>,
    row: &mut Row,
) -> Result<(), Error> {
    if let Some(&id) = catalog.ids.get(name) {
        set_bit(row, id as usize);
        return Ok(());
    }
    let hint = suggest(name, catalog.list.iter().map(|p| p.name.as_str()));
    Err(Error::new(
        ErrorKind::UnknownPermission,
        format!(
            "unknown permission `{name}` in role `{}`{}",
            role.name,
            did_you_mean(hint)
        ),
    ))
}

/// The document indices of the roles role `i` extends; unknown ones are reported.
fn extended_roles(
    i: usize,
    role: &RoleDecl,
    policy: &Policy,
    index: &HashMap<&str, usize>,
    errors: &mut Vec<Error>,
) -> Vec<usize> {
    let mut targets = Vec::with_capacity(role.extends.len());
    for (j, e) in role.extends.iter().enumerate() {
        match index.get(e.as_str()) {
            Some(&target) => targets.push(target),
            None => {
                let hint = suggest(e, policy.roles.iter().map(|r| r.name.as_str()));
                errors.push(
                    Error::new(
                        ErrorKind::UnknownRole,
                        format!(
                            "role `{}` extends unknown role `{e}`{}",
                            role.name,
                            did_you_mean(hint)
                        ),
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
    errors: &mut Vec<Error>,
) {
    let unfinished = |r: usize| done.get(r) == Some(&false);
    let mut reported = vec![false; done.len()];
    for start in 0..done.len() {
        if !unfinished(start) || reported.get(start) == Some(&true) {
            continue;
        }
        let mut chain = vec![start];
        let mut at = start;
        loop {
            let next = extends
                .get(at)
                .and_then(|x| x.iter().copied().find(|&e| unfinished(e)));
            let Some(next) = next else { break };
            if reported.get(next) == Some(&true) {
                break;
            }
            if let Some(pos) = chain.iter().position(|&c| c == next) {
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
            chain.push(next);
            at = next;
        }
        for c in chain {
            if let Some(r) = reported.get_mut(c) {
                *r = true;
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
