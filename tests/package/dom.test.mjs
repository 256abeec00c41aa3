// rolegate/dom from the packed tarball in headless Chromium: elements gated by data
// attributes for several acme users and scopes, controls added later, live re-gating on
// update and expiry, the framework store, and the refresher (ETag, refused snapshots).
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixtures, launchChromium, project, serveStatic, work } from "./harness.mjs";

const PAGE = `<!doctype html>
<style>
  [data-can]:not([data-rolegate]), [data-can-any]:not([data-rolegate]),
  [data-can-all]:not([data-rolegate]), [data-cannot]:not([data-rolegate]) { visibility: hidden; }
</style>
<script type="importmap">{"imports": {
  "rolegate": "/node_modules/rolegate/browser.js",
  "rolegate/dom": "/node_modules/rolegate/dom.js"
}}</script>
<nav>
  <a id="tab-roles" data-can="roles.view">Roles</a>
  <a id="tab-billing" data-can-any="billing.portal billing.cancel">Billing</a>
</nav>
<main id="env" data-scope="shop-dev">
  <button id="create-role" data-can="roles.create">Create role</button>
  <button id="revoke" data-can-all="api.key.view api.key.revoke" data-mode="disable">Revoke key</button>
  <div id="allowlist" data-can="organization.whitelist.manage" data-mode="disable">Manage IP allowlist</div>
  <button id="cancel" data-can="billing.cancel" data-mode="remove">Cancel subscription</button>
  <p id="ask" data-cannot="billing.cancel">Ask the owner to cancel.</p>
  <button id="typo" data-can="roles.craete">Typo</button>
</main>
<script type="module">
  import { Gate } from "rolegate";
  import { gateElements, gateStore, refresher } from "rolegate/dom";
  const fetchBytes = async (name) => new Uint8Array(await (await fetch(name)).arrayBuffer());
  const keys = await (await fetch("/keys.json")).json();
  window.now = Date.parse("2026-11-23T12:00:00Z");
  const gate = new Gate(await fetchBytes("/acme.snapshot"), { keys, clock: () => window.now });
  const unknown = [];
  const keeper = gateElements(gate, { subject: "bob", scope: "shop" });
  keeper.addEventListener("unknown", (e) => unknown.push(e.permission));
  const ids = ["tab-roles", "tab-billing", "create-role", "revoke", "allowlist", "cancel", "ask", "typo", "late"];
  const state = () => Object.fromEntries(ids.map((id) => {
    const el = document.getElementById(id);
    if (!el) return [id, "absent"];
    if (el.hidden) return [id, "hidden"];
    if (el.disabled || el.getAttribute("aria-disabled") === "true") return [id, el.inert ? "inert" : "disabled"];
    return [id, "shown"];
  }));
  window.t = { Gate, gate, keeper, keys, state, unknown, fetchBytes, gateElements, gateStore, refresher };
  window.ready = true;
</script>`;

let server;
let browser;
let origin;
const served = { etagHits: 0 };

