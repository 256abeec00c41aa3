// rolegate/slim: the engine without the inlined .wasm (a smaller bundle). Initialise it
// once with the .wasm from wherever the app serves it, then use `Gate` as usual:
//   await init(new URL("rolegate/engine_bg.wasm", import.meta.url)); // or a Response, bytes, a WebAssembly.Module
//   const gate = new Gate(bytes, options);      // or: await Gate.load(bytes, { ...options, wasm })
import { entry } from "./init.js";

export const { Gate, init, ready, snapshotSource, tenantSource } = entry(null, () => new URL("./engine_bg.wasm", import.meta.url));
export { isRolegateError } from "./gate.js";
export { engineMemoryBytes } from "./init.js";
