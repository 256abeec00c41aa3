// Node entry: read the .wasm next to this file and compile it synchronously.
import { readFileSync } from "node:fs";
import { initSync } from "./engine.js";

initSync({ module: readFileSync(new URL("./engine_bg.wasm", import.meta.url)) });

export * from "./gate.js";
export { snapshotSource } from "./source.js";
/** Resolved: the engine is ready as soon as this module is imported. */
export const ready = Promise.resolve();
