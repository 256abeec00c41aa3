//! The compiler: validates a policy document, expands patterns and extensions, interns
//! names and numbers scopes in pre-order, producing a snapshot [`Payload`].
//!
//! Every mistake found is reported (not only the first), each with its JSON path, the
//! line when the source text is known, and a suggestion when a near name exists.

use std::collections::HashMap;

use super::limits::{self, MAX_SCOPE_DEPTH};
use crate::encoding::hex_decode;
use crate::error::{Error, ErrorKind, Result};
use crate::policy::document::{POLICY_FORMAT, Policy, with_line};
use crate::policy::names::{
    is_id, is_pattern, is_permission_name, pattern_matches, permission_name_hint,
};
use crate::policy::suggest::{did_you_mean, suggest};
use crate::snapshot::payload::{
    Grant, GrantScope, Payload, Permission, Role, Scope, Subject, SubjectKind,
};
use crate::time::{Timestamp, parse_rfc3339};

/// The header of the snapshot being built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildOptions {
    pub revision: u64,
    pub issued_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

/// Compiles a policy; on mistakes returns the first (see [`diagnose`] for all).
pub fn compile(policy: &Policy, options: &BuildOptions) -> Result<Payload> {
    build(policy, options).map_err(first)
}

/// Parses and compiles a policy document's text; errors carry their line.
pub fn compile_json(src: &str, options: &BuildOptions) -> Result<Payload> {
    compile_document(src, options).map(|(_, payload)| payload)
}

/// As [`compile_json`], keeping the parsed document too (for its descriptions and
/// document paths, which the payload does not carry).
pub fn compile_document(src: &str, options: &BuildOptions) -> Result<(Policy, Payload)> {
    let policy = Policy::from_json(src)?;
    let payload = compile(&policy, options).map_err(|e| with_line(e, src))?;
    Ok((policy, payload))
}

/// Every mistake in a policy document's text, each located by path and line; empty
/// when the policy compiles.
pub fn diagnose(src: &str) -> Vec<Error> {
    let policy = match Policy::from_json(src) {
        Ok(p) => p,
        Err(e) => return vec![e],
    };
    let options = BuildOptions {
        revision: 0,
        issued_at: 0,
        expires_at: None,
    };
    match build(&policy, &options) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| with_line(e, src)).collect(),
    }
}

fn first(mut errors: Vec<Error>) -> Error {
    if errors.is_empty() {
        Error::new(ErrorKind::PolicySyntax, "policy does not compile")
    } else {
        errors.swap_remove(0)
    }
}

/// Interns labels (groups, kinds) into a list referenced by index.
#[derive(Default)]
struct Interner {
    index: HashMap<String, u32>,
    list: Vec<String>,
}

impl Interner {
    fn intern(&mut self, label: &Option<String>) -> Option<u32> {
        let label = label.as_ref()?;
        if let Some(&i) = self.index.get(label) {
            return Some(i);
        }
        let i = self.list.len() as u32;
        self.index.insert(label.clone(), i);
        self.list.push(label.clone());
        Some(i)
    }
}

