//! The wasm bindings in Node (wasm-bindgen-test-runner): conformance vectors, error codes
//! and bad arguments. Run by `scripts/test.sh`; empty on native targets.
#![cfg(target_arch = "wasm32")]

mod wasm_cases;