before(async () => {
  const dir = project("dom");
  for (const f of ["acme.snapshot", "acme-1h.snapshot", "acme-rev103-without-bob.snapshot", "keys.json"]) copyFileSync(join(fixtures, f), join(dir, f));
  writeFileSync(join(dir, "index.html"), PAGE);
  const tampered = readFileSync(join(fixtures, "acme-rev103-without-bob.snapshot"));
  tampered[tampered.length - 3] ^= 1;
  ({ server, origin } = await serveStatic(dir, (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname !== "/live.snapshot" && url.pathname !== "/tampered.snapshot") return false;
    const etag = url.pathname === "/live.snapshot" ? '"rev103"' : '"bad"';
    if (req.headers["if-none-match"] === etag) {
      served.etagHits++;
      res.writeHead(304).end();
    } else {
      const body = url.pathname === "/live.snapshot" ? readFileSync(join(dir, "acme-rev103-without-bob.snapshot")) : tampered;
      res.writeHead(200, { etag, "content-type": "application/octet-stream" }).end(body);
    }
    return true;
  }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open() {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
  assert.deepEqual(errors, []);
  return page;
}

test("controls are shown, hidden, disabled or removed per user and scope", async () => {
  const page = await open();
  const state = () => page.evaluate(() => window.t.state());
  // bob: admin on shop (so on shop-dev below it); no billing.cancel.
  assert.deepEqual(await state(), {
    "tab-roles": "shown", "tab-billing": "shown", "create-role": "shown", revoke: "shown",
    allowlist: "shown", cancel: "absent", ask: "shown", typo: "hidden", late: "absent",
  });
  assert.deepEqual(await page.evaluate(() => window.t.unknown), ["roles.craete"]);
  mkdirSync(join(work, "screenshots"), { recursive: true });
  await page.screenshot({ path: join(work, "screenshots", "dom-bob.png") });

  // carol: developer on shop-dev, agent on every scope below the root.
  await page.evaluate(() => window.t.keeper.setSubject("carol"));
  assert.deepEqual(await state(), {
    "tab-roles": "shown", "tab-billing": "hidden", "create-role": "hidden", revoke: "disabled",
    allowlist: "inert", cancel: "absent", ask: "shown", typo: "hidden", late: "absent",
  });
  // At the root, carol's `*` grant does not apply: the tab disappears.
  await page.evaluate(() => window.t.keeper.setScope(undefined));
  assert.equal((await state())["tab-roles"], "hidden");

  // alice: owner; the removed control comes back.
  await page.evaluate(() => window.t.keeper.setSubject("alice"));
  assert.deepEqual(await state(), {
    "tab-roles": "shown", "tab-billing": "shown", "create-role": "shown", revoke: "shown",
    allowlist: "shown", cancel: "shown", ask: "hidden", typo: "hidden", late: "absent",
  });

  // dave: deactivated, sees nothing gated.
  await page.evaluate(() => window.t.keeper.setSubject("dave"));
  const dave = await state();
  for (const id of ["tab-roles", "tab-billing", "create-role", "typo"]) assert.equal(dave[id], "hidden", id);
  assert.deepEqual([dave.revoke, dave.allowlist, dave.cancel, dave.ask], ["disabled", "inert", "absent", "shown"]);
  assert.equal((await page.evaluate(() => window.t.unknown)).length, 1, "an unknown name is reported once");
  await page.close();
});

test("controls added later are gated before they paint; updates and expiry re-gate", async () => {
  const page = await open();
  const visibleAtInsert = await page.evaluate(async () => {
    const late = Object.assign(document.createElement("button"), { id: "late", textContent: "Delete role" });
    late.setAttribute("data-can", "roles.delete");
    document.getElementById("env").append(late);
    // Checked in the next frame's callback, before that frame paints.
    return new Promise((resolve) => requestAnimationFrame(() => resolve(late.getAttribute("data-rolegate"))));
  });
  assert.equal(visibleAtInsert, "allowed");
  const denied = await page.evaluate(async () => {
    const late = document.getElementById("late");
    late.setAttribute("data-can", "billing.cancel");
    await Promise.resolve();
    return late.hidden;
  });
  assert.equal(denied, true, "a changed attribute is gated again");

  // A new snapshot without bob's grant re-gates live.
  const after = await page.evaluate(async () => {
    const t = window.t;
    const store = t.gateStore(t.gate);
    let notified = 0;
    store.subscribe(() => notified++);
    const before = store.getSnapshot();
    t.gate.update(await t.fetchBytes("/acme-rev103-without-bob.snapshot"));
    return { state: t.state(), notified, changed: store.getSnapshot() !== before };
  });
  assert.equal(after.state["create-role"], "hidden");
  assert.equal(after.state["tab-roles"], "hidden");
  // Once when subscribing (the Svelte store contract), once for the update.
  assert.deepEqual([after.notified, after.changed], [2, true]);

  // An expiring snapshot: once past expiry everything gated is denied.
  const expired = await page.evaluate(async () => {
    const t = window.t;
    t.keeper.stop();
    const gate = new t.Gate(await t.fetchBytes("/acme-1h.snapshot"), { keys: t.keys, clock: () => window.now });
    const keeper = t.gateElements(gate, { subject: "alice" });
    const before = t.state();
    window.now += 3600 * 1000;
    keeper.refresh();
    return { before, after: t.state(), expired: gate.expired };
  });
  assert.equal(expired.before["create-role"], "shown");
  assert.equal(expired.after["create-role"], "hidden");
  assert.equal(expired.after.cancel, "absent");
  assert.equal(expired.expired, true);
  await page.close();
});

test("stop restores the page; the refresher follows ETags and keeps the old snapshot on refusal", async () => {
  const page = await open();
  const result = await page.evaluate(async () => {
    const t = window.t;
    t.keeper.stop();
    const stopped = t.state();
    const keeper = t.gateElements(t.gate, { subject: "bob", scope: "shop" });
    const live = t.refresher(t.gate, "/live.snapshot", { interval: 3600000 });
    const events = [];
    live.addEventListener("updated", () => events.push("updated"));
    const first = await live.refresh();
    const second = await live.refresh();
    const afterLive = t.state();
    const bad = t.refresher(t.gate, "/tampered.snapshot", { interval: 3600000 });
    let refused = null;
    bad.addEventListener("error", (e) => (refused = e.error.code));
    const third = await bad.refresh();
    live.stop();
    bad.stop();
    keeper.stop();
    return { stopped, first, second, third, events, afterLive, refused, revision: t.gate.revision };
  });
  for (const id of ["tab-roles", "create-role", "revoke", "allowlist", "cancel", "ask", "typo"]) {
    assert.equal(result.stopped[id], "shown", `${id} after stop`);
  }
  assert.deepEqual([result.first, result.second, result.third], [true, false, false]);
  assert.deepEqual(result.events, ["updated"]);
  assert.equal(result.afterLive["create-role"], "hidden", "bob lost his grant in revision 103");
  assert.equal(result.refused, "BAD_SIGNATURE");
  assert.equal(result.revision, 103, "the refused snapshot left revision 103 serving");
  assert.ok(served.etagHits >= 1);
  await page.close();
});

test("rolegate/dom and the Gate refuse hostile arguments in the browser with TypeErrors and keep serving", async () => {
  const page = await open();
  const result = await page.evaluate(() => {
    const { t } = window;
    const trap = new Proxy({}, { get: () => { throw new Error("trap"); } });
    const hostile = [undefined, null, 42, "gate", Symbol("x"), trap, [], () => {}];
    const calls = [
      (x) => t.gateElements(x, { subject: "bob" }), (x) => t.gateElements(t.gate, x), (x) => t.gateElements(t.gate, { subject: x }),
      (x) => t.gateElements(t.gate, { subject: "bob", mode: x === undefined ? "blur" : x }), (x) => t.gateStore(x),
      (x) => t.refresher(x, "/live.snapshot"), (x) => t.refresher(t.gate, x), (x) => t.refresher(t.gate, "/x", x === undefined ? { interval: -1 } : x),
      (x) => new t.Gate(x, { keys: t.keys }), (x) => new t.Gate(new Uint8Array(8), x), (x) => t.gate.update(x), (x) => t.gate.can(x, "roles.view"),
    ];
    const wrong = [];
    let refused = 0;
    for (const [i, call] of calls.entries()) {
      for (const [j, bad] of hostile.entries()) {
        // Valid after all: a string subject or URL, default mode or options, empty options.
        const valid = (bad === "gate" && (i === 2 || i === 6)) || (bad === null && (i === 3 || i === 7)) || (Array.isArray(bad) && i === 7);
        if (valid) continue;
        try {
          const made = call(bad);
          made?.stop?.();
          if (made !== false) wrong.push(`call ${i} with value ${j} returned`);
        } catch (error) {
          if (error instanceof TypeError && error.code === "INVALID_ARGUMENT") refused++;
          else wrong.push(`call ${i} with value ${j}: ${error}`);
        }
      }
    }
    return { wrong, refused, serving: t.gate.can("alice", "billing.cancel") };
  });
  assert.deepEqual(result.wrong, []);
  assert.ok(result.refused > 80, `${result.refused} refusals`);
  assert.equal(result.serving, true);
  await page.close();
});
