//! The permission catalog: valid, unique names, numbered in document order, with their
//! groups interned.

use std::collections::HashMap;

use super::diagnostics::Diagnostics;
use crate::error::{Error, ErrorKind};
use crate::policy::document::Policy;
use crate::policy::names::{is_permission_name, permission_name_hint};
use crate::snapshot::payload::Permission;

/// Interns labels (groups, kinds) into a list referenced by index.
#[derive(Default)]
pub(super) struct Interner {
    index: HashMap<String, u32>,
    pub(super) list: Vec<String>,
}

impl Interner {
    pub(super) fn intern(&mut self, label: &Option<String>) -> Option<u32> {
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

pub(super) struct Catalog<'p> {
    pub(super) ids: HashMap<&'p str, u32>,
    pub(super) list: Vec<Permission>,
}

pub(super) fn catalog<'p>(
    policy: &'p Policy,
    groups: &mut Interner,
    errors: &mut Diagnostics,
) -> Catalog<'p> {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    let mut list = Vec::with_capacity(policy.permissions.len());
    for (i, p) in policy.permissions.iter().enumerate() {
        let path = format!("permissions[{i}]");
        if !is_permission_name(&p.name) {
            errors.push(invalid_permission_name(&p.name).at(path));
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

fn invalid_permission_name(name: &str) -> Error {
    let advice = match permission_name_hint(name) {
        Some(hint) => format!("use lowercase dotted words (did you mean `{hint}`?)"),
        None => "use lowercase dotted words such as `roles.create`".to_string(),
    };
    Error::new(
        ErrorKind::InvalidName,
        format!("invalid permission name `{name}`: {advice}"),
    )
}
