//! The engine layer: a verified payload indexed for checks, and the decisions it gives.

pub mod decision;
#[allow(
    clippy::module_inception,
    reason = "the engine layer's central type lives in a file named after it"
)]
mod engine;
mod name_index;

pub use decision::{Decision, Reason};
pub use engine::{Engine, PermissionSet};
