//! Policy documents from anywhere: parsing, diagnosis and compilation answer Ok or a
//! coded error with a location, never a panic; whatever compiles seals and loads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolegate::{BuildOptions, KeySet, LoadOptions, SigningKey, compile_json, diagnose, load, seal};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let errors = diagnose(src);
    let options = BuildOptions {
        revision: 1,
        issued_at: 0,
        expires_at: None,
    };
    match compile_json(src, &options) {
        Ok(payload) => {
            assert!(errors.is_empty(), "compiled, yet diagnosed: {errors:?}");
            let Ok(key) = SigningKey::from_seed([0x5a; 32], Some("fuzz")) else {
                return;
            };
            let Ok(keys) = KeySet::from_keys([key.public_key()]) else {
                return;
            };
            let loaded = load(&seal(&payload, &key), &keys, &LoadOptions::at(0));
            assert!(
                loaded.is_ok(),
                "a compiled policy failed to load: {loaded:?}"
            );
        }
        Err(e) => {
            assert!(!errors.is_empty(), "refused ({e}), yet diagnosed clean");
            assert!(!e.code().is_empty());
        }
    }
});
