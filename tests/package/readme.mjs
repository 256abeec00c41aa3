// The README's quick start, run as a user runs it: every code block of that section, in
// order. The shell blocks build the CLI and pack the npm package (this is how the test
// suite builds them) and sign the example tenant; the Node block runs against the
// installed tarball; the page is served on 127.0.0.1 and opened in Chromium; the worker
// runs in workerd; the Express service serves on 127.0.0.1. Run alone (`node --test tests/package/readme.mjs`), before the other
// package tests, since it rewrites the tarball they install.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, launchChromium, packageModules, root, serveStatic, tarball, tools, waitFor, work } from "./harness.mjs";

/** The fenced blocks of the README's `## Quick start` section: `{ lang, code }`. */
function quickStart() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("\n## Quick start\n");
  assert.ok(start >= 0, "the README has a Quick start section");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map(([, lang, code]) => ({ lang, code }));
}

const blocks = quickStart();
const of = (lang) => blocks.filter((b) => b.lang === lang);
const dir = join(work, "readme");
const env = { ...process.env, PATH: `${join(root, "target", "release")}:${process.env.PATH}` };
const bash = (code, cwd) => execFileSync("bash", ["-euo", "pipefail", "-c", code], { cwd, env, encoding: "utf8" });

test("the quick start has the blocks it promises", () => {
  assert.deepEqual(blocks.map((b) => b.lang), ["sh", "sh", "js", "html", "js", "js"]);
});

test("1. the CLI and the npm package build from the repository root", () => {
  bash(of("sh")[0].code, root);
  assert.match(tarball(), /rolegate-.*\.tgz$/);
});

test("2. keygen, sign the tenant and a slice, check and explain", () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "rolegate-readme", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball()], { cwd: dir, stdio: "inherit" });
  cpSync(join(root, "examples", "policies"), join(dir, "examples", "policies"), { recursive: true });
  const out = bash(of("sh")[1].code, dir);
  const lines = out.trim().split("\n");
  assert.ok(lines.includes("allowed"), out);
  assert.match(out, /denied: unknown permission `roles\.craete` \(did you mean `roles\.create`\?\)/);
  assert.match(readFileSync(join(dir, "public-key.txt"), "utf8"), /^acme-2026=[A-Za-z0-9+/]{43}=\n$/);
});

test("3. Node loads the snapshot with the installed package", () => {
  const code = of("js")[0].code;
  const file = code.match(/^\/\/ (\S+\.mjs):/)[1];
  writeFileSync(join(dir, file), code);
  const out = execFileSync("node", [file], { cwd: dir, encoding: "utf8" }).trim().split("\n");
  assert.deepEqual(out.slice(0, 2), ["true", "false"]);
  assert.match(out[2], /granted by role `developer` on `shop-dev`/);
});

test("4. the page gates its buttons from bob's slice in Chromium", async () => {
  writeFileSync(join(dir, "index.html"), of("html")[0].code);
  const { server, origin } = await serveStatic(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => [...document.querySelectorAll("button")].every((b) => b.hasAttribute("data-rolegate")));
    const shown = await page.$$eval("button", (all) => all.map((b) => [b.textContent, b.checkVisibility()]));
    assert.deepEqual(shown, [
      ["New role", true],
      ["Billing", true],
      ["New internal role", false],
    ]);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});

test("5. the worker answers 200, 403 and 401 in workerd", async () => {
  writeFileSync(join(dir, "worker.js"), of("js")[1].code);
  const modules = packageModules(dir);
  const port = await freePort();
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js"), ${modules}],
  bindings = [
    (name = "SNAPSHOT", data = embed "acme.snapshot"),
    (name = "PUBLIC_KEY", text = embed "public-key.txt"),
  ],
  compatibilityDate = "2025-01-01",
);
`,
  );
  const server = spawn(join(tools, ".bin", "workerd"), ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/`);
    const ask = async (subject) => {
      const res = await fetch(`${base}/projects/shop/roles`, { method: "POST", headers: subject ? { "x-rolegate-subject": subject } : {} });
      return [res.status, await res.json()];
    };
    const [ok, body] = await ask("bob");
    assert.deepEqual([ok, body.subject], [200, "bob"]);
    const [denied, why] = await ask("frank");
    assert.deepEqual([denied, why.missing], [403, ["roles.create"]]);
    const [anonymous] = await ask(null);
    assert.equal(anonymous, 401);
  } finally {
    server.kill();
  }
});

test("6. the Express service checks per route", async () => {
  const code = of("js")[2].code;
  const file = code.match(/^\/\/ (\S+\.mjs):/)[1];
  writeFileSync(join(dir, file), code);
  // `npm install express`: the pinned copy from scripts/tools stands in for it.
  rmSync(join(dir, "node_modules", "express"), { force: true, recursive: true });
  symlinkSync(join(tools, "express"), join(dir, "node_modules", "express"));
  const port = await freePort();
  const server = spawn("node", [file], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: ["ignore", "inherit", "inherit"] });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/`);
    const ask = async (subject) => {
      const res = await fetch(`${base}/projects/shop/roles/auditor`, { method: "DELETE", headers: { "x-rolegate-subject": subject } });
      return [res.status, await res.json()];
    };
    assert.deepEqual(await ask("bob"), [200, { deleted: "auditor", by: "bob" }]);
    const [denied, why] = await ask("frank");
    assert.deepEqual([denied, why.missing], [403, ["roles.delete"]]);
  } finally {
    server.kill();
  }
});
