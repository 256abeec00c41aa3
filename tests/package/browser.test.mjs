// The packed tarball in headless Chromium (Debian's, driven by playwright-core): a page
// imports the `browser` entry through an import map, as an app without a bundler would,
// and answers every conformance query.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { launchChromium, project, serveStatic, stageConformance } from "./harness.mjs";

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
  ({ server, origin } = await serveStatic(dir));
  browser = await launchChromium();
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
