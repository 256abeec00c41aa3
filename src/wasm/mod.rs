//! WebAssembly bindings, thin over the core: bytes and options in, decisions out.
//! The hand-written JS layer (`js/`) wraps [`gate::WasmGate`] into the public `Gate`.

mod convert;
pub(crate) mod digest;
mod gate;

pub use gate::WasmGate;
