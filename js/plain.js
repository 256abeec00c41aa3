// Arguments copied into plain data in JS before they reach the engine: snapshot and key
// bytes as plain Uint8Arrays, the Gate's options as a plain object.
import { describe, readOptions, readSafely, typeError } from "./errors.js";

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

/** The options a Gate reads (`keys` aside). */
const GATE_OPTIONS = ["clock", "tenant", "subject", "minRevision", "maxBytes", "clockSkew", "expiryGrace"];

/** Trusted keys as `[id, key]` pairs (when they have that shape), key bytes made plain. */
function plainKeys(keys) {
  let pairs = keys;
  if (keys instanceof Map) pairs = [...keys];
  else if (Array.isArray(keys)) pairs = [...keys].map((pair) => (Array.isArray(pair) ? [...pair] : pair));
  else if (keys !== null && typeof keys === "object") pairs = Object.entries(keys);
  if (!Array.isArray(pairs)) return pairs;
  return pairs.map((pair) => (Array.isArray(pair) && pair.length === 2 && ArrayBuffer.isView(pair[1]) ? [pair[0], plainBytes(pair[1], `key ${String(pair[0])}`)] : pair));
}

/** A Gate's options as plain data: a throwing getter or Proxy is a TypeError here. */
export function plainOptions(options) {
  const copy = readOptions(options, ["keys", ...GATE_OPTIONS], "options (with at least `keys`)");
  copy.keys = readSafely("option `keys`", () => plainKeys(copy.keys));
  return copy;
}
