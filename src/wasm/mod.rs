//! WebAssembly bindings, thin over the core: bytes and options in, decisions out.
//! The hand-written JS layer (`js/`) wraps [`gate::WasmGate`] into the public `Gate`;
//! with the `compiler` feature too, [`compiler`] is `rolegate/compiler`'s .wasm.

#[cfg(feature = "compiler")]
pub mod compiler;
mod convert;
pub(crate) mod digest;
mod gate;

pub use gate::WasmGate;
