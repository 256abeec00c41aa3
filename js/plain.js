// Arguments copied into plain data in JS before they reach the engine: snapshot and key
// bytes as plain Uint8Arrays, the Gate's options as a plain object.
import { describe, readOptions, readSafely, rolegateError, typeError } from "./errors.js";

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

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Standard or URL-safe base64, padding optional, leftover bits zero (so each key has one
 * encoding); `undefined` for anything else. The engine's own decoder, in JS: key text is
 * decoded here and only bytes reach the .wasm.
 */
export function base64Bytes(text) {
  const s = text.trim();
  const body = s.replace(/=+$/, "");
  if (s.length - body.length > 2 || body.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of body) {
    const v = c === "-" ? 62 : c === "_" ? 63 : B64.indexOf(c);
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = acc >> bits;
      acc &= (1 << bits) - 1;
    }
  }
  return acc === 0 ? out : undefined;
}

/** Base64 key text as bytes (`BAD_KEY` if it is not base64); anything else as it is. */
function keyBytes(pair) {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") return pair;
  const bytes = base64Bytes(pair[1]);
  if (bytes === undefined) throw rolegateError("BAD_KEY", `public key \`${pair[0]}\` is not base64`);
  return [pair[0], bytes];
}

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
  if (Array.isArray(copy.keys)) copy.keys = copy.keys.map(keyBytes);
  return copy;
}

/**
 * A name as the engine may see it. A string that is not valid Unicode (a lone surrogate)
 * would reach the engine as U+FFFD and alias another name; it is unknown instead, spelled
 * as a NUL, which no subject, permission, scope or tenant can be named.
 */
export function valid(name) {
  return typeof name !== "string" || name.isWellFormed() ? name : "\0";
}

/** The load options an engine takes besides its keys: strings, then whole counts. */
const LOAD_STRINGS = ["tenant", "subject"];
const LOAD_COUNTS = ["minRevision", "maxBytes", "clockSkew", "expiryGrace"];

/**
 * What `plainOptions` copied, checked as the engine takes it: `keys` as `[keyId, bytes]`
 * pairs and the load options as strings and whole counts, or a TypeError with code
 * `INVALID_ARGUMENT` naming what is wrong (the engine itself reads no JS object).
 */
export function engineOptions(plain) {
  const { keys } = plain;
  if (keys === undefined || keys === null) throw typeError("option `keys` is required: trusted public keys by key id");
  if (!Array.isArray(keys)) throw typeError("option `keys` must be an object, a Map or an array of [keyId, key] pairs");
  for (const pair of keys) {
    if (!Array.isArray(pair) || pair.length !== 2) throw typeError("each trusted key must be a [keyId, key] pair");
    if (typeof pair[0] !== "string") throw typeError("a key id must be a string");
    if (!(pair[1] instanceof Uint8Array)) throw typeError(`key \`${pair[0]}\` must be a base64 string or a Uint8Array`);
  }
  if (keys.length === 0) throw typeError("option `keys` holds no key: trust at least one public key");
  const load = LOAD_STRINGS.map((name) => {
    const value = plain[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw typeError(`option \`${name}\` must be a string`);
    return valid(value);
  });
  for (const name of LOAD_COUNTS) {
    const value = plain[name];
    if (value === undefined || value === null) {
      load.push(undefined);
    } else if (Number.isInteger(value) && value >= 0) {
      load.push(value);
    } else {
      throw typeError(`option \`${name}\` must be a whole number, 0 or more`);
    }
  }
  return { keys, load };
}
