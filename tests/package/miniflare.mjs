// Cloudflare's local emulation for the package tests: Miniflare (pinned with Wrangler in
// tests/toolchains), running workers made of a project's files, which import rolegate from
// the installed tarball, on 127.0.0.1 at a port it picks.
import { createRequire } from "node:module";
import { join } from "node:path";
import { root } from "./harness.mjs";

const { Miniflare } = createRequire(join(root, "tests", "toolchains", "node_modules", "noop.js"))("miniflare");

/** One worker: `script` (a file in `dir`) and what it imports as ES modules, .wasm compiled; `extra` adds bindings and storage. */
export function worker(dir, script, extra = {}) {
  return {
    modules: true,
    modulesRoot: dir,
    scriptPath: join(dir, script),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-06-01",
    ...extra,
  };
}

/** Miniflare on 127.0.0.1 running `workers` (requests without a worker name go to the first). */
export function emulate(...workers) {
  return new Miniflare({ host: "127.0.0.1", port: 0, workers });
}
