// Deno entry: read the .wasm beside this file and compile it synchronously.
import { initSync } from "./engine.js";

initSync({ module: Deno.readFileSync(new URL("./engine_bg.wasm", import.meta.url)) });

export * from "./gate.js";
export { snapshotSource } from "./source.js";
export const ready = Promise.resolve();
