//! The admin layer, for control planes and the CLI: what changed between two snapshots,
//! lint warnings on a policy, the access level of each subject, and TypeScript types.

pub mod access;
pub mod diff;
pub mod lint;
pub mod typegen;
