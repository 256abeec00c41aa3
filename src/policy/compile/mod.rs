//! The compiler: validates a policy document, expands patterns and extensions, interns
//! names and numbers scopes in pre-order, producing a snapshot [`Payload`].
//!
//! Every mistake found is reported (not only the first), each with its JSON path, the
//! line when the source text is known, and a suggestion when a near name exists.

mod catalog;
mod diagnostics;
mod holders;
mod roles;
mod scopes;
mod subjects;

use catalog::{Interner, catalog};
use diagnostics::Diagnostics;
pub use diagnostics::{MAX_ERRORS, MAX_HINTS};
use holders::holder_limits;
use roles::roles;
use scopes::scope_tree;
use subjects::subjects;

use crate::error::{Error, ErrorKind, Result};
use crate::policy::document::{POLICY_FORMAT, Policy, with_line};
use crate::policy::limits;
use crate::policy::names::is_id;
use crate::snapshot::payload::Payload;
use crate::time::Timestamp;

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
    limits::check_revision(options.revision).map_err(|e| vec![e])?;
    check_counts(policy).map_err(|e| vec![e])?;
    let mut errors = Diagnostics::new();
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
        return Err(errors.into_errors());
    }

    let scopes = tree.scopes(policy);
    Ok(Payload {
        tenant: policy.tenant.clone(),
        revision: options.revision,
        issued_at: options.issued_at,
        expires_at: options.expires_at,
        subject: None,
        groups: groups.list,
        kinds: scopes.kinds,
        permissions: permissions.list,
        scopes: scopes.scopes,
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

/// An invalid tenant, scope, role or subject id, saying why.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::payload::GrantScope;

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
    fn refuses_revisions_javascript_cannot_hold_exactly() {
        let src = policy("", "");
        let at = |revision| BuildOptions {
            revision,
            ..OPTIONS
        };
        assert!(compile_json(&src, &at(limits::MAX_REVISION)).is_ok());
        for revision in [limits::MAX_REVISION + 1, 9_007_199_254_740_995, u64::MAX] {
            let err = compile_json(&src, &at(revision)).unwrap_err();
            assert_eq!(err.code(), "LIMIT_EXCEEDED", "{err}");
            assert!(err.message().contains("2^53 - 1"), "{err}");
        }
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
