// The packed tarball in the toolchains its users build with, each with default
// configuration and the README's code (tests/toolchains/app.js): Vite 8 and 7 (dev server
// and production build) and 6 (build), webpack 5, esbuild (ESM and IIFE), Rollup, a page
// under a strict Content-Security-Policy, the Next.js App Router (server component, route
// handler, client component; next build + next start, no serverExternalPackages), and
// Wrangler (deploy --dry-run, and wrangler dev with the edge guard), Bun, and the types
// under every module mode with attw and publint. Each fixture lives
// in tests/toolchains/fixtures, installs the tarball, builds, is served on 127.0.0.1 and
// is checked in Chromium or over HTTP.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fixtures, freePort, keys, launchChromium, root, serveStatic, tarball, waitFor } from "./harness.mjs";

const toolchains = join(root, "tests", "toolchains");
const bin = (name) => join(toolchains, "node_modules", ".bin", name);
const quiet = { ...process.env, CI: "1", NEXT_TELEMETRY_DISABLED: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
const trusted = `acme-a=${keys()["acme-a"]}`;
// What bob's slice answers: roles.create on shop-dev (admin on shop), not on internal.
const EXPECTED = JSON.stringify([true, false, "bob"]);

/** A fresh copy of fixture `name` with the tarball installed and the snapshots beside it. */
function prepare(name, from = name) {
  const dir = join(toolchains, "fixtures", `${name}.run`);
  rmSync(dir, { recursive: true, force: true });
  const source = join(toolchains, "fixtures", from);
  if (existsSync(source)) cpSync(source, dir, { recursive: true });
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `rolegate-${name}`, private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--no-package-lock", tarball()], { cwd: dir, stdio: "inherit" });
  copyFileSync(join(toolchains, "app.js"), join(dir, "src", name === "webpack" ? "index.js" : "main.js"));
  if (name !== "webpack") copyFileSync(join(dir, "src", "main.js"), join(dir, "src", "index.js"));
  return dir;
}

/** The static files the page fetches, into `dir`. */
function statics(dir) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixtures, "acme-bob.snapshot"), join(dir, "bob.snapshot"));
  writeFileSync(join(dir, "public-key.txt"), trusted);
}

function page(script) {
  return readFileSync(join(toolchains, "page.html"), "utf8").replace("<script SCRIPT></script>", script);
}

let browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

/** Opens `url` in Chromium; resolves to what `#answers` shows, and the page's errors. */
async function answers(url, selector = "#answers") {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(e.message));
  try {
    await tab.goto(url);
    await tab.waitForFunction((s) => {
      const text = document.querySelector(s)?.textContent ?? "";
      return text.startsWith("[") || text.startsWith("error");
    }, selector, { timeout: 60000 });
    return [await tab.textContent(selector), errors];
  } finally {
    await context.close();
  }
}

/** Serves a built folder and checks the page. */
async function servedAnswers(dir, path = "/index.html", headers = {}) {
  const { server, origin } = await serveStatic(dir, (req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    return false;
  });
  try {
    return await answers(`${origin}${path}`);
  } finally {
    server.close();
  }
}

/** Runs a long-lived server command until `url` answers; returns a stop function. */
async function start(cmd, args, cwd, url) {
  const child = spawn(cmd, args, { cwd, env: quiet, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  try {
    await waitFor(url, 90000);
  } catch (e) {
    process.kill(-child.pid, "SIGTERM");
    throw new Error(`${e.message}\n${log}`);
  }
  return () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  };
}

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, env: quiet, stdio: ["ignore", "inherit", "inherit"] });

