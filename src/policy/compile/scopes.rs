//! The scope tree: unique ids, exactly one root, known parents, no cycles, bounded depth,
//! and the pre-order numbering that makes "at or below" an interval test.

use std::collections::HashMap;

use super::catalog::Interner;
use super::diagnostics::Diagnostics;
use super::invalid_id;
use crate::error::{Error, ErrorKind};
use crate::policy::document::{Policy, ScopeDecl};
use crate::policy::limits::MAX_SCOPE_DEPTH;
use crate::policy::names::is_id;
use crate::snapshot::payload::Scope;

/// Marks a document index the pre-order walk has not reached.
const UNREACHED: u32 = u32::MAX;

pub(super) struct ScopeTree<'p> {
    /// Document index of each scope id (first occurrence).
    pub(super) index: HashMap<&'p str, usize>,
    /// Document indices in pre-order.
    preorder: Vec<usize>,
    /// Pre-order number of each document index.
    numbers: Vec<u32>,
}

impl ScopeTree<'_> {
    pub(super) fn number(&self, doc: usize) -> u32 {
        self.numbers.get(doc).copied().unwrap_or(0)
    }

    /// The payload's scopes in pre-order, each naming its parent by pre-order number.
    pub(super) fn scopes(&self, policy: &Policy) -> ScopeList {
        let mut kinds = Interner::default();
        let scopes = self
            .preorder
            .iter()
            .filter_map(|&doc| {
                let decl = policy.scopes.get(doc)?;
                let parent = decl
                    .parent
                    .as_ref()
                    .and_then(|p| self.index.get(p.as_str()))
                    .map_or(0, |&d| self.number(d));
                Some(Scope {
                    id: decl.id.clone(),
                    parent,
                    kind: kinds.intern(&decl.kind),
                    name: decl.name.clone(),
                })
            })
            .collect();
        ScopeList {
            scopes,
            kinds: kinds.list,
        }
    }
}

/// Scopes and the kind labels they index (kept apart so the payload can hold both).
pub(super) struct ScopeList {
    pub(super) scopes: Vec<Scope>,
    pub(super) kinds: Vec<String>,
}

pub(super) fn scope_tree<'p>(policy: &'p Policy, errors: &mut Diagnostics) -> ScopeTree<'p> {
    let scopes = &policy.scopes;
    let index = index_scopes(scopes, errors);
    let roots: Vec<usize> = scopes
        .iter()
        .enumerate()
        .filter(|(_, s)| s.parent.is_none())
        .map(|(i, _)| i)
        .collect();
    check_roots(scopes, &roots, errors);
    let (parent, children) = link_parents(scopes, &index, errors);
    let (preorder, numbers) =
        number_in_preorder(scopes.len(), roots.first().copied(), &children, errors);
    report_cycles(scopes, &roots, &parent, &numbers, errors);
    ScopeTree {
        index,
        preorder,
        numbers,
    }
}

/// Valid, unique scope ids, by document index.
fn index_scopes<'p>(scopes: &'p [ScopeDecl], errors: &mut Diagnostics) -> HashMap<&'p str, usize> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, s) in scopes.iter().enumerate() {
        if s.id == "*" {
            errors.push(
                Error::new(
                    ErrorKind::InvalidName,
                    "a scope cannot be named `*`: it means every scope below the root in grants",
                )
                .at(format!("scopes[{i}].id")),
            );
        } else if !is_id(&s.id) {
            errors.push(invalid_id("scope id", &s.id).at(format!("scopes[{i}].id")));
        } else if let Some(&first) = index.get(s.id.as_str()) {
            errors.push(
                Error::new(
                    ErrorKind::DuplicateScope,
                    format!(
                        "scope id `{}` is used twice (first at `scopes[{first}]`)",
                        s.id
                    ),
                )
                .at(format!("scopes[{i}]")),
            );
        } else {
            index.insert(&s.id, i);
        }
    }
    index
}

/// Exactly one scope, the tenant root, has no parent.
fn check_roots(scopes: &[ScopeDecl], roots: &[usize], errors: &mut Diagnostics) {
    match roots {
        [] if !scopes.is_empty() => errors.push(
            Error::new(
                ErrorKind::RootScope,
                "no root scope: exactly one scope, the tenant root, has no `parent`",
            )
            .at("scopes"),
        ),
        [] => errors.push(
            Error::new(
                ErrorKind::RootScope,
                "no scopes: add the tenant root, a scope without `parent`",
            )
            .at("scopes"),
        ),
        [root, others @ ..] => {
            let root_id = scopes.get(*root).map_or("", |s| s.id.as_str());
            for &other in others {
                let other_id = scopes.get(other).map_or("", |s| s.id.as_str());
                errors.push(
                    Error::new(
                        ErrorKind::RootScope,
                        format!("two root scopes `{root_id}` and `{other_id}`: give `{other_id}` a `parent` (only the tenant root has none)"),
                    )
                    .at(format!("scopes[{other}]")),
                );
            }
        }
    }
}

