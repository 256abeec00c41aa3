#!/usr/bin/env node
// Builds the npm package into pkg/: the engine .wasm (cargo → wasm-bindgen → wasm-opt),
// the hand-written JS layer, types and package.json. Prints the .wasm size.
//
//   node pkg-config/build.mjs            # build pkg/
//   node pkg-config/build.mjs --pack     # and npm pack it into target/npm/
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const tools = join(root, "scripts", "tools", "node_modules", ".bin");

function run(cmd, args, env = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
}

// 1. The engine, as small as it gets; a panic (ruled out on input) aborts. Source paths
// in panic locations are shortened: smaller, and the same on every machine.
const home = process.env.CARGO_HOME ?? join(process.env.HOME ?? "", ".cargo");
const remap = [`--remap-path-prefix=${join(home, "registry", "src")}=crates`, `--remap-path-prefix=${root}=rolegate`];
run("cargo", ["build", "--lib", "--profile", "wasm", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "wasm"], {
  CARGO_ENCODED_RUSTFLAGS: remap.join("\x1f"),
});
const raw = join(root, "target", "wasm32-unknown-unknown", "wasm", "rolegate.wasm");

// 2. The JS glue (web target: one build serves Node, browsers, workerd and Deno).
rmSync(pkg, { recursive: true, force: true });
mkdirSync(pkg);
run("wasm-bindgen", ["--target", "web", "--out-dir", pkg, "--out-name", "engine", "--no-typescript", raw]);

// 3. Size optimisation with binaryen's wasm-opt from npm (Debian's is too old).
const wasm = join(pkg, "engine_bg.wasm");
const wasmOpt = join(tools, "wasm-opt");
if (!existsSync(wasmOpt)) throw new Error("wasm-opt not found: run scripts/setup.sh");
// The producers and target-features sections are metadata no host reads: stripped.
run(wasmOpt, ["-Oz", "--converge", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--strip-producers", "--strip-target-features", wasm, "-o", wasm]);

// 3a. rolegate/compiler: the compiler's own .wasm (the engine's budget is untouched; only
// those who import rolegate/compiler load it). Its own target dir keeps both builds cached.
run("cargo", ["build", "--lib", "--profile", "wasm", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "wasm,compiler"], {
  CARGO_ENCODED_RUSTFLAGS: remap.join("\x1f"),
  CARGO_TARGET_DIR: join(root, "target", "compiler-wasm"),
});
run("wasm-bindgen", ["--target", "web", "--out-dir", pkg, "--out-name", "compiler_wasm", "--no-typescript", join(root, "target", "compiler-wasm", "wasm32-unknown-unknown", "wasm", "rolegate.wasm")]);
const compilerWasm = join(pkg, "compiler_wasm_bg.wasm");
run(wasmOpt, ["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", compilerWasm, "-o", compilerWasm]);

// 3b. `npx rolegate`: the CLI itself, compiled to WASI and run by js/cli.js on Node's WASI.
run("cargo", ["build", "--bin", "rolegate", "--profile", "wasm", "--target", "wasm32-wasip1"], { CARGO_ENCODED_RUSTFLAGS: remap.join("\x1f") });
const cliWasm = join(pkg, "cli.wasm");
run(wasmOpt, ["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", join(root, "target", "wasm32-wasip1", "wasm", "rolegate.wasm"), "-o", cliWasm]);

// 4. The hand-written layer, the README, the licences and package.json.
for (const file of readdirSync(join(root, "js"))) {
  if (/\.(js|cjs|d\.ts)$/.test(file)) copyFileSync(join(root, "js", file), join(pkg, file));
}
// The npm README is written for package users (pkg-config/README.md), with the licences.
copyFileSync(join(root, "pkg-config", "README.md"), join(pkg, "README.md"));
for (const file of ["LICENSE-MIT", "LICENSE-APACHE"]) copyFileSync(join(root, file), join(pkg, file));
// The .wasm inlined for the default entries (bundlers need no asset handling for it).
writeFileSync(
  join(pkg, "engine_wasm.js"),
  `// The engine's .wasm, base64 (written by pkg-config/build.mjs).\nexport const WASM_BASE64 = "${readFileSync(join(pkg, "engine_bg.wasm")).toString("base64")}";\n`,
);
const manifest = JSON.parse(readFileSync(join(root, "pkg-config", "package.json"), "utf8"));
manifest.version = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(join(root, "Cargo.toml"), "utf8"))[1];
// Subpath exports for the layers that exist (rolegate/dom, rolegate/edge, rolegate/node).
// Subpath exports: rolegate/slim and the layers (rolegate/dom, rolegate/edge, rolegate/node).
// Each is ESM, with a CommonJS door beside it (require(esm), as index.cjs) typed by a
// .d.cts copy of its declarations, so TypeScript sees CJS from CJS and ESM from ESM.
writeFileSync(join(pkg, "slim.d.ts"), 'export * from "./index.js";\n');
const cjsDoor = readFileSync(join(pkg, "index.cjs"), "utf8");
const ctsOf = (dts) => readFileSync(join(pkg, dts), "utf8").replace(/from "\.\/(\w+)\.js"/g, 'from "./$1.cjs"');
writeFileSync(join(pkg, "index.d.cts"), ctsOf("index.d.ts"));
const { types, workerd, deno, browser, node, default: fallback } = manifest.exports["."];
manifest.exports["."] = {
  import: { types, workerd, deno, browser, node: node.default, default: fallback },
  require: { types: "./index.d.cts", default: "./index.cjs" },
};
const layers = [["compiler", "compiler.js"], ["slim", "slim.js"], ["dom", "dom.js"], ["edge", "edge.js"], ["node", "node-middleware.js"], ["react", "react.js"], ["vue", "vue.js"], ["svelte", "svelte.js"]];
for (const [layer, file] of layers) {
  writeFileSync(join(pkg, `${layer}.cjs`), cjsDoor.replace('require("./node.js")', `require("./${file}")`));
  writeFileSync(join(pkg, `${layer}.d.cts`), ctsOf(`${layer}.d.ts`));
  manifest.exports[`./${layer}`] = {
    import: { types: `./${layer}.d.ts`, default: `./${file}` },
    require: { types: `./${layer}.d.cts`, default: `./${layer}.cjs` },
  };
}
writeFileSync(join(pkg, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

// 5. The size, every build.
const bytes = readFileSync(wasm);
const gz = gzipSync(bytes, { level: 9 }).length;
const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`engine_bg.wasm: ${bytes.length} bytes raw, ${gz} gzip -9, ${br} brotli (budget: 49152 gzip)`);
console.log(`compiler_wasm_bg.wasm: ${readFileSync(compilerWasm).length} bytes raw, ${gzipSync(readFileSync(compilerWasm), { level: 9 }).length} gzip -9 (rolegate/compiler; loaded only by it)`);
console.log(`cli.wasm: ${readFileSync(cliWasm).length} bytes raw, ${gzipSync(readFileSync(cliWasm), { level: 9 }).length} gzip -9 (npx rolegate; loaded only by the bin)`);
writeFileSync(join(root, "target", "wasm-size.json"), JSON.stringify({ raw: bytes.length, gzip: gz, brotli: br }) + "\n");

if (process.argv.includes("--pack")) {
  const out = join(root, "target", "npm");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  run("npm", ["pack", pkg, "--pack-destination", out, "--silent"]);
}
