//! WebAssembly bindings, thin over the core: bytes and plain values in, decisions out.
//! The hand-written JS layer (`js/`) wraps [`gate::WasmGate`] into the public `Gate`;
//! with the `compiler` feature too, [`compiler`] is `rolegate/compiler`'s .wasm.

#[cfg(feature = "compiler")]
pub mod compiler;
mod convert;
pub(crate) mod digest;
mod gate;
mod trust;

pub use gate::WasmGate;
pub use trust::WasmTrust;

/// The allocator of the .wasm: talc, a maintained drop-in for Rust's default dlmalloc,
/// measured 2.5 KB smaller gzipped and no slower to load (docs/performance.md).
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