type Links = (Vec<Option<usize>>, Vec<Vec<usize>>);

/// Parent and child links by document index; unknown parents are reported and cut.
fn link_parents(
    scopes: &[ScopeDecl],
    index: &HashMap<&str, usize>,
    errors: &mut Diagnostics,
) -> Links {
    let mut parent: Vec<Option<usize>> = vec![None; scopes.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); scopes.len()];
    for (i, s) in scopes.iter().enumerate() {
        let Some(p) = &s.parent else { continue };
        match index.get(p.as_str()) {
            Some(&pi) => {
                if let Some(slot) = parent.get_mut(i) {
                    *slot = Some(pi);
                }
                if let Some(c) = children.get_mut(pi) {
                    c.push(i);
                }
            }
            None => {
                let e = unknown_parent(scopes, s, p, errors);
                errors.push(e.at(format!("scopes[{i}].parent")));
            }
        }
    }
    (parent, children)
}

fn unknown_parent(
    scopes: &[ScopeDecl],
    scope: &ScopeDecl,
    parent: &str,
    errors: &mut Diagnostics,
) -> Error {
    let others = scopes
        .iter()
        .map(|x| x.id.as_str())
        .filter(|id| *id != scope.id);
    Error::new(
        ErrorKind::UnknownScope,
        format!(
            "unknown parent scope `{parent}` of scope `{}`{}",
            scope.id,
            errors.hint(parent, others)
        ),
    )
}

/// Pre-order from the root, children in document order: the order and each document
/// index's number ([`UNREACHED`] where the walk did not reach).
fn number_in_preorder(
    count: usize,
    root: Option<usize>,
    children: &[Vec<usize>],
    errors: &mut Diagnostics,
) -> (Vec<usize>, Vec<u32>) {
    let mut preorder = Vec::with_capacity(count);
    let mut numbers = vec![UNREACHED; count];
    let Some(root) = root else {
        return (preorder, numbers);
    };
    let mut stack = vec![(root, 1usize)];
    while let Some((doc, depth)) = stack.pop() {
        if depth > MAX_SCOPE_DEPTH {
            errors.push(
                Error::new(
                    ErrorKind::LimitExceeded,
                    format!("the scope tree is deeper than {MAX_SCOPE_DEPTH} levels"),
                )
                .at(format!("scopes[{doc}]")),
            );
            break;
        }
        if let Some(n) = numbers.get_mut(doc) {
            *n = preorder.len() as u32;
        }
        preorder.push(doc);
        let below = children.get(doc).map(Vec::as_slice).unwrap_or_default();
        stack.extend(below.iter().rev().map(|&child| (child, depth + 1)));
    }
    (preorder, numbers)
}

/// What the walk did not reach hangs below a cycle of parents (or an unknown parent,
/// already reported). Reports each cycle once, where it closes.
fn report_cycles(
    scopes: &[ScopeDecl],
    roots: &[usize],
    parent: &[Option<usize>],
    numbers: &[u32],
    errors: &mut Diagnostics,
) {
    let unreached = |i: usize| numbers.get(i) == Some(&UNREACHED);
    let mut seen = vec![false; scopes.len()];
    for &root in roots {
        if let Some(s) = seen.get_mut(root) {
            *s = true;
        }
    }
    // Where each scope stands in the chain being followed (usize::MAX: not on it).
    let mut on_chain = vec![usize::MAX; scopes.len()];
    for start in 0..scopes.len() {
        if !unreached(start) || seen.get(start) == Some(&true) {
            continue;
        }
        let mut chain = vec![start];
        if let Some(p) = on_chain.get_mut(start) {
            *p = 0;
        }
        let mut at = start;
        while let Some(Some(next)) = parent.get(at).copied() {
            if seen.get(next) == Some(&true) || !unreached(next) {
                break;
            }
            if let Some(&pos) = on_chain.get(next).filter(|&&p| p != usize::MAX) {
                let cycle = chain.get(pos..).unwrap_or_default();
                errors.push(scope_cycle(scopes, cycle, next).at(format!("scopes[{next}].parent")));
                break;
            }
            if let Some(p) = on_chain.get_mut(next) {
                *p = chain.len();
            }
            chain.push(next);
            at = next;
        }
        for c in chain {
            if let Some(s) = seen.get_mut(c) {
                *s = true;
            }
            if let Some(p) = on_chain.get_mut(c) {
                *p = usize::MAX;
            }
        }
    }
}

fn scope_cycle(scopes: &[ScopeDecl], cycle: &[usize], closes_at: usize) -> Error {
    let ids: Vec<&str> = cycle
        .iter()
        .chain([&closes_at])
        .filter_map(|&c| scopes.get(c))
        .map(|s| s.id.as_str())
        .collect();
    let names = ids
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let id = ids.first().copied().unwrap_or("");
    Error::new(
        ErrorKind::ScopeCycle,
        format!("scope `{id}` is its own ancestor: {names}"),
    )
}