for (const [vite, major] of [["vite", 8], ["vite7", 7]]) {
  describe(`Vite ${major}`, () => {
    let dir;
    before(() => {
      dir = prepare(`vite${major}`, "vite");
      writeFileSync(join(dir, "index.html"), page('<script type="module" src="/src/main.js"></script>'));
      statics(join(dir, "public"));
    });

    test(`Vite ${major}: production build`, async () => {
      run("node", [join(toolchains, "node_modules", vite, "bin", "vite.js"), "build"], dir);
      const [got, errors] = await servedAnswers(join(dir, "dist"));
      assert.equal(got, EXPECTED, errors.join("\n"));
    });

    test(`Vite ${major}: dev server`, async () => {
      const port = await freePort();
      const stop = await start("node", [join(toolchains, "node_modules", vite, "bin", "vite.js"), "--host", "127.0.0.1", "--port", String(port), "--strictPort"], dir, `http://127.0.0.1:${port}/`);
      try {
        const [got, errors] = await answers(`http://127.0.0.1:${port}/`);
        assert.equal(got, EXPECTED, errors.join("\n"));
      } finally {
        stop();
      }
    });
  });
}

test("Vite 6: production build with its default target", async () => {
  const dir = prepare("vite6", "vite");
  writeFileSync(join(dir, "index.html"), page('<script type="module" src="/src/main.js"></script>'));
  statics(join(dir, "public"));
  run("node", [join(toolchains, "node_modules", "vite6", "bin", "vite.js"), "build"], dir);
  const [got, errors] = await servedAnswers(join(dir, "dist"));
  assert.equal(got, EXPECTED, errors.join("\n"));
});

test("webpack 5: production build with no config file", async () => {
  const dir = prepare("webpack");
  run(bin("webpack"), ["--mode", "production"], dir);
  writeFileSync(join(dir, "dist", "index.html"), page('<script src="/main.js"></script>'));
  statics(join(dir, "dist"));
  const [got, errors] = await servedAnswers(join(dir, "dist"));
  assert.equal(got, EXPECTED, errors.join("\n"));
});

for (const format of ["esm", "iife"]) {
  test(`esbuild: --bundle --format=${format}`, async () => {
    const dir = prepare(`esbuild-${format}`, "esbuild");
    run(bin("esbuild"), ["src/main.js", "--bundle", `--format=${format}`, "--outfile=dist/app.js"], dir);
    writeFileSync(join(dir, "dist", "index.html"), page(format === "esm" ? '<script type="module" src="/app.js"></script>' : '<script src="/app.js"></script>'));
    statics(join(dir, "dist"));
    const [got, errors] = await servedAnswers(join(dir, "dist"));
    assert.equal(got, EXPECTED, errors.join("\n"));
  });
}

test("Rollup with node-resolve", async () => {
  const dir = prepare("rollup");
  run(bin("rollup"), ["-c"], dir);
  writeFileSync(join(dir, "dist", "index.html"), page('<script type="module" src="/index.js"></script>'));
  statics(join(dir, "dist"));
  const [got, errors] = await servedAnswers(join(dir, "dist"));
  assert.equal(got, EXPECTED, errors.join("\n"));
});

test("a page under script-src 'self' 'wasm-unsafe-eval' (and refused without it)", async () => {
  const dir = prepare("csp", "esbuild");
  run(bin("esbuild"), ["src/main.js", "--bundle", "--format=esm", "--outfile=dist/app.js"], dir);
  writeFileSync(join(dir, "dist", "index.html"), page('<script type="module" src="/app.js"></script>'));
  statics(join(dir, "dist"));
  const strict = { "content-security-policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'" };
  const [got, errors] = await servedAnswers(join(dir, "dist"), "/index.html", strict);
  assert.equal(got, EXPECTED, errors.join("\n"));
  const [refused] = await servedAnswers(join(dir, "dist"), "/index.html", { "content-security-policy": "default-src 'self'; script-src 'self'" });
  assert.match(refused, /^error: NOT_READY/, "without 'wasm-unsafe-eval' the engine cannot compile, and says so");
});

