// workerd / Cloudflare Workers entry: the .wasm is imported as a compiled module (Workers
// refuse to compile WebAssembly from bytes at run time).
import wasm from "./engine_bg.wasm";
import { initSync } from "./engine.js";

initSync({ module: wasm });

export * from "./gate.js";
export { snapshotSource } from "./source.js";
export const ready = Promise.resolve();
