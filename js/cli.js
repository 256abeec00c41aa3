#!/usr/bin/env node
// `npx rolegate`: the rolegate CLI, the same Rust program as the native binary compiled
// to WebAssembly (wasm32-wasip1), so every command, flag, output, key file and exit code
// is the native CLI's, with no Rust toolchain and no native executable. It runs on the
// package's own small WASI host (wasi-host.js); `-` is standard input or output.
import { readFileSync } from "node:fs";
import { runCommand } from "./wasi-host.js";

const args = process.argv.slice(2);
// A key file is created readable by its owner only, as the native CLI does (WASI cannot
// set a file's mode).
if (args.includes("keygen")) process.umask(0o077);
const env = Object.entries({ ...process.env, ROLEGATE_CWD: process.cwd() }).map(([k, v]) => `${k}=${v}`);
const module = new WebAssembly.Module(readFileSync(new URL("./cli.wasm", import.meta.url)));
try {
  process.exitCode = runCommand(module, ["rolegate", ...args], env);
} catch (error) {
  // A panic aborts (its message is already on stderr): exit as a native panic does.
  if (!(error instanceof WebAssembly.RuntimeError)) throw error;
  process.exitCode = 101;
}
