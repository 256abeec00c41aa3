// Snapshot and key bytes as plain Uint8Arrays, checked in JS before they reach the engine.
import { describe, typeError } from "./errors.js";

/**
 * The bytes of a Uint8Array, any other ArrayBuffer view or an ArrayBuffer (shared or not,
 * from any realm), as a plain Uint8Array over the same memory. Anything else, including
 * a Proxy posing as an array or a detached buffer, is a TypeError here: nothing that
 * could throw is ever handed to the engine, where an exception would cut through wasm.
 */
export function plainBytes(value, what = "snapshot bytes") {
  try {
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (Object.prototype.toString.call(value) === "[object ArrayBuffer]" || Object.prototype.toString.call(value) === "[object SharedArrayBuffer]") {
      return new Uint8Array(value);
    }
  } catch {
    // A detached buffer, or an object only posing as one.
  }
  throw typeError(`${what} must be a Uint8Array or an ArrayBuffer, got ${describe(value)}`);
}
