//! The policy layer: the document a control plane writes, the compiler that turns it into
//! a snapshot payload, and what the compiler needs to explain a mistake (names,
//! suggestions, lines, limits). Behind the `compiler` feature: engines never carry it.

pub mod compile;
pub mod document;
pub mod limits;
mod locate;
pub mod names;
mod slice;
pub mod suggest;

pub use compile::{BuildOptions, compile, compile_document, compile_json, diagnose};
pub use document::without_bom;
pub use document::{GrantDecl, PermissionDecl, Policy, RoleDecl, ScopeDecl, SubjectDecl};

/// The 1-based line of a JSON path in a policy's text (a leading byte-order mark skipped).
pub(crate) fn line_of(src: &str, path: &str) -> Option<usize> {
    locate::line_of(without_bom(src), path)
}
