//! The admin layer, for control planes and the CLI: what changed between two snapshots,
//! lint warnings on a policy, and the access level of each subject.

pub mod access;
pub mod diff;
pub mod lint;