describe("Next.js App Router", () => {
  let dir;
  let base;
  let stop;
  before(async () => {
    dir = prepare("next");
    rmSync(join(dir, "src"), { recursive: true, force: true });
    statics(join(dir, "public"));
    copyFileSync(join(fixtures, "acme.snapshot"), join(dir, "acme.snapshot"));
    run(bin("next"), ["build"], dir);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    stop = await start(bin("next"), ["start", "-p", String(port), "-H", "127.0.0.1"], dir, `${base}/api/can`);
  });
  after(() => stop?.());

  test("Next.js: a server component checks on the server", async () => {
    const html = await (await fetch(`${base}/`)).text();
    assert.match(html, /<pre id="server">\[true,false\]<\/pre>/);
  });

  test("Next.js: a route handler checks per request", async () => {
    const ask = async (q) => (await fetch(`${base}/api/can?${new URLSearchParams(q)}`)).json();
    assert.equal((await ask({ subject: "bob", permission: "roles.create", scope: "shop-dev" })).allowed, true);
    assert.equal((await ask({ subject: "frank", permission: "roles.create", scope: "shop" })).allowed, false);
  });

  test("Next.js: a client component checks in the browser", async () => {
    const [got, errors] = await answers(`${base}/`);
    assert.equal(got, EXPECTED, errors.join("\n"));
  });
});

describe("Wrangler", () => {
  let dir;
  before(() => {
    dir = prepare("wrangler");
    rmSync(join(dir, "src", "main.js"));
    rmSync(join(dir, "src", "index.js"));
    copyFileSync(join(fixtures, "acme.snapshot"), join(dir, "acme.snapshot"));
    writeFileSync(
      join(dir, "wrangler.toml"),
      `name = "rolegate-fixture"\nmain = "src/worker.js"\ncompatibility_date = "2025-01-01"\n\n[vars]\nPUBLIC_KEY = "${trusted}"\n\n[[rules]]\ntype = "Data"\nglobs = ["**/*.snapshot"]\n`,
    );
  });

  test("Wrangler: deploy --dry-run bundles the workerd entry", () => {
    run(bin("wrangler"), ["deploy", "--dry-run", "--outdir", "dist"], dir);
    const bundle = readFileSync(join(dir, "dist", "worker.js"), "utf8");
    assert.ok(!bundle.includes("WASM_BASE64"), "the workerd entry (the .wasm as a module), not the inlined one");
  });

  test("Wrangler: wrangler dev answers 200, 403 and 401 through the guard", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const stop = await start(bin("wrangler"), ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort())], dir, `${base}/`);
    try {
      const ask = async (subject) => {
        const res = await fetch(`${base}/projects/shop/roles`, { method: "POST", headers: subject ? { "x-rolegate-subject": subject } : {} });
        return [res.status, await res.json()];
      };
      const [ok, body] = await ask("bob");
      assert.deepEqual([ok, body.subject], [200, "bob"]);
      assert.equal((await ask("frank"))[0], 403);
      assert.equal((await ask(null))[0], 401);
    } finally {
      stop();
    }
  });
});



