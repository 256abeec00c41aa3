// The admin console example end to end in headless Chromium: for acme users on every
// scope, exactly the controls the conformance answers allow are shown (hidden, disabled
// or removed otherwise); later controls are gated; a policy change re-gates live; an
// expired snapshot denies everything; a tampered one is refused while the page keeps the
// old one; a user's slice holds nobody else's grants. Screenshots go to
// target/package-tests/screenshots/.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { conformance, launchChromium, root, work } from "./harness.mjs";

// Each control: its id, what it needs (`all` of or `any` of), and its mode.
const CONTROLS = [
  ["tab-members", "all", ["organization.view"], "hide"],
  ["tab-roles", "all", ["roles.view"], "hide"],
  ["tab-keys", "all", ["api.key.view"], "hide"],
  ["tab-billing", "any", ["billing.portal", "billing.cancel"], "hide"],
  ["tab-settings", "all", ["organization.update"], "hide"],
  ["invite", "all", ["organization.invite"], "hide"],
  ["create-role", "all", ["roles.create"], "hide"],
  ["revoke-key", "all", ["api.key.revoke"], "disable"],
  ["cancel", "all", ["billing.cancel"], "remove"],
  ["allowlist", "all", ["organization.whitelist.manage"], "inert"],
  // The cards: one with nothing its user may do collapses.
  ["card-members", "all", ["organization.invite"], "hide"],
  ["card-roles", "all", ["roles.create"], "hide"],
  ["card-keys", "all", ["api.key.view"], "hide"],
  ["card-billing", "any", ["billing.portal", "billing.cancel"], "hide"],
  ["card-settings", "all", ["organization.update"], "hide"],
];
const USERS = ["alice", "bob", "carol", "dave", "frank"];
const SCOPES = [null, "shop", "shop-dev", "shop-prod", "internal", "internal-dev"];

// The expected answers come from the conformance vectors, not from rolegate.
const { now, queries } = JSON.parse(readFileSync(join(conformance, "acme.queries.json"), "utf8"));
const answer = new Map(queries.map(([s, p, sc, expected]) => [`${s} ${p} ${sc}`, expected]));
const allowed = (user, permission, scope) => {
  const key = `${user} ${permission} ${scope}`;
  assert.ok(answer.has(key), `no conformance answer for ${key}`);
  return answer.get(key);
};

function expected(user, scope) {
  const state = {};
  for (const [id, how, permissions, mode] of CONTROLS) {
    const ok = how === "all" ? permissions.every((p) => allowed(user, p, scope)) : permissions.some((p) => allowed(user, p, scope));
    state[id] = ok ? "shown" : { hide: "hidden", disable: "disabled", inert: "inert", remove: "absent" }[mode];
  }
  state["cancel-help"] = allowed(user, "billing.cancel", scope) ? "hidden" : "shown";
  return state;
}

const READ_STATE = () =>
  Object.fromEntries(
    ["tab-members", "tab-roles", "tab-keys", "tab-billing", "tab-settings", "invite", "create-role", "revoke-key", "cancel", "allowlist", "cancel-help", "card-members", "card-roles", "card-keys", "card-billing", "card-settings"].map((id) => {
      const el = document.getElementById(id);
      if (!el) return [id, "absent"];
      if (el.hidden) return [id, "hidden"];
      if (el.disabled) return [id, "disabled"];
      if (el.getAttribute("aria-disabled") === "true") return [id, el.inert ? "inert" : "disabled"];
      return [id, "shown"];
    }),
  );

let server;
let browser;
let origin;

before(async () => {
  // Slices issued before the conformance `now`, which the pages' clocks are set to.
  const args = [join(root, "examples", "console", "server.mjs"), "--port", "0", "--issued-at", "2026-11-01T00:00:00Z"];
  server = spawn("node", args, { stdio: ["ignore", "pipe", "inherit"] });
  origin = await new Promise((resolve, reject) => {
    server.stdout.on("data", (chunk) => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk));
      if (match) resolve(match[0]);
    });
    server.on("exit", (code) => reject(new Error(`console server exited (${code})`)));
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function open(path, clockAt) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 560 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  if (clockAt !== undefined) await page.clock.setFixedTime(clockAt);
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => window.rolegateConsole?.ready === true, null, { timeout: 30000 }).catch((e) => {
    throw new Error(`${path}: the console did not start (${errors.join("; ") || e.message})`);
  });
  assert.deepEqual(errors, []);
  return page;
}

