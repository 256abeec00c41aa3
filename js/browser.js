// Browser (and default) entry: fetch and compile the .wasm beside this file before the
// module finishes loading, so `Gate` is usable as soon as the import resolves.
import init from "./engine.js";

export const ready = init({ module_or_path: new URL("./engine_bg.wasm", import.meta.url) }).then(() => undefined);
await ready;

export * from "./gate.js";
export { snapshotSource } from "./source.js";