describe("TypeScript: the shipped types in every module mode, with no DOM lib and skipLibCheck off", () => {
  const ESM = `import { Gate, init, ready, isRolegateError, type Decision } from "rolegate";
import { guard } from "rolegate/edge";
export async function main(bytes: Uint8Array): Promise<boolean> {
  await init(new URL("https://example.com/engine_bg.wasm"));
  await ready;
  const gate: Gate = await Gate.load(bytes, { keys: { "acme-a": "x" }, tenant: "acme" });
  const d: Decision = gate.explain("bob", "roles.create", "shop");
  gate.addEventListener("updated", (event) => void event.type);
  try { gate.update(bytes); } catch (e) { if (isRolegateError(e)) return e.code === "ROLLBACK"; }
  return d.allowed && gate.can("bob", "roles.create");
}
export const worker = {
  fetch: guard(async (_request, _env, ctx) => {
    ctx.waitUntil?.(Promise.resolve());
    return new Response(ctx.rolegate.subject ?? "");
  }, { gate: () => { throw new Error("lazy"); }, routes: [], caseSensitive: true }),
};
`;
  const NODE = `import { forExpress } from "rolegate/node";
import type { Request, Response, NextFunction } from "express";
export function routes(gate: import("rolegate").Gate) {
  const rolegate = forExpress({ gate, header: "x-rolegate-subject" });
  const check: (req: Request, res: Response, next: NextFunction) => void = rolegate.require("projects.delete", { scope: "project" });
  return (req: Request) => [check, req.rolegate?.subject];
}
`;
  const CJS = `import { Gate } from "rolegate";
import { forExpress } from "rolegate/node";
export async function main(bytes: Uint8Array): Promise<boolean> {
  const gate = await Gate.load(bytes, { keys: { "acme-a": "x" } });
  void forExpress({ gate });
  return gate.can("bob", "roles.create", "shop");
}
`;
  const cases = [
    ["node16 ESM, @types/node", { module: "node16", moduleResolution: "node16", types: ["node", "express"] }, { "check.mts": ESM, "node.mts": NODE }],
    ["nodenext ESM, @types/node", { module: "nodenext", moduleResolution: "nodenext", types: ["node", "express"] }, { "check.mts": ESM, "node.mts": NODE }],
    ["nodenext CJS, @types/node", { module: "nodenext", moduleResolution: "nodenext", types: ["node", "express"] }, { "check.cts": CJS }],
    ["node16 CJS, @types/node", { module: "node16", moduleResolution: "node16", types: ["node", "express"] }, { "check.cts": CJS }],
    ["bundler, @types/node", { module: "esnext", moduleResolution: "bundler", types: ["node", "express"] }, { "check.ts": ESM, "node.ts": NODE }],
    ["bundler, @cloudflare/workers-types only", { module: "esnext", moduleResolution: "bundler", types: ["@cloudflare/workers-types"] }, { "check.ts": ESM }],
  ];
  let dir;
  before(() => {
    dir = prepare("types");
  });
  for (const [name, options, files] of cases) {
    test(`tsc: ${name}`, () => {
      const here = join(dir, name.replace(/[^a-z0-9]+/gi, "-"));
      mkdirSync(here, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(here, file), text);
      const compilerOptions = { target: "es2022", lib: ["es2022"], strict: true, noEmit: true, skipLibCheck: false, ...options };
      writeFileSync(join(here, "tsconfig.json"), JSON.stringify({ compilerOptions, include: Object.keys(files) }));
      run(bin("tsc"), ["-p", join(here, "tsconfig.json")], here);
    });
  }
  test("attw and publint find nothing to report", () => {
    // The .wasm export is an asset (for rolegate/slim users), not a module with types.
    run(bin("attw"), ["--pack", tarball(), "--exclude-entrypoints", "./engine_bg.wasm", "--format", "table-flipped"], dir);
    run(bin("publint"), ["--strict", tarball()], dir);
  });
});

test("the npm README shows the code the fixtures run, and the package holds exactly its files", () => {
  const app = readFileSync(join(toolchains, "app.js"), "utf8");
  const code = app.slice(app.indexOf("import "));
  const readme = readFileSync(join(root, "pkg", "README.md"), "utf8");
  assert.ok(readme.includes(code), "pkg-config/README.md shows tests/toolchains/app.js as it is");
  assert.ok(!/\]\((?!https?:)/.test(readme), "no repository-relative links in the npm README");
  // What `npm publish` would upload is what `npm pack` packs (publish --dry-run also asks
  // the registry about the name, which a test should not depend on).
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", join(root, "pkg")], { encoding: "utf8", env: quiet });
  const listed = JSON.parse(out)[0].files.map((f) => f.path).sort();
  const hand = readdirSync(join(root, "js")).filter((f) => /\.(js|cjs|d\.ts)$/.test(f));
  const generated = ["engine.js", "engine_bg.wasm", "engine_wasm.js", "compiler_wasm.js", "compiler_wasm_bg.wasm", "cli.wasm", "slim.d.ts", "index.d.cts", "README.md", "LICENSE-MIT", "LICENSE-APACHE", "package.json"];
  const doors = ["compiler", "slim", "dom", "edge", "node", "react", "vue", "svelte"].flatMap((l) => [`${l}.cjs`, `${l}.d.cts`]);
  assert.deepEqual(listed, [...new Set([...hand, ...generated, ...doors])].sort());
});

