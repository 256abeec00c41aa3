//! The policy document, reference form `rolegate.policy/1`, as control planes write it.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// The `format` value of the one document form this build reads.
pub const POLICY_FORMAT: &str = "rolegate.policy/1";

/// A tenant's whole policy: permission catalog, scope tree, roles and subjects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub format: String,
    pub tenant: String,
    #[serde(default)]
    pub permissions: Vec<PermissionDecl>,
    #[serde(default)]
    pub scopes: Vec<ScopeDecl>,
    #[serde(default)]
    pub roles: Vec<RoleDecl>,
    #[serde(default)]
    pub subjects: Vec<SubjectDecl>,
}

/// A permission of the catalog; written as a bare name or as an object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PermissionDecl {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A node of the scope tree; the one scope without `parent` is the tenant root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeDecl {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A named set of permissions (names or `*` patterns), plus the roles it extends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDecl {
    pub name: String,
    #[serde(default)]
    pub system: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extends: Vec<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    /// At least this many active subjects must hold the role (e.g. one admin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_holders: Option<u32>,
    /// At most this many active subjects may hold the role (e.g. one owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_holders: Option<u32>,
}

/// A user or API key and its grants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectDecl {
    pub id: String,
    /// `user` or `api_key`; checked by the compiler so the error can say where.
    pub kind: String,
    #[serde(default = "active_default")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_sha256: Option<String>,
    #[serde(default)]
    pub grants: Vec<GrantDecl>,
}

/// A role on a scope (a scope id, or `*` for every scope below the root), maybe temporary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantDecl {
    pub role: String,
    pub scope: String,
    /// RFC 3339; checked by the compiler so the error can say where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

fn active_default() -> bool {
    true
}

impl Policy {
    /// Parses a policy document, with the JSON path and line of any mistake in its shape.
    /// A leading byte-order mark is skipped (editors on some systems write one).
    pub fn from_json(src: &str) -> Result<Policy> {
        let src = without_bom(src);
        if src.len() > super::limits::MAX_INPUT_BYTES {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "the policy is {} bytes, over the cap of {}",
                    src.len(),
                    super::limits::MAX_INPUT_BYTES
                ),
            ));
        }
        let mut de = serde_json::Deserializer::from_str(src);
        let parsed: Result<Policy, _> = serde_path_to_error::deserialize(&mut de);
        let policy = parsed.map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let mut err = Error::new(ErrorKind::PolicySyntax, syntax_message(&inner));
            if path != "." {
                err = err.at(path);
            }
            err.at_line(inner.line())
        })?;
        de.end().map_err(|e| {
            Error::new(ErrorKind::PolicySyntax, syntax_message(&e)).at_line(e.line())
        })?;
        Ok(policy)
    }
}

/// serde_json's message without its own "at line N column M" suffix (we add the location).
fn syntax_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(cut) => text.get(..cut).unwrap_or(&text).to_string(),
        None => text,
    };
    format!("invalid policy document: {text}")
}

/// The text without a leading UTF-8 byte-order mark, which every reader of policies skips.
pub fn without_bom(src: &str) -> &str {
    src.strip_prefix('\u{feff}').unwrap_or(src)
}

/// Adds the source line to an error located by JSON path.
pub(crate) fn with_line(err: Error, src: &str) -> Error {
    match err.path().and_then(|p| super::line_of(src, p)) {
        Some(line) if err.line().is_none() => err.at_line(line),
        _ => err,
    }
}

impl<'de> Deserialize<'de> for PermissionDecl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            name: String,
            #[serde(default)]
            group: Option<String>,
            #[serde(default)]
            description: Option<String>,
        }

        struct NameOrObject;
        impl<'de> Visitor<'de> for NameOrObject {
            type Value = PermissionDecl;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a permission name or an object with `name`, `group`, `description`")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<PermissionDecl, E> {
                Ok(PermissionDecl {
                    name: name.to_string(),
                    group: None,
                    description: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PermissionDecl, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(PermissionDecl {
                    name: full.name,
                    group: full.group,
                    description: full.description,
                })
            }
        }
        deserializer.deserialize_any(NameOrObject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversize_document_is_refused_before_parsing() {
        let src = " ".repeat(crate::policy::limits::MAX_INPUT_BYTES + 1);
        assert_eq!(Policy::from_json(&src).unwrap_err().code(), "TOO_LARGE");
    }

    #[test]
    fn reads_the_reference_form() {
        let src = r#"{"format": "rolegate.policy/1", "tenant": "acme",
            "permissions": ["roles.view", {"name": "roles.create", "group": "Roles"}],
            "scopes": [{"id": "acme"}],
            "roles": [{"name": "viewer", "permissions": ["roles.view"]}],
            "subjects": [{"id": "alice", "kind": "user", "grants": [{"role": "viewer", "scope": "acme"}]}]}"#;
        let p = Policy::from_json(src).unwrap();
        assert_eq!(p.permissions[1].group.as_deref(), Some("Roles"));
        assert_eq!(p.permissions[0].name, "roles.view");
        assert!(p.subjects[0].active);
    }

    #[test]
    fn shape_errors_say_where() {
        let src = "{\"format\": \"rolegate.policy/1\", \"tenant\": \"acme\",\n \"subjects\": [\n  {\"id\": \"a\", \"kind\": \"user\", \"grants\": [{\"role\": \"x\", \"scope\": \"y\", \"expires\": \"soon\"}]}]}";
        let e = Policy::from_json(src).unwrap_err();
        assert_eq!(e.code(), "POLICY_SYNTAX");
        assert_eq!(e.path(), Some("subjects[0].grants[0].expires"));
        assert_eq!(e.line(), Some(3));
        assert!(e.message().contains("unknown field `expires`"), "{e}");
        let e = Policy::from_json("{\"format\": 1}").unwrap_err();
        assert_eq!(e.path(), Some("format"));
        let e = Policy::from_json("{} trailing").unwrap_err();
        assert_eq!(e.code(), "POLICY_SYNTAX");
        let e = Policy::from_json(r#"{"format":"x","tenant":"t","permissions":[{"nam":"a"}]}"#)
            .unwrap_err();
        assert!(e.message().contains("nam"), "{e}");
    }
}
