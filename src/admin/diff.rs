//! What changed between two snapshots (or compiled policies): the review a person reads
//! before a new snapshot ships. Who gained or lost which permission on which scope, the
//! catalog and the roles, with a warning when a system role changed.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::engine::Engine;
use crate::snapshot::payload::{Payload, Role};
use crate::time::Timestamp;

/// A role present in both, with a different permission set or system flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleChange {
    pub name: String,
    pub system: bool,
    pub gained: Vec<String>,
    pub lost: Vec<String>,
    /// The role became a system role, or stopped being one.
    pub system_flag_changed: bool,
}

/// One subject's change on one scope (`None`: the tenant root). A change that every
/// scope below repeats is reported once, at the highest scope where it appears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessChange {
    pub subject: String,
    pub scope: Option<String>,
    pub gained: Vec<String>,
    pub lost: Vec<String>,
}

/// The differences between two snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub permissions_added: Vec<String>,
    pub permissions_removed: Vec<String>,
    pub roles_added: Vec<String>,
    pub roles_removed: Vec<String>,
    pub roles_changed: Vec<RoleChange>,
    pub access: Vec<AccessChange>,
    /// Changes a reviewer must not miss (system roles).
    pub warnings: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.permissions_added.is_empty()
            && self.permissions_removed.is_empty()
            && self.roles_added.is_empty()
            && self.roles_removed.is_empty()
            && self.roles_changed.is_empty()
            && self.access.is_empty()
    }
}

fn names(p: &Payload) -> BTreeSet<&str> {
    p.permissions.iter().map(|x| x.name.as_str()).collect()
}

fn role_permissions<'a>(p: &'a Payload, role: &Role) -> BTreeSet<&'a str> {
    p.permissions
        .iter()
        .enumerate()
        .filter(|(i, _)| role.holds(*i))
        .map(|(_, x)| x.name.as_str())
        .collect()
}

fn minus(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> Vec<String> {
    a.difference(b).map(|s| s.to_string()).collect()
}

/// Compares `old` and `new` as of `now` (grants expiring before then count as gone).
pub fn diff(old: &Engine, new: &Engine, now: Timestamp) -> Diff {
    let (a, b) = (old.payload(), new.payload());
    let mut out = Diff {
        permissions_added: minus(&names(b), &names(a)),
        permissions_removed: minus(&names(a), &names(b)),
        ..Diff::default()
    };

    for role in &b.roles {
        match a.roles.iter().find(|r| r.name == role.name) {
            None => {
                out.roles_added.push(role.name.clone());
                if role.system {
                    out.warnings
                        .push(format!("system role `{}` was added", role.name));
                }
            }
            Some(before) => {
                let (was, is) = (role_permissions(a, before), role_permissions(b, role));
                let change = RoleChange {
                    name: role.name.clone(),
                    system: role.system,
                    gained: minus(&is, &was),
                    lost: minus(&was, &is),
                    system_flag_changed: before.system != role.system,
                };
                if !change.gained.is_empty()
                    || !change.lost.is_empty()
                    || change.system_flag_changed
                {
                    if role.system || before.system {
                        out.warnings.push(format!(
                            "system role `{}` changed: it affects every holder, and built-in roles are expected to stay fixed",
                            role.name
                        ));
                    }
                    out.roles_changed.push(change);
                }
            }
        }
    }
    for role in &a.roles {
        if !b.roles.iter().any(|r| r.name == role.name) {
            out.roles_removed.push(role.name.clone());
            if role.system {
                out.warnings
                    .push(format!("system role `{}` was removed", role.name));
            }
        }
    }

    out.access = access_changes(old, new, now);
    out
}

/// Per subject and scope, in the new snapshot's scope order (then the old one's).
fn access_changes(old: &Engine, new: &Engine, now: Timestamp) -> Vec<AccessChange> {
    let (a, b) = (old.payload(), new.payload());
    let in_new: HashSet<&str> = b.subjects.iter().map(|s| s.id.as_str()).collect();
    let subjects = b.subjects.iter().chain(
        a.subjects
            .iter()
            .filter(|s| !in_new.contains(s.id.as_str())),
    );
    // Scopes (the root is None) with the position of their parent in this list, new tree
    // first: both trees are in pre-order, so a parent always comes before its children.
    let mut scopes: Vec<(Option<&str>, Option<usize>)> = Vec::new();
    let mut position: HashMap<Option<&str>, usize> = HashMap::new();
    for p in [b, a] {
        for (i, s) in p.scopes.iter().enumerate() {
            let id = (i != 0).then_some(s.id.as_str());
            if position.contains_key(&id) {
                continue;
            }
            let parent = match usize::try_from(s.parent) {
                Ok(j) if i != 0 && j != 0 => p.scopes.get(j).map(|ps| Some(ps.id.as_str())),
                _ => (i != 0).then_some(None),
            };
            position.insert(id, scopes.len());
            scopes.push((id, parent.and_then(|parent| position.get(&parent).copied())));
        }
    }
    let held = |e: &Engine, subject: &str, scope: Option<&str>| -> BTreeSet<String> {
        e.permissions(subject, scope, now)
            .into_iter()
            .map(String::from)
            .collect()
    };
    let mut out = Vec::new();
    for subject in subjects {
        let id = subject.id.as_str();
        // Each scope's (gained, lost), computed once; a change its parent already shows is
        // not repeated.
        let mut changes: Vec<(Vec<String>, Vec<String>)> = Vec::with_capacity(scopes.len());
        for &(scope, parent) in &scopes {
            let (was, is) = (held(old, id, scope), held(new, id, scope));
            let here = (
                is.difference(&was).cloned().collect::<Vec<_>>(),
                was.difference(&is).cloned().collect::<Vec<_>>(),
            );
            let inherited = parent.and_then(|p| changes.get(p)) == Some(&here);
            let unchanged = here.0.is_empty() && here.1.is_empty();
            if !unchanged && !inherited {
                out.push(AccessChange {
                    subject: id.to_string(),
                    scope: scope.map(String::from),
                    gained: here.0.clone(),
                    lost: here.1.clone(),
                });
            }
            changes.push(here);
        }
    }
    out
}