test("Bun runs the package from npm, as ESM and as CommonJS", () => {
  const dir = prepare("bun");
  copyFileSync(join(fixtures, "acme.snapshot"), join(dir, "acme.snapshot"));
  writeFileSync(join(dir, "public-key.txt"), trusted);
  const body = (load) => `
const trusted = readFileSync("public-key.txt", "utf8").trim();
const cut = trusted.indexOf("=");
${load}
console.log(JSON.stringify([gate.can("bob", "roles.create", "shop-dev"), gate.can("bob", "roles.create", "internal"), gate.tenant]));
`;
  writeFileSync(join(dir, "check.mjs"), `import { readFileSync } from "node:fs";\nimport { Gate } from "rolegate";\n${body('const gate = await Gate.load(readFileSync("acme.snapshot"), { keys: { [trusted.slice(0, cut)]: trusted.slice(cut + 1) }, tenant: "acme" });')}`);
  writeFileSync(join(dir, "check.cjs"), `const { readFileSync } = require("node:fs");\nconst { Gate } = require("rolegate");\n${body('const gate = new Gate(readFileSync("acme.snapshot"), { keys: { [trusted.slice(0, cut)]: trusted.slice(cut + 1) }, tenant: "acme" });')}`);
  for (const file of ["check.mjs", "check.cjs"]) {
    const out = execFileSync(bin("bun"), [file], { cwd: dir, encoding: "utf8", env: quiet }).trim();
    assert.equal(out, JSON.stringify([true, false, "acme"]), file);
  }
});

// ---- UI framework bindings, each app built by Vite from the tarball ----------------

const acmeAnswers = (() => {
  const { now, queries } = JSON.parse(readFileSync(join(root, "tests", "conformance", "acme.queries.json"), "utf8"));
  return { now: Date.parse(now), answer: new Map(queries.map(([s, p, sc, expected]) => [`${s} ${p} ${sc}`, expected])) };
})();
const GRID = { scopes: ["shop", "shop-dev", "internal"], permissions: ["roles.create", "billing.cancel", "folders.create"] };
const withoutBob = (s, p, sc) => (s === "bob" ? false : acmeAnswers.answer.get(`${s} ${p} ${sc}`));

