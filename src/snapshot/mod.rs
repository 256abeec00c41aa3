//! The snapshot layer: the postcard payload, the signed envelope around it, the keys that
//! sign and verify it, and the loader that verifies bytes before decoding them.

pub mod decode;
pub mod delta;
pub mod envelope;
pub mod head;
pub mod keys;
pub mod limits;
pub mod loader;
pub mod payload;
pub mod reader;
pub mod record;
pub mod subjects;

pub use delta::seal_delta;
pub use envelope::{Unverified, seal, signed_part};
pub use keys::{KeySet, PublicKey, SigningKey};
pub use loader::{LoadOptions, apply_delta, load, load_owned};
pub use payload::Payload;