fn build(policy: &Policy, options: &BuildOptions) -> Result<Payload, Vec<Error>> {
    if policy.format != POLICY_FORMAT {
        return Err(vec![
            Error::new(
                ErrorKind::UnsupportedFormat,
                format!(
                    "unsupported policy format `{}`: use `{POLICY_FORMAT}`",
                    policy.format
                ),
            )
            .at("format"),
        ]);
    }
    check_counts(policy).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    if !is_id(&policy.tenant) {
        errors.push(invalid_id("tenant", &policy.tenant).at("tenant"));
    }
    let mut groups = Interner::default();
    let permissions = catalog(policy, &mut groups, &mut errors);
    let tree = scope_tree(policy, &mut errors);
    let roles = roles(policy, &permissions, &mut errors);
    let subjects = subjects(policy, &roles, &tree, &mut errors);
    holder_limits(policy, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut kinds = Interner::default();
    let scopes = tree
        .preorder
        .iter()
        .filter_map(|&doc| {
            let decl = policy.scopes.get(doc)?;
            let parent = decl
                .parent
                .as_ref()
                .and_then(|p| tree.index.get(p.as_str()))
                .map_or(0, |&d| tree.number(d));
            Some(Scope {
                id: decl.id.clone(),
                parent,
                kind: kinds.intern(&decl.kind),
                name: decl.name.clone(),
            })
        })
        .collect();
    Ok(Payload {
        tenant: policy.tenant.clone(),
        revision: options.revision,
        issued_at: options.issued_at,
        expires_at: options.expires_at,
        subject: None,
        groups: groups.list,
        kinds: kinds.list,
        permissions: permissions.list,
        scopes,
        roles: roles.list,
        subjects,
    })
}

fn check_counts(policy: &Policy) -> Result<()> {
    limits::check(
        "permissions",
        policy.permissions.len(),
        limits::MAX_PERMISSIONS,
    )?;
    limits::check("roles", policy.roles.len(), limits::MAX_ROLES)?;
    limits::check("scopes", policy.scopes.len(), limits::MAX_SCOPES)?;
    limits::check("subjects", policy.subjects.len(), limits::MAX_SUBJECTS)?;
    for (i, s) in policy.subjects.iter().enumerate() {
        limits::check(
            "grants of one subject",
            s.grants.len(),
            limits::MAX_GRANTS_PER_SUBJECT,
        )
        .map_err(|e| e.at(format!("subjects[{i}].grants")))?;
    }
    Ok(())
}

fn invalid_id(what: &str, id: &str) -> Error {
    let why = if id.is_empty() {
        "it is empty".to_string()
    } else if id.len() > limits::MAX_NAME_BYTES {
        format!("it is longer than {} bytes", limits::MAX_NAME_BYTES)
    } else {
        "it contains control characters".to_string()
    };
    Error::new(
        ErrorKind::InvalidName,
        format!("invalid {what} `{id}`: {why}"),
    )
}

struct Catalog<'p> {
    ids: HashMap<&'p str, u32>,
    list: Vec<Permission>,
}

fn catalog<'p>(policy: &'p Policy, groups: &mut Interner, errors: &mut Vec<Error>) -> Catalog<'p> {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    let mut list = Vec::with_capacity(policy.permissions.len());
    for (i, p) in policy.permissions.iter().enumerate() {
        let path = format!("permissions[{i}]");
        if !is_permission_name(&p.name) {
            let advice = match permission_name_hint(&p.name) {
                Some(hint) => format!("use lowercase dotted words (did you mean `{hint}`?)"),
                None => "use lowercase dotted words such as `roles.create`".to_string(),
            };
            errors.push(
                Error::new(
                    ErrorKind::InvalidName,
                    format!("invalid permission name `{}`: {advice}", p.name),
                )
                .at(path),
            );
            continue;
        }
        if let Some(first) = first_at.get(p.name.as_str()) {
            errors.push(
                Error::new(
                    ErrorKind::DuplicatePermission,
                    format!(
                        "permission `{}` is listed twice (first at `permissions[{first}]`)",
                        p.name
                    ),
                )
                .at(path),
            );
            continue;
        }
        first_at.insert(&p.name, i);
        ids.insert(&p.name, list.len() as u32);
        list.push(Permission {
            name: p.name.clone(),
            group: groups.intern(&p.group),
        });
    }
    Catalog { ids, list }
}

struct ScopeTree<'p> {
    /// Document index of each scope id (first occurrence).
    index: HashMap<&'p str, usize>,
    /// Document indices in pre-order.
    preorder: Vec<usize>,
    /// Pre-order number of each document index.
    numbers: Vec<u32>,
}

impl ScopeTree<'_> {
    fn number(&self, doc: usize) -> u32 {
        self.numbers.get(doc).copied().unwrap_or(0)
    }
}

