//! SHA-512 for signature verification: the host's native one when the JS layer gives it
//! (Node's `crypto.createHash`, several times the speed of SHA-512 compiled to wasm), the
//! software one otherwise. Only the hash moves to the host; every check of
//! `verify_strict` stays in the engine (`PublicKey::verify_with`).

use std::cell::RefCell;

use sha2::digest::consts::U64;
use sha2::digest::{FixedOutput, HashMarker, Output, OutputSizeUser, Update};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// What the host's factory returns: `update(bytes)` then `digest()` (64 bytes).
    pub type HostHash;
    #[wasm_bindgen(method)]
    fn update(this: &HostHash, bytes: &[u8]);
    #[wasm_bindgen(method)]
    fn digest(this: &HostHash) -> Vec<u8>;
}

thread_local! {
    /// `() => HostHash`, set once by the JS layer where the host has a native SHA-512.
    static FACTORY: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Makes verification hash with `factory()` (a function returning a fresh SHA-512
/// `HostHash`); the JS layer passes one that cannot throw.
#[wasm_bindgen(js_name = useHostSha512)]
pub fn use_host_sha512(factory: js_sys::Function) {
    FACTORY.with(|f| *f.borrow_mut() = Some(factory));
}

/// SHA-512 through the host's hasher when one is set, else in software.
#[allow(
    clippy::large_enum_variant,
    reason = "one lives on the stack for one verification"
)]
pub enum Sha512 {
    Host(HostHash),
    Soft(sha2::Sha512),
}

impl Default for Sha512 {
    fn default() -> Self {
        let host = FACTORY.with(|f| f.borrow().as_ref().map(|f| f.call0(&JsValue::NULL)));
        match host {
            Some(Ok(hash)) if hash.is_object() => Sha512::Host(hash.unchecked_into()),
            _ => Sha512::Soft(sha2::Sha512::default()),
        }
    }
}

impl Update for Sha512 {
    fn update(&mut self, data: &[u8]) {
        match self {
            Sha512::Host(hash) => hash.update(data),
            Sha512::Soft(hash) => Update::update(hash, data),
        }
    }
}

impl OutputSizeUser for Sha512 {
    type OutputSize = U64;
}

impl FixedOutput for Sha512 {
    fn finalize_into(self, out: &mut Output<Self>) {
        match self {
            // A digest of the wrong length leaves zeros: the signature then fails to
            // verify, which is the closed way to fail.
            Sha512::Host(hash) => {
                let digest = hash.digest();
                if digest.len() == out.len() {
                    out.copy_from_slice(&digest);
                }
            }
            Sha512::Soft(hash) => FixedOutput::finalize_into(hash, out),
        }
    }
}

impl HashMarker for Sha512 {}
