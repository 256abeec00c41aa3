//! Subjects: unique ids, a known kind, API keys' token hashes (unique, never on a user),
//! and grants that name a known role, a known scope or `*`, and a valid expiry.

use std::collections::HashMap;

use super::diagnostics::Diagnostics;
use super::invalid_id;
use super::roles::Roles;
use super::scopes::ScopeTree;
use crate::encoding::hex_decode;
use crate::error::{Error, ErrorKind};
use crate::policy::document::{GrantDecl, Policy, SubjectDecl};
use crate::policy::names::is_id;
use crate::snapshot::payload::{Grant, GrantScope, Subject, SubjectKind};
use crate::time::{Timestamp, parse_rfc3339};

/// What the subjects' checks share: the roles and scopes grants refer to, and the ids and
/// token hashes seen so far.
struct Context<'a, 'p> {
    policy: &'p Policy,
    roles: &'a Roles<'p>,
    tree: &'a ScopeTree<'p>,
    first_at: HashMap<&'p str, usize>,
    tokens: HashMap<[u8; 32], &'p str>,
}

pub(super) fn subjects(
    policy: &Policy,
    roles: &Roles<'_>,
    tree: &ScopeTree<'_>,
    errors: &mut Diagnostics,
) -> Vec<Subject> {
    let mut cx = Context {
        policy,
        roles,
        tree,
        first_at: HashMap::new(),
        tokens: HashMap::new(),
    };
    policy
        .subjects
        .iter()
        .enumerate()
        .map(|(i, s)| cx.subject(i, s, errors))
        .collect()
}

impl<'p> Context<'_, 'p> {
    fn subject(&mut self, i: usize, s: &'p SubjectDecl, errors: &mut Diagnostics) -> Subject {
        self.check_id(i, s, errors);
        let kind = subject_kind(s).map_err(|e| errors.push(e.at(format!("subjects[{i}].kind"))));
        let kind = kind.ok();
        let token_sha256 = s.token_sha256.as_ref().and_then(|t| {
            self.token_hash(s, kind, t)
                .map_err(|e| errors.push(e.at(format!("subjects[{i}].token_sha256"))))
                .ok()
        });
        let grants = s
            .grants
            .iter()
            .enumerate()
            .filter_map(|(j, g)| self.grant(s, g, &format!("subjects[{i}].grants[{j}]"), errors))
            .collect();
        Subject {
            id: s.id.clone(),
            kind: kind.unwrap_or(SubjectKind::User),
            active: s.active,
            token_sha256,
            grants,
        }
    }

    /// A valid id, not used by an earlier subject.
    fn check_id(&mut self, i: usize, s: &'p SubjectDecl, errors: &mut Diagnostics) {
        if !is_id(&s.id) {
            errors.push(invalid_id("subject id", &s.id).at(format!("subjects[{i}].id")));
        } else if let Some(&first) = self.first_at.get(s.id.as_str()) {
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
            self.first_at.insert(&s.id, i);
        }
    }

    /// An API key's token hash, decoded, and not another key's.
    fn token_hash(
        &mut self,
        s: &'p SubjectDecl,
        kind: Option<SubjectKind>,
        text: &str,
    ) -> Result<[u8; 32], Error> {
        if kind == Some(SubjectKind::User) {
            return Err(Error::new(
                ErrorKind::BadTokenHash,
                format!(
                    "subject `{}` is a user and cannot have a `token_sha256`: only API keys have tokens",
                    s.id
                ),
            ));
        }
        let Some(hash) = hex_decode::<32>(text) else {
            return Err(Error::new(
                ErrorKind::BadTokenHash,
                format!(
                    "bad `token_sha256` `{text}` of API key `{}`: expected 64 hex digits, the SHA-256 of the token",
                    s.id
                ),
            ));
        };
        if let Some(other) = self.tokens.insert(hash, &s.id) {
            return Err(Error::new(
                ErrorKind::DuplicateToken,
                format!(
                    "API keys `{other}` and `{}` have the same token hash: every key needs its own token",
                    s.id
                ),
            ));
        }
        Ok(hash)
    }

    /// A grant of a known role on a known scope (or `*`); each mistake is reported.
    fn grant(
        &self,
        s: &SubjectDecl,
        g: &GrantDecl,
        path: &str,
        errors: &mut Diagnostics,
    ) -> Option<Grant> {
        let role = self
            .grant_role(s, g, errors)
            .map_err(|e| errors.push(e.at(format!("{path}.role"))));
        let scope = self
            .grant_scope(s, g, errors)
            .map_err(|e| errors.push(e.at(format!("{path}.scope"))));
        let expires_at = grant_expiry(s, g)
            .map_err(|e| errors.push(e.at(format!("{path}.expires_at"))))
            .ok()
            .flatten();
        Some(Grant {
            role: role.ok()?,
            scope: scope.ok()?,
            expires_at,
        })
    }

    fn grant_role(
        &self,
        s: &SubjectDecl,
        g: &GrantDecl,
        errors: &mut Diagnostics,
    ) -> Result<u32, Error> {
        if let Some(&r) = self.roles.index.get(g.role.as_str()) {
            return Ok(r as u32);
        }
        let hint = errors.hint(&g.role, self.policy.roles.iter().map(|r| r.name.as_str()));
        Err(Error::new(
            ErrorKind::UnknownRole,
            format!("unknown role `{}` in grant of `{}`{hint}", g.role, s.id),
        ))
    }

    fn grant_scope(
        &self,
        s: &SubjectDecl,
        g: &GrantDecl,
        errors: &mut Diagnostics,
    ) -> Result<GrantScope, Error> {
        if g.scope == "*" {
            return Ok(GrantScope::BelowRoot);
        }
        if let Some(&d) = self.tree.index.get(g.scope.as_str()) {
            return Ok(GrantScope::Scope(self.tree.number(d)));
        }
        let hint = errors.hint(&g.scope, self.policy.scopes.iter().map(|s| s.id.as_str()));
        Err(Error::new(
            ErrorKind::UnknownScope,
            format!("unknown scope `{}` in grant of `{}`{hint}", g.scope, s.id),
        ))
    }
}

fn subject_kind(s: &SubjectDecl) -> Result<SubjectKind, Error> {
    match s.kind.as_str() {
        "user" => Ok(SubjectKind::User),
        "api_key" => Ok(SubjectKind::ApiKey),
        other => Err(Error::new(
            ErrorKind::UnknownSubjectKind,
            format!(
                "unknown kind `{other}` of subject `{}`: use `user` or `api_key`",
                s.id
            ),
        )),
    }
}

fn grant_expiry(s: &SubjectDecl, g: &GrantDecl) -> Result<Option<Timestamp>, Error> {
    let Some(text) = &g.expires_at else {
        return Ok(None);
    };
    parse_rfc3339(text).map(Some).ok_or_else(|| {
        Error::new(
            ErrorKind::BadTimestamp,
            format!(
                "bad `expires_at` `{text}` in grant of `{}`: use RFC 3339, such as `2026-12-01T00:00:00Z`",
                s.id
            ),
        )
    })
}