fn scope_tree<'p>(policy: &'p Policy, errors: &mut Vec<Error>) -> ScopeTree<'p> {
    let scopes = &policy.scopes;
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, s) in scopes.iter().enumerate() {
        if !is_id(&s.id) || s.id == "*" {
            let e = if s.id == "*" {
                Error::new(
                    ErrorKind::InvalidName,
                    "a scope cannot be named `*`: it means every scope below the root in grants",
                )
            } else {
                invalid_id("scope id", &s.id)
            };
            errors.push(e.at(format!("scopes[{i}].id")));
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

    let roots: Vec<usize> = scopes
        .iter()
        .enumerate()
        .filter(|(_, s)| s.parent.is_none())
        .map(|(i, _)| i)
        .collect();
    match roots.as_slice() {
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

    // Parent links by document index; unknown parents are reported and cut.
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
                let hint = suggest(
                    p,
                    scopes
                        .iter()
                        .map(|x| x.id.as_str())
                        .filter(|id| *id != s.id),
                );
                errors.push(
                    Error::new(
                        ErrorKind::UnknownScope,
                        format!(
                            "unknown parent scope `{p}` of scope `{}`{}",
                            s.id,
                            did_you_mean(hint)
                        ),
                    )
                    .at(format!("scopes[{i}].parent")),
                );
            }
        }
    }

    // Pre-order from the root, children in document order.
    let mut preorder = Vec::with_capacity(scopes.len());
    let mut numbers = vec![u32::MAX; scopes.len()];
    if let Some(&root) = roots.first() {
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
            for &child in children
                .get(doc)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .rev()
            {
                stack.push((child, depth + 1));
            }
        }
    }

    // What the walk did not reach hangs below a cycle of parents (or an unknown parent,
    // already reported). Report each cycle once, where it closes.
    let mut seen = vec![false; scopes.len()];
    for start in 0..scopes.len() {
        if numbers.get(start) != Some(&u32::MAX)
            || seen.get(start) == Some(&true)
            || roots.contains(&start)
        {
            continue;
        }
        let mut chain = vec![start];
        let mut at = start;
        while let Some(Some(next)) = parent.get(at).copied() {
            if seen.get(next) == Some(&true) || numbers.get(next) != Some(&u32::MAX) {
                break;
            }
            if let Some(pos) = chain.iter().position(|&c| c == next) {
                let cycle: Vec<&str> = chain
                    .get(pos..)
                    .unwrap_or_default()
                    .iter()
                    .chain([&next])
                    .filter_map(|&c| scopes.get(c))
                    .map(|s| s.id.as_str())
                    .collect();
                let names = cycle
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" → ");
                let id = cycle.first().copied().unwrap_or("");
                errors.push(
                    Error::new(
                        ErrorKind::ScopeCycle,
                        format!("scope `{id}` is its own ancestor: {names}"),
                    )
                    .at(format!("scopes[{next}].parent")),
                );
                break;
            }
            chain.push(next);
            at = next;
        }
        for c in chain {
            if let Some(s) = seen.get_mut(c) {
                *s = true;
            }
        }
    }

    ScopeTree {
        index,
        preorder,
        numbers,
    }
}

struct Roles<'p> {
    index: HashMap<&'p str, usize>,
    list: Vec<Role>,
}