test("each user sees exactly the controls the semantics allow, on every scope", async () => {
  mkdirSync(join(work, "screenshots"), { recursive: true });
  for (const user of USERS) {
    // The acme vectors are answered at their `now` (erin's temporary grant, for one).
    const page = await open(`/?user=${user}`, Date.parse(now));
    for (const scope of SCOPES) {
      await page.selectOption("#scope", scope ?? "");
      assert.deepEqual(await page.evaluate(READ_STATE), expected(user, scope), `${user} on ${scope ?? "the root"}`);
      if (scope === "shop-dev") await page.screenshot({ path: join(work, "screenshots", `console-${user}-shop-dev.png`) });
    }
    await page.close();
  }
});

test("no forbidden control shows before the first pass", async () => {
  const page = await browser.newPage();
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route("**/snapshot*", async (route) => {
    await held;
    await route.continue();
  });
  await page.clock.setFixedTime(Date.parse(now));
  // Not waiting for DOMContentLoaded: whether it waits for the app's module (held on the
  // snapshot) is up to the browser; the control only needs to be in the page.
  await page.goto(`${origin}/?user=dave`, { waitUntil: "commit" });
  await page.waitForSelector("#create-role", { state: "attached" });
  const before = await page.evaluate(() => getComputedStyle(document.getElementById("create-role")).visibility);
  release();
  await page.waitForFunction(() => window.rolegateConsole?.ready === true, null, { timeout: 30000 });
  const after = await page.evaluate(() => document.getElementById("create-role").hidden);
  assert.deepEqual([before, after], ["hidden", true]);
  await page.close();
});

test("controls added later are gated before they paint", async () => {
  const page = await open("/?user=carol&scope=shop-dev", Date.parse(now));
  const states = await page.evaluate(async () => {
    const add = (permission) => {
      const button = document.createElement("button");
      button.setAttribute("data-can", permission);
      document.querySelector("main").append(button);
      return button;
    };
    const yes = add("folders.create");
    const no = add("billing.cancel");
    await new Promise((resolve) => requestAnimationFrame(resolve));
    return [yes.getAttribute("data-rolegate"), no.getAttribute("data-rolegate"), no.hidden];
  });
  assert.deepEqual(states, ["allowed", "denied", true]);
  await page.close();
});

test("a policy change re-gates live; a tampered snapshot is refused and the old one kept", async () => {
  const page = await open("/?user=bob&scope=shop", Date.parse(now));
  assert.equal((await page.evaluate(READ_STATE))["create-role"], "shown");
  // A tampered snapshot: refused with its code, nothing changes.
  const refused = await page.evaluate(async () => {
    const { gate, refresher } = window.rolegateConsole;
    const bad = refresher(gate, "/snapshot?subject=bob&tamper=1", { interval: 3600000 });
    let code = null;
    bad.addEventListener("error", (e) => (code = e.error.code));
    await bad.refresh();
    bad.stop();
    return { code, revision: gate.revision };
  });
  assert.equal(refused.code, "BAD_SIGNATURE");
  assert.equal((await page.evaluate(READ_STATE))["create-role"], "shown");
  // The control plane revokes bob's grant; the next refresh re-gates the page.
  await fetch(`${origin}/admin/revoke?subject=bob`, { method: "POST" });
  const revision = await page.evaluate(async () => {
    await window.rolegateConsole.live.refresh();
    return window.rolegateConsole.gate.revision;
  });
  assert.ok(revision > refused.revision);
  const state = await page.evaluate(READ_STATE);
  for (const id of ["tab-roles", "create-role", "invite", "tab-billing"]) assert.equal(state[id], "hidden", id);
  assert.equal(state["revoke-key"], "disabled");
  assert.match(await page.textContent("#status"), /updated/);
  await page.close();
});

test("an expired snapshot denies everything", async () => {
  // Issued 2026-11-01 for 30 days: valid at the conformance `now`, expired on December 2.
  const page = await open("/?user=alice&ttl=30d", Date.parse(now));
  assert.equal((await page.evaluate(READ_STATE))["cancel"], "shown");
  await page.clock.setFixedTime(Date.parse("2026-12-02T00:00:00Z"));
  const state = await page.evaluate(() => {
    window.rolegateConsole.live.stop();
    window.rolegateConsole.ui.refresh();
    return window.rolegateConsole.gate.expired;
  });
  assert.equal(state, true);
  const after = await page.evaluate(READ_STATE);
  for (const [id, , , mode] of CONTROLS) assert.notEqual(after[id], "shown", `${id} (${mode}) after expiry`);
  assert.equal(after["cancel-help"], "shown");
  await page.close();
});

test("a user's slice holds nobody else's grants", async () => {
  const bytes = Buffer.from(await (await fetch(`${origin}/snapshot?subject=bob`)).arrayBuffer());
  for (const other of ["alice", "carol", "dave", "erin", "frank", "key_ci", "key_old", "releaser", "analyst"]) {
    assert.equal(bytes.includes(Buffer.from(other)), false, `bob's slice mentions ${other}`);
  }
  assert.equal(bytes.includes(Buffer.from("bob")), true);
});
