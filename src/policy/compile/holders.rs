//! Holder limits: a role's `min_holders` / `max_holders` against the active subjects
//! granted it (on any scope, expiring or not), naming the holders.

use std::collections::{HashMap, HashSet};

use super::diagnostics::Diagnostics;
use crate::error::{Error, ErrorKind};
use crate::policy::document::{Policy, RoleDecl};

pub(super) fn holder_limits(policy: &Policy, errors: &mut Diagnostics) {
    let limited: HashSet<&str> = policy
        .roles
        .iter()
        .filter(|r| r.min_holders.is_some() || r.max_holders.is_some())
        .map(|r| r.name.as_str())
        .collect();
    if limited.is_empty() {
        return;
    }
    let holders = holders(policy, &limited);
    for (i, role) in policy.roles.iter().enumerate() {
        if limited.contains(role.name.as_str()) {
            let of_role = holders
                .get(role.name.as_str())
                .map_or(&[][..], Vec::as_slice);
            check_role(i, role, of_role, errors);
        }
    }
}

/// The active subjects granted each of the `limited` roles, in document order, each once.
fn holders<'p>(policy: &'p Policy, limited: &HashSet<&str>) -> HashMap<&'p str, Vec<&'p str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in policy.subjects.iter().filter(|s| s.active) {
        let mine: HashSet<&str> = s
            .grants
            .iter()
            .map(|g| g.role.as_str())
            .filter(|r| limited.contains(r))
            .collect();
        for role in mine {
            out.entry(role).or_default().push(s.id.as_str());
        }
    }
    out
}

fn check_role(i: usize, role: &RoleDecl, holders: &[&str], errors: &mut Diagnostics) {
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
