#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod encoding;
pub mod error;
pub mod time;

pub mod engine;
pub mod snapshot;

#[cfg(feature = "compiler")]
pub mod admin;
#[cfg(feature = "compiler")]
pub mod policy;

#[cfg(feature = "wasm")]
pub mod wasm;

pub use engine::{Decision, Engine, PermissionSet, Reason};
pub use error::{Error, ErrorKind, Result};
#[cfg(feature = "compiler")]
pub use policy::{BuildOptions, Policy, compile, compile_document, compile_json, diagnose};
pub use snapshot::{
    KeySet, LoadOptions, Payload, PublicKey, SigningKey, Unverified, apply_delta, load, seal,
    seal_delta,
};
pub use time::Timestamp;

/// The Rust examples of `docs/rust.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/rust.md")]
struct RustDocs;