fn roles<'p>(policy: &'p Policy, catalog: &Catalog<'_>, errors: &mut Vec<Error>) -> Roles<'p> {
    let n = catalog.list.len();
    let words = n.div_ceil(64);
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, r) in policy.roles.iter().enumerate() {
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

    // Direct permissions of each role, and its extensions, by document index.
    let mut bits: Vec<Vec<u64>> = vec![vec![0; words]; policy.roles.len()];
    let mut extends: Vec<Vec<usize>> = vec![Vec::new(); policy.roles.len()];
    for (i, r) in policy.roles.iter().enumerate() {
        if !r.system && r.permissions.is_empty() && r.extends.is_empty() {
            errors.push(
                Error::new(
                    ErrorKind::EmptyRole,
                    format!("custom role `{}` has no permissions: give it at least one permission or extend a role", r.name),
                )
                .at(format!("roles[{i}]")),
            );
        }
        let row = bits.get_mut(i);
        let mut row = row.map(std::mem::take).unwrap_or_default();
        for (j, entry) in r.permissions.iter().enumerate() {
            let path = format!("roles[{i}].permissions[{j}]");
            if entry.contains('*') {
                if !is_pattern(entry) {
                    errors.push(
                        Error::new(
                            ErrorKind::InvalidName,
                            format!("invalid permission pattern `{entry}` in role `{}`: use lowercase dotted words and `*`", r.name),
                        )
                        .at(path),
                    );
                    continue;
                }
                let mut matched = false;
                for (id, p) in catalog.list.iter().enumerate() {
                    if pattern_matches(entry, &p.name) {
                        set_bit(&mut row, id);
                        matched = true;
                    }
                }
                if !matched {
                    errors.push(
                        Error::new(
                            ErrorKind::PatternMatchesNothing,
                            format!("pattern `{entry}` in role `{}` matches no permission in the catalog", r.name),
                        )
                        .at(path),
                    );
                }
            } else if let Some(&id) = catalog.ids.get(entry.as_str()) {
                set_bit(&mut row, id as usize);
            } else {
                let hint = suggest(entry, catalog.list.iter().map(|p| p.name.as_str()));
                errors.push(
                    Error::new(
                        ErrorKind::UnknownPermission,
                        format!(
                            "unknown permission `{entry}` in role `{}`{}",
                            r.name,
                            did_you_mean(hint)
                        ),
                    )
                    .at(path),
                );
            }
        }
        if let Some(slot) = bits.get_mut(i) {
            *slot = row;
        }
        for (j, e) in r.extends.iter().enumerate() {
            match index.get(e.as_str()) {
                Some(&target) => {
                    if let Some(x) = extends.get_mut(i) {
                        x.push(target);
                    }
                }
                None => {
                    let hint = suggest(e, policy.roles.iter().map(|r| r.name.as_str()));
                    errors.push(
                        Error::new(
                            ErrorKind::UnknownRole,
                            format!(
                                "role `{}` extends unknown role `{e}`{}",
                                r.name,
                                did_you_mean(hint)
                            ),
                        )
                        .at(format!("roles[{i}].extends[{j}]")),
                    );
                }
            }
        }
    }

    // Expand extensions in dependency order (Kahn); what is left is on or behind a cycle.
    let count = policy.roles.len();
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
            let inherited = bits.get(e).cloned().unwrap_or_default();
            if let Some(row) = bits.get_mut(r) {
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
    let mut reported = vec![false; count];
    for start in 0..count {
        if done.get(start) != Some(&false) || reported.get(start) == Some(&true) {
            continue;
        }
        // Follow unfinished extensions until a role repeats (a cycle) or a reported one.
        let mut chain = vec![start];
        let mut at = start;
        loop {
            let next = extends
                .get(at)
                .and_then(|x| x.iter().copied().find(|&e| done.get(e) == Some(&false)));
            let Some(next) = next else { break };
            if reported.get(next) == Some(&true) {
                break;
            }
            if let Some(pos) = chain.iter().position(|&c| c == next) {
                let names = chain
                    .get(pos..)
                    .unwrap_or_default()
                    .iter()
                    .chain([&next])
                    .filter_map(|&c| policy.roles.get(c))
                    .map(|r| format!("`{}`", r.name))
                    .collect::<Vec<_>>()
                    .join(" → ");
                let j = policy.roles.get(at).and_then(|r| {
                    r.extends
                        .iter()
                        .position(|e| index.get(e.as_str()) == Some(&next))
                });
                errors.push(
                    Error::new(
                        ErrorKind::ExtensionCycle,
                        format!("roles extend each other in a cycle: {names}"),
                    )
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

    let list = policy
        .roles
        .iter()
        .zip(bits)
        .map(|(r, row)| Role {
            name: r.name.clone(),
            system: r.system,
            permissions: to_bytes(&row, n),
        })
        .collect();
    Roles { index, list }
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

fn subjects(
    policy: &Policy,
    roles: &Roles<'_>,
    tree: &ScopeTree<'_>,
    errors: &mut Vec<Error>,
) -> Vec<Subject> {
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    let mut tokens: HashMap<[u8; 32], &str> = HashMap::new();
    let mut out = Vec::with_capacity(policy.subjects.len());
    for (i, s) in policy.subjects.iter().enumerate() {
        if !is_id(&s.id) {
            errors.push(invalid_id("subject id", &s.id).at(format!("subjects[{i}].id")));
        } else if let Some(&first) = first_at.get(s.id.as_str()) {
            errors.push(
                Error::new(
                    ErrorKind::DuplicateSubject,
                    format!(
                        "subject `{}` is defined twice (first at `subjects[{first}]`)",
                        s.id
                    ),
                )
                .at(format!("subjects[{i}]")),
            );
        } else {
            first_at.insert(&s.id, i);
        }
        let kind = match s.kind.as_str() {
            "user" => Some(SubjectKind::User),
            "api_key" => Some(SubjectKind::ApiKey),
            other => {
                errors.push(
                    Error::new(
                        ErrorKind::UnknownSubjectKind,
                        format!(
                            "unknown kind `{other}` of subject `{}`: use `user` or `api_key`",
                            s.id
                        ),
                    )
                    .at(format!("subjects[{i}].kind")),
                );
                None
            }
        };
        let token_sha256 = s.token_sha256.as_ref().and_then(|t| {
            let path = format!("subjects[{i}].token_sha256");
            if kind == Some(SubjectKind::User) {
                errors.push(
                    Error::new(
                        ErrorKind::BadTokenHash,
                        format!("subject `{}` is a user and cannot have a `token_sha256`: only API keys have tokens", s.id),
                    )
                    .at(path),
                );
                return None;
            }
            let Some(hash) = hex_decode::<32>(t) else {
                errors.push(
                    Error::new(
                        ErrorKind::BadTokenHash,
                        format!("bad `token_sha256` `{t}` of API key `{}`: expected 64 hex digits, the SHA-256 of the token", s.id),
                    )
                    .at(path),
                );
                return None;
            };
            if let Some(other) = tokens.insert(hash, &s.id) {
                errors.push(
                    Error::new(
                        ErrorKind::DuplicateToken,
                        format!("API keys `{other}` and `{}` have the same token hash: every key needs its own token", s.id),
                    )
                    .at(path),
                );
            }
            Some(hash)
        });
        let mut grants = Vec::with_capacity(s.grants.len());
        for (j, g) in s.grants.iter().enumerate() {
            let path = format!("subjects[{i}].grants[{j}]");
            let role = roles.index.get(g.role.as_str()).map(|&r| r as u32);
            if role.is_none() {
                let hint = suggest(&g.role, policy.roles.iter().map(|r| r.name.as_str()));
                errors.push(
                    Error::new(
                        ErrorKind::UnknownRole,
                        format!(
                            "unknown role `{}` in grant of `{}`{}",
                            g.role,
                            s.id,
                            did_you_mean(hint)
                        ),
                    )
                    .at(format!("{path}.role")),
                );
            }
            let scope = if g.scope == "*" {
                Some(GrantScope::BelowRoot)
            } else {
                let found = tree
                    .index
                    .get(g.scope.as_str())
                    .map(|&d| GrantScope::Scope(tree.number(d)));
                if found.is_none() {
                    let hint = suggest(&g.scope, policy.scopes.iter().map(|s| s.id.as_str()));
                    errors.push(
                        Error::new(
                            ErrorKind::UnknownScope,
                            format!(
                                "unknown scope `{}` in grant of `{}`{}",
                                g.scope,
                                s.id,
                                did_you_mean(hint)
                            ),
                        )
                        .at(format!("{path}.scope")),
                    );
                }
                found
            };
            let expires_at = match &g.expires_at {
                None => None,
                Some(text) => {
                    let parsed = parse_rfc3339(text);
                    if parsed.is_none() {
                        errors.push(
                            Error::new(
                                ErrorKind::BadTimestamp,
                                format!(
                                    "bad `expires_at` `{text}` in grant of `{}`: use RFC 3339, such as `2026-12-01T00:00:00Z`",
                                    s.id
                                ),
                            )
                            .at(format!("{path}.expires_at")),
                        );
                    }
                    parsed
                }
            };
            if let (Some(role), Some(scope)) = (role, scope) {
                grants.push(Grant {
                    role,
                    scope,
                    expires_at,
                });
            }
        }
        out.push(Subject {
            id: s.id.clone(),
            kind: kind.unwrap_or(SubjectKind::User),
            active: s.active,
            token_sha256,
            grants,
        });
    }
    out
}

/// Checks each role's `min_holders` / `max_holders` against the active subjects granted
/// it (on any scope, expiring or not), naming the holders.
fn holder_limits(policy: &Policy, errors: &mut Vec<Error>) {
    for (i, role) in policy.roles.iter().enumerate() {
        if role.min_holders.is_none() && role.max_holders.is_none() {
            continue;
        }
        let holders: Vec<&str> = policy
            .subjects
            .iter()
            .filter(|s| s.active && s.grants.iter().any(|g| g.role == role.name))
            .map(|s| s.id.as_str())
            .collect();
        let named = match holders.len() {
            0 => "none does".to_string(),
            1 => format!("1 does: {}", holders.join(", ")),
            n => format!("{n} do: {}", holders.join(", ")),
        };
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        let limit = |path: &str, message: String| {
            Error::new(ErrorKind::HolderLimit, message).at(format!("roles[{i}].{path}"))
        };
        match (role.min_holders, role.max_holders) {
            (Some(min), Some(max)) if min > max => errors.push(limit(
                "min_holders",
                format!(
                    "role `{}` needs at least {min} holders but allows at most {max}",
                    role.name
                ),
            )),
            (min, max) => {
                if let Some(min) = min.filter(|&m| holders.len() < m as usize) {
                    errors.push(limit(
                        "min_holders",
                        format!(
                            "role `{}` needs at least {min} active holder{}, but {named}",
                            role.name,
                            plural(min)
                        ),
                    ));
                }
                if let Some(max) = max.filter(|&m| holders.len() > m as usize) {
                    errors.push(limit(
                        "max_holders",
                        format!(
                            "role `{}` allows at most {max} holder{}, but {named}",
                            role.name,
                            plural(max)
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: BuildOptions = BuildOptions {
        revision: 1,
        issued_at: 0,
        expires_at: None,
    };

    fn policy(extra_roles: &str, grants: &str) -> String {
        format!(
            r#"{{"format": "rolegate.policy/1", "tenant": "t",
            "permissions": ["a.view", "a.edit", "b.view"],
            "scopes": [{{"id": "root"}}, {{"id": "p1", "parent": "root"}}, {{"id": "e1", "parent": "p1"}}, {{"id": "p2", "parent": "root"}}],
            "roles": [{{"name": "viewer", "permissions": ["*.view"]}}{extra_roles}],
            "subjects": [{{"id": "u", "kind": "user", "grants": [{grants}]}}]}}"#
        )
    }

    #[test]
    fn compiles_patterns_extensions_and_preorder() {
        let src = policy(
            r#", {"name": "editor", "extends": ["viewer"], "permissions": ["a.edit"]}"#,
            r#"{"role": "editor", "scope": "p1"}"#,
        );
        let p = compile_json(&src, &OPTIONS).unwrap();
        assert_eq!(p.roles[0].permissions, vec![0b101]);
        assert_eq!(p.roles[1].permissions, vec![0b111]);
        let ids: Vec<&str> = p.scopes.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["root", "p1", "e1", "p2"]);
        assert_eq!(p.scopes[2].parent, 1);
        assert_eq!(p.subjects[0].grants[0].scope, GrantScope::Scope(1));
    }

    #[test]
    fn reports_every_mistake_with_path_and_line() {
        let src = policy(
            r#", {"name": "empty", "permissions": []}"#,
            r#"{"role": "viewr", "scope": "e11"}"#,
        );
        let errors = diagnose(&src);
        let codes: Vec<&str> = errors.iter().map(Error::code).collect();
        assert_eq!(codes, ["EMPTY_ROLE", "UNKNOWN_ROLE", "UNKNOWN_SCOPE"]);
        assert_eq!(errors[1].path(), Some("subjects[0].grants[0].role"));
        assert_eq!(errors[1].line(), Some(5));
        assert!(
            errors[1].message().contains("did you mean `viewer`?"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].message().contains("did you mean `e1`?"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn refuses_other_formats() {
        let src = policy("", "").replace("rolegate.policy/1", "rolegate.policy/2");
        assert_eq!(
            compile_json(&src, &OPTIONS).unwrap_err().code(),
            "UNSUPPORTED_FORMAT"
        );
    }
}
