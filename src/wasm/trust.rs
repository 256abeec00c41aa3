//! `WasmTrust`: what a gate trusts and accepts (its keys and load options), as plain
//! values. The JS layer (js/plain.js) reads and checks the user's options object and
//! builds one; the engine reads no JS object.

use wasm_bindgen::prelude::*;

use super::convert::js_error;
use crate::snapshot::keys::{KeySet, PublicKey};
use crate::snapshot::loader::LoadOptions;

#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmTrust {
    pub(crate) keys: KeySet,
    pub(crate) options: LoadOptions,
}

#[wasm_bindgen]
impl WasmTrust {
    /// Load options (see `LoadOptions`); a count left out keeps its default. Counts are
    /// whole and not negative (the JS layer checks; a cast saturates anything else).
    #[wasm_bindgen(constructor)]
    pub fn new(
        tenant: Option<String>,
        subject: Option<String>,
        min_revision: Option<f64>,
        max_bytes: Option<f64>,
        clock_skew: Option<f64>,
        expiry_grace: Option<f64>,
    ) -> WasmTrust {
        let mut options = LoadOptions::at(0);
        options.tenant = tenant;
        options.subject = subject;
        if let Some(n) = min_revision {
            options.min_revision = n as u64;
        }
        if let Some(n) = max_bytes {
            options.max_bytes = n as usize;
        }
        if let Some(n) = clock_skew {
            options.clock_skew = n as i64;
        }
        if let Some(n) = expiry_grace {
            options.expiry_grace = n as i64;
        }
        WasmTrust {
            keys: KeySet::new(),
            options,
        }
    }

    /// Trusts a 32-byte Ed25519 public key under `key_id`: `BAD_KEY` for a bad id or
    /// key, or an id already trusted with another key.
    pub fn key(&mut self, key_id: &str, key: &[u8]) -> Result<(), JsValue> {
        PublicKey::from_bytes(key_id, key)
            .and_then(|key| self.keys.insert(key))
            .map_err(|e| js_error(&e))
    }
}
