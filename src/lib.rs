#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod access;
pub mod compile;
pub mod decision;
pub mod diff;
pub mod encoding;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod keys;
pub mod limits;
pub mod lint;
pub mod load;
mod locate;
mod name_index;
pub mod names;
pub mod policy;
pub mod snapshot;
pub mod suggest;
pub mod time;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use compile::{BuildOptions, compile, compile_document, compile_json, diagnose};
pub use decision::{Decision, Reason};
pub use engine::{Engine, PermissionSet};
pub use envelope::{Unverified, seal};
pub use error::{Error, ErrorKind, Result};
pub use keys::{KeySet, PublicKey, SigningKey};
pub use load::{LoadOptions, load};
pub use policy::Policy;
pub use snapshot::Payload;
pub use time::Timestamp;
