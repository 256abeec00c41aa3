//! Holder limits: a role's `min_holders` / `max_holders` against the active subjects
//! granted it (on any scope, expiring or not), naming the holders.

use crate::error::{Error, ErrorKind};
use crate::policy::document::{Policy, RoleDecl};

pub(super) fn holder_limits(policy: &Policy, errors: &mut Vec<Error>) {
    for (i, role) in policy.roles.iter().enumerate() {
        if role.min_holders.is_some() || role.max_holders.is_some() {
            check_role(i, role, &holders(policy, role), errors);
        }
    }
}

/// The active subjects granted `role`.
fn holders<'p>(policy: &'p Policy, role: &RoleDecl) -> Vec<&'p str> {
    policy
        .subjects
        .iter()
        .filter(|s| s.active && s.grants.iter().any(|g| g.role == role.name))
        .map(|s| s.id.as_str())
        .collect()
}

fn check_role(i: usize, role: &RoleDecl, holders: &[&str], errors: &mut Vec<Error>) {
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
