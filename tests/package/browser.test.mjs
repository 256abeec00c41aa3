// The packed tarball in headless Chromium (Debian's, driven by playwright-core): a page
// imports the `browser` entry through an import map, as an app without a bundler would,
// and answers every conformance query.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { project, stageConformance, tools } from "./harness.mjs";

const { chromium } = createRequire(join(tools, "noop.js"))("playwright-core");

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };

const PAGE = `<!doctype html>
<script type="importmap">{"imports": {"rolegate": "/node_modules/rolegate/browser.js"}}</script>
<script type="module">
  import { Gate } from "rolegate";
  const keys = await (await fetch("/keys.json")).json();
  const files = await (await fetch("/queries.json")).json();
  const result = { checked: 0, mismatches: [] };
  for (const file of files) {
    const bytes = new Uint8Array(await (await fetch("/" + file.snapshot)).arrayBuffer());
    const gate = new Gate(bytes, { keys, clock: () => file.now });
    for (const [s, p, sc, expected] of file.queries) {
      result.checked++;
      if (gate.can(s, p, sc) !== expected) result.mismatches.push([file.name, s, p, sc, expected]);
    }
  }
  try {
    const tampered = new Uint8Array(await (await fetch("/acme.snapshot")).arrayBuffer());
    tampered[100] ^= 1;
    new Gate(tampered, { keys });
  } catch (e) {
    result.tampered = e.code;
  }
  window.result = result;
</script>`;

let server;
let browser;
let origin;

before(async () => {
  const dir = project("browser");
  const files = stageConformance(dir);
  writeFileSync(join(dir, "index.html"), PAGE);
  server = createServer((req, res) => {
    const asked = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const path = asked === "/" ? "/index.html" : asked;
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    // playwright starts each browser with a fresh, empty profile of its own.
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("Chromium loads the package and gives the conformance answers", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30000 });
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(errors, []);
  assert.deepEqual(result.mismatches, []);
  assert.ok(result.checked > 60000, `${result.checked} checked`);
  assert.equal(result.tampered, "BAD_SIGNATURE");
});
