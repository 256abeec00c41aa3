// How the engine becomes usable, with no work at import time: bundlers that drop a
// module whose only job is a side effect (or that cannot emit top-level await) keep
// everything here, since every entry's `Gate` is defined by `entry()` below.
//
// Each runtime entry calls `entry(source, url)`: `source()` gives the engine synchronously
// (bytes inlined in the package, or the module workerd imported), so `new Gate(...)`
// works at once; `url()` is where `init()` fetches the .wasm when there is no `source`
// (rolegate/slim). `await Gate.load(bytes, options)` works in every runtime, and
// `init(wasm)` takes the .wasm explicitly: a URL, a Response, bytes or a
// WebAssembly.Module.
import initAsync, { initSync, useHostSha512 } from "./engine.js";
import { Gate as BaseGate } from "./gate.js";
import { sourceFor } from "./source.js";
import { tenantSourceFor } from "./tenants.js";
import { rolegateError } from "./errors.js";

let initialised = false;
let instance = null;
let loading = null;

function notReady(cause) {
  return rolegateError(
    "NOT_READY",
    "rolegate's engine is not initialised: use `await Gate.load(bytes, options)`, or `await init(wasm)` before `new Gate(...)`" +
      (cause ? ` (${cause.message ?? cause})` : ""),
  );
}

function initFrom(source) {
  if (initialised) return;
  if (!source) throw notReady();
  try {
    instance = initSync({ module: source() });
  } catch (cause) {
    throw notReady(cause);
  }
  markReady();
}

/**
 * Marks the engine ready, and where the runtime has a native SHA-512 (Node 20.16+, and
 * runtimes with `process.getBuiltinModule`), hands it to signature verification: several
 * times faster than SHA-512 in wasm. Browsers keep the engine's own. A hasher that fails
 * yields no digest, so the signature fails to verify (closed).
 */
function markReady() {
  initialised = true;
  let crypto;
  try {
    crypto = globalThis.process?.getBuiltinModule?.("node:crypto");
  } catch {
    return;
  }
  if (typeof crypto?.createHash !== "function") return;
  useHostSha512(() => {
    let hash = null;
    try {
      hash = crypto.createHash("sha512");
    } catch {}
    return {
      update(bytes) {
        try {
          hash?.update(bytes);
        } catch {
          hash = null;
        }
      },
      digest() {
        try {
          return hash === null ? new Uint8Array(0) : hash.digest();
        } catch {
          return new Uint8Array(0);
        }
      },
    };
  });
}

/** The base64 text of the .wasm as bytes (atob exists in every runtime rolegate supports). */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The engine instance's memory in bytes (every gate of the isolate lives in it); 0 before init. */
export function engineMemoryBytes() {
  return instance?.memory?.buffer.byteLength ?? 0;
}

export function entry(source, url) {
  /** Initialises the engine once: from `wasm` when given, else the entry's own. */
  function init(wasm) {
    if (initialised) return Promise.resolve();
    loading ??= (async () => {
      if (wasm !== undefined && wasm !== null) instance = await initAsync({ module_or_path: await wasm });
      else if (source) initFrom(source);
      else instance = await initAsync({ module_or_path: url() });
      markReady();
    })().catch((cause) => {
      loading = null;
      throw cause?.code ? cause : notReady(cause);
    });
    return loading;
  }

  /** A verified role snapshot answering permission checks (see gate.js). */
  class Gate extends BaseGate {
    constructor(bytes, options) {
      initFrom(source);
      super(bytes, options);
    }

    /** The one way to be ready everywhere: initialises the engine (`options.wasm`, if given), then loads. */
    static async load(bytes, options) {
      await init(options?.wasm);
      return new Gate(bytes, options);
    }
  }
  /** `await ready` initialises the engine from the entry's own .wasm (a lazy thenable). */
  const ready = { then: (resolve, reject) => init().then(resolve, reject) };
  return { Gate, init, ready, snapshotSource: sourceFor(Gate), tenantSource: tenantSourceFor(Gate, engineMemoryBytes) };
}
