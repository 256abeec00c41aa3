// The entry for browsers, bundlers, Node and Deno: the engine's .wasm is inlined in the
// package (engine_wasm.js, written by the build), so no bundler has to find, copy or
// serve an asset, and `new Gate(...)` works at once. rolegate/slim leaves it out.
import { WASM_BASE64 } from "./engine_wasm.js";
import { entry, fromBase64 } from "./init.js";

export const { Gate, init, ready, snapshotSource, tenantSource } = entry(() => fromBase64(WASM_BASE64));
export { isRolegateError } from "./gate.js";
export { engineMemoryBytes } from "./init.js";
