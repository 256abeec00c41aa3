//! The snapshot layer: the postcard payload, the signed envelope around it, the keys that
//! sign and verify it, and the loader that verifies bytes before decoding them.

pub mod decode;
pub mod envelope;
pub mod keys;
pub mod limits;
pub mod loader;
pub mod payload;
pub mod reader;
pub mod subjects;

pub use envelope::{Unverified, seal, signed_part};
pub use keys::{KeySet, PublicKey, SigningKey};
pub use loader::{LoadOptions, load, load_owned};
pub use payload::Payload;
