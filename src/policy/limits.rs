//! Caps on policy documents: the snapshot's caps on counts and names (a policy compiles
//! only to a snapshot that loads), plus the text's size and the scope tree's depth.

pub use crate::snapshot::limits::{
    MAX_GRANTS_PER_SUBJECT, MAX_NAME_BYTES, MAX_PERMISSIONS, MAX_REVISION, MAX_ROLES, MAX_SCOPES,
    MAX_SUBJECTS, check, check_revision,
};

/// Cap on a policy document's text (and on any file the CLI reads).
pub const MAX_INPUT_BYTES: usize = 256 << 20;
/// Depth of the scope tree (the root is depth 1).
pub const MAX_SCOPE_DEPTH: usize = 64;
