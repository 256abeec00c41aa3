// The admin console on the control plane, in headless Chromium: each user sees exactly
// the sections and controls their slice allows (computed here from the database's policy,
// not written down), a section with nothing allowed collapses, actions go through the
// API, and a role revoked through the API re-gates the user's open page by push: the
// revoke-to-regated latency is measured (goal: under a second on loopback). Screenshots
// of three users go to target/package-tests/screenshots/.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { stageControlPlane, startControlPlane } from "./control-plane-harness.mjs";
import { launchChromium, work } from "./harness.mjs";

const dir = stageControlPlane();
const { Gate } = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "node.js")).href);
const compiler = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "compiler.js")).href);
let cp;
let browser;
before(async () => {
  cp = await startControlPlane(dir);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await cp?.stop();
});

const call = async (user, method, path, body) => {
  const response = await fetch(cp.url + path, { method, headers: { "x-user": user, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, body: await response.json() };
};

/** A gate over the database's own policy (the truth the page must show). */
async function truth() {
  const { body: doc } = await call("alice", "GET", "/api/policy");
  const key = compiler.keygen({ keyId: "truth" });
  return { doc, gate: new Gate(compiler.signSync(doc, { key: key.key, revision: 1 }), { keys: { truth: key.publicKey.split("=").slice(1).join("=") } }) };
}

// Each section and control: what shows it, and on which scope (org-level ones on the root).
const ORG = ["members", "billing", "settings", "invite", "cancel", "allowlist"];
const NEEDS = {
  members: ["organization.view"],
  roles: ["roles.view"],
  keys: ["api.key.view"],
  billing: ["billing.portal", "billing.cancel"],
  settings: ["organization.update"],
  invite: ["organization.invite"],
  "create-role": ["roles.create"],
  "create-key": ["api.key.create"],
  cancel: ["billing.cancel"],
};

function expected(gate, root, user, scope) {
  return Object.fromEntries(Object.entries(NEEDS).map(([id, any]) => [id, any.some((p) => gate.can(user, p, ORG.includes(id) ? root : scope ?? root))]));
}

const SHOWN = (ids) =>
  Object.fromEntries(
    ids.map((id) => {
      const el = document.getElementById(id);
      // Shown: in the page, not hidden itself or by a collapsed section.
      return [id, el !== null && !el.hidden && el.closest("[hidden]") === null];
    }),
  );

async function open(user, scope) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${cp.url}/?user=${user}${scope ? `&scope=${scope}` : ""}`);
  await page.waitForFunction(() => window.rolegateConsole?.ready === true, null, { timeout: 30000 }).catch((e) => {
    throw new Error(`${user}: the console did not start (${errors.join("; ") || e.message})`);
  });
  assert.deepEqual(errors, []);
  return page;
}

test("each user sees the sections and controls their slice allows; empty sections collapse", async () => {
  mkdirSync(join(work, "screenshots"), { recursive: true });
  const { doc, gate } = await truth();
  const root = doc.scopes[0].id;
  const seen = new Set();
  for (const user of ["alice", "bob", "carol", "erin", "frank", "grace"]) {
    for (const scope of [undefined, "shop", "shop-dev", "internal"]) {
      const page = await open(user, scope);
      const want = expected(gate, root, user, scope);
      assert.deepEqual(await page.evaluate(SHOWN, Object.keys(NEEDS)), want, `${user} on ${scope ?? "the root"}`);
      seen.add(JSON.stringify(want));
      if (scope === "shop" && ["alice", "bob", "carol"].includes(user)) await page.screenshot({ path: join(work, "screenshots", `control-plane-${user}.png`), fullPage: true });
      await page.close();
    }
  }
  assert.ok(seen.size >= 4, "the users see different consoles");
  // grace holds nothing: every section collapsed, no empty card.
  const page = await open("grace");
  assert.deepEqual(Object.values(await page.evaluate(SHOWN, ["members", "roles", "keys", "billing", "settings"])), [false, false, false, false, false]);
  await page.close();
  gate.close();
});

test("the members table shows access levels, the roles table types, keys by level", async () => {
  const page = await open("alice", "shop");
  const rows = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll("#members-rows tr")].map((tr) => [tr.dataset.member, tr.children[2].textContent])));
  assert.equal(rows.alice, "tenant-wide");
  assert.equal(rows.carol, "mixed");
  assert.equal(rows.erin, "per environment");
  const types = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll("#roles-rows tr")].map((tr) => [tr.dataset.role, [tr.children[3].textContent, [...tr.querySelectorAll("button")].filter((b) => !b.hidden).map((b) => b.textContent)]])));
  assert.deepEqual(types.owner, ["Global", ["View"]]);
  assert.deepEqual(types.analyst, ["Custom", ["Edit", "Delete"]]);
  await page.close();
  const bob = await open("bob", "shop");
  assert.deepEqual(await bob.evaluate(() => [...document.querySelectorAll("#keys-levels [data-level]")].map((d) => d.dataset.level)), ["organization", "project", "environment"]);
  await bob.close();
});

test("actions go through the API, and a revoke re-gates the user's open page in under a second", async () => {
  const page = await open("erin", "shop-prod");
  assert.deepEqual(await page.evaluate(SHOWN, ["roles", "keys"]), { roles: true, keys: true });
  // An action in the page: alice creates a role through the form; erin's page lists it.
  const admin = await open("alice", "shop");
  await admin.fill("#create-role [name=name]", "auditor");
  await admin.fill("#create-role [name=permissions]", "folders.view, events.retrieve");
  await admin.click("#create-role button");
  await page.waitForFunction(() => document.querySelector('#roles-rows tr[data-role="auditor"]') !== null, null, { timeout: 5000 });
  await admin.close();

  const latencies = [];
  for (let round = 0; round < 3; round++) {
    const before = await page.evaluate(() => window.rolegateConsole.gate.revision);
    const started = Date.now();
    const revoked = await call("alice", "DELETE", "/api/scopes/shop-prod/grants/erin/releaser");
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const regated = await page.waitForFunction(() => document.getElementById("roles").hidden && document.getElementById("keys").hidden && Date.now(), null, { timeout: 5000, polling: "raf" });
    latencies.push((await regated.jsonValue()) - started);
    assert.ok((await page.evaluate(() => window.rolegateConsole.gate.revision)) > before);
    // And back, for the next round.
    assert.equal((await call("alice", "POST", "/api/scopes/shop-prod/grants", { subject: "erin", role: "releaser" })).status, 201);
    await page.waitForFunction(() => !document.getElementById("roles").hidden, null, { timeout: 5000 });
  }
  console.log(`revoke → re-gated page (push, fetch, verify, re-gate), ms: ${latencies.join(", ")}`);
  assert.ok(Math.max(...latencies) < 1000, `revoke-to-regated latency ${latencies} ms`);
  await page.close();
});