for (const framework of ["react", "vue", "svelte"]) {
  test(`rolegate/${framework}: a Vite-built app answers for three users × three scopes, live through an expiry and an update`, async () => {
    const dir = prepare(`ui-${framework}`, framework);
    rmSync(join(dir, "src", "index.js"), { force: true });
    cpSync(join(toolchains, "fixtures", framework, "src"), join(dir, "src"), { recursive: true });
    copyFileSync(join(toolchains, "fixtures", "ui-common.js"), join(dir, "src", "ui-common.js"));
    writeFileSync(join(dir, "index.html"), '<!doctype html><div id="app"></div><script type="module" src="/src/main.js"></script>\n');
    mkdirSync(join(dir, "public"), { recursive: true });
    for (const f of ["acme-1h.snapshot", "acme-rev103-without-bob.snapshot", "keys.json"]) copyFileSync(join(fixtures, f), join(dir, "public", f));
    run("node", [join(toolchains, "node_modules", "vite", "bin", "vite.js"), "build"], dir);
    const { server, origin } = await serveStatic(join(dir, "dist"));
    const context = await browser.newContext();
    const tab = await context.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    try {
      await tab.goto(`${origin}/index.html`);
      await tab.waitForFunction(() => window.rolegateTest?.ready === true && document.querySelector("[data-cell]"), null, { timeout: 30000 });
      const grid = () =>
        tab.evaluate(() => Object.fromEntries([...document.querySelectorAll("[data-cell]")].map((td) => [td.getAttribute("data-cell"), td.textContent === "yes"])));
      const settle = () => tab.evaluate(() => new Promise((r) => setTimeout(r, 50)));
      const expectGrid = async (subject, answer, when) => {
        const got = await grid();
        for (const scope of GRID.scopes) {
          for (const p of GRID.permissions) {
            assert.equal(got[`${p}@${scope}`], answer(subject, p, scope), `${framework} ${when}: ${subject} ${p} on ${scope}`);
          }
        }
      };
      const fromVectors = (s, p, sc) => acmeAnswers.answer.get(`${s} ${p} ${sc}`);
      for (const subject of ["alice", "bob", "carol"]) {
        await tab.evaluate((s) => window.rolegateTest.setSubject(s), subject);
        await settle();
        await expectGrid(subject, fromVectors, "at first");
        const guarded = await tab.evaluate(() => document.getElementById("guarded")?.checkVisibility() ?? false);
        assert.equal(guarded, fromVectors(subject, "roles.create", "shop"), `${framework}: the guarded button for ${subject}`);
      }
      // Past the snapshot's expiry (1 h): the next check fires `expired` and every answer turns false.
      await tab.evaluate(() => {
        window.now += 2 * 3600 * 1000;
        window.rolegateTest.gate.can("carol", "roles.view");
      });
      await settle();
      await expectGrid("carol", () => false, "after expiry");
      // A newer snapshot (bob's grant gone) takes over live.
      await tab.evaluate(() => window.rolegateTest.update("/acme-rev103-without-bob.snapshot"));
      await settle();
      await expectGrid("carol", withoutBob, "after the update");
      await tab.evaluate(() => window.rolegateTest.setSubject("bob"));
      await settle();
      await expectGrid("bob", withoutBob, "after the update");
      if (framework === "react") {
        // An update that changes none of carol's answers renders none of her cells again.
        await tab.evaluate(() => window.rolegateTest.setSubject("carol"));
        await settle();
        const before = await tab.evaluate(() => window.rolegateTest.renders);
        await tab.evaluate(() => window.rolegateTest.update("/acme-rev103-without-bob.snapshot"));
        await settle();
        assert.equal(await tab.evaluate(() => window.rolegateTest.renders), before, "no cell re-rendered");
      }
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      server.close();
    }
  });
}

test("server rendering (examples/ssr-react): the same slice renders on the server and hydrates with identical markup", async () => {
  const dir = join(toolchains, "fixtures", "ssr.run");
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(root, "examples", "ssr-react"), dir, { recursive: true, filter: (src) => !/node_modules|dist/.test(src) });
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--no-package-lock", "--no-save", tarball()], { cwd: dir, stdio: "inherit" });
  // A development build, so React reports any hydration mismatch on the console.
  run(bin("esbuild"), ["client.js", "--bundle", "--format=esm", "--define:process.env.NODE_ENV=\"development\"", "--outfile=dist/client.js"], dir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stop = await start("node", ["server.mjs", join(fixtures, "acme-bob.snapshot"), trusted, String(port)], dir, `${base}/`);
  try {
    const html = await (await fetch(`${base}/`)).text();
    const served = /<div id="app">([\s\S]*?)<\/div>\n<script id="rolegate-slice"/.exec(html)[1];
    // bob (admin on shop): roles and create-role; no cancel (asks the owner); nothing on internal.
    assert.match(served, /id="create-role"/);
    assert.match(served, /id="ask-owner"/);
    assert.doesNotMatch(served, /id="cancel"|id="revoke-internal"/, "no forbidden control in the server's HTML");
    assert.doesNotMatch(html, /"alice"|"carol"/, "the page carries bob's slice, nobody else's");
    const context = await browser.newContext();
    const tab = await context.newPage();
    const messages = [];
    tab.on("console", (m) => ["error", "warning"].includes(m.type()) && messages.push(m.text()));
    tab.on("pageerror", (e) => messages.push(e.message));
    try {
      await tab.goto(`${base}/`);
      await tab.waitForFunction(() => window.hydrated === true, null, { timeout: 30000 });
      await tab.evaluate(() => new Promise((r) => setTimeout(r, 100)));
      assert.deepEqual(messages, [], "no hydration mismatch or error on the console");
      assert.equal(await tab.evaluate(() => document.getElementById("app").innerHTML), served, "no visible change at hydration");
    } finally {
      await context.close();
    }
  } finally {
    stop();
  }
});
