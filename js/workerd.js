// workerd / Cloudflare Workers entry: the .wasm is imported as a compiled module (Workers
// refuse to compile WebAssembly from bytes), and initialised on the first `new Gate`.
import wasm from "./engine_bg.wasm";
import { entry } from "./init.js";

export const { Gate, init, ready, snapshotSource, tenantSource } = entry(() => wasm);
export { isRolegateError } from "./gate.js";
export { engineMemoryBytes } from "./init.js";
