// Shared by the package tests: paths, the packed tarball, fresh projects that install
// it, and the snapshots the tests load (built by fixtures.mjs with the CLI).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const work = join(root, "target", "package-tests");
export const fixtures = join(work, "fixtures");
export const tools = join(root, "scripts", "tools", "node_modules");
export const conformance = join(root, "tests", "conformance");

/** The tarball `node pkg-config/build.mjs --pack` made. */
export function tarball() {
  const dir = join(root, "target", "npm");
  const file = existsSync(dir) && readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!file) throw new Error("no packed tarball: run `node pkg-config/build.mjs --pack` first");
  return join(dir, file);
}

/** A fresh project of `type` ("module" or "commonjs") with the tarball installed. */
export function project(name, type = "module") {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `rolegate-${name}-test`, private: true, type }, null, 2));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball()], { cwd: dir, stdio: "inherit" });
  return dir;
}

export function fixture(name) {
  return new Uint8Array(readFileSync(join(fixtures, name)));
}

/** The trusted public keys of the fixtures, by key id (`acme-a`, `acme-b`). */
export function keys() {
  return JSON.parse(readFileSync(join(fixtures, "keys.json"), "utf8"));
}

/** The conformance query files with their policy's snapshot (signed with key A). */
export function queryFiles() {
  const files = [
    ["acme.queries.json", "acme.snapshot"],
    ["acme-later.queries.json", "acme.snapshot"],
  ];
  for (const name of ["small-1", "medium-1", "medium-2"]) files.push([`generated/${name}.queries.json`, `${name}.snapshot`]);
  return files.map(([queries, snapshot]) => {
    const doc = JSON.parse(readFileSync(join(conformance, queries), "utf8"));
    return { name: queries, snapshot, now: Date.parse(doc.now), queries: doc.queries };
  });
}

/** Copies every query file's snapshot, the keys and the queries into `dir`; returns the files. */
export function stageConformance(dir) {
  const files = queryFiles();
  for (const f of new Set(files.map((f) => f.snapshot))) copyFileSync(join(fixtures, f), join(dir, f));
  copyFileSync(join(fixtures, "keys.json"), join(dir, "keys.json"));
  writeFileSync(join(dir, "queries.json"), JSON.stringify(files));
  return files;
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers or `ms` pass. */
export async function waitFor(url, ms = 20000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer within ${ms} ms: ${last}`);
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

/**
 * Serves `dir` on 127.0.0.1 (a port it picks); `route(req, res)` may answer first by
 * returning true. Resolves to `{ server, origin }`; close the server when done.
 */
export async function serveStatic(dir, route = () => false) {
  const server = createHttpServer((req, res) => {
    if (route(req, res)) return;
    const asked = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const path = asked === "/" ? "/index.html" : asked;
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Debian's Chromium, headless, through playwright-core (each launch gets a fresh profile). */
export function launchChromium() {
  const { chromium } = createRequire(join(tools, "noop.js"))("playwright-core");
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/**
 * The capnp module list of the rolegate package installed in project `dir` (every .js
 * and the .wasm, named `rolegate/FILE` as workers import them without a bundler).
 */
export function packageModules(dir) {
  const pkg = join(dir, "node_modules", "rolegate");
  return readdirSync(pkg)
    .filter((f) => f.endsWith(".js") || f.endsWith(".wasm"))
    .map((f) => `(name = "rolegate/${f}", ${f.endsWith(".wasm") ? "wasm" : "esModule"} = embed "node_modules/rolegate/${f}")`)
    .join(", ");
}
