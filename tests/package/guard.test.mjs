// rolegate/edge's guard and rolegate/node's authorizer from the packed tarball, on
// WHATWG Requests: every route answers 200/401/403 as the acme conformance answers say.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { conformance, fixture, keys, project } from "./harness.mjs";

const dir = project("guard");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate"; export { guard } from "rolegate/edge"; export { authorizer } from "rolegate/node";\n');
const { Gate, guard, authorizer, snapshotSource } = await import(pathToFileURL(join(dir, "entry.mjs")).href);

const { now, queries } = JSON.parse(readFileSync(join(conformance, "acme.queries.json"), "utf8"));
const answer = new Map(queries.map(([s, p, sc, expected]) => [`${s} ${p} ${sc}`, expected]));
const ROUTES = [
  { method: "GET", path: "/projects/:project/roles", permission: "roles.view", scope: { param: "project" } },
  { method: "POST", path: "/projects/:project/roles", permission: "roles.create", scope: { param: "project" } },
  { method: "DELETE", path: "/api-keys/:key", permission: "api.key.revoke" },
  { method: "GET", path: "/billing", any: ["billing.portal", "billing.cancel"] },
  { method: "POST", path: "/envs/:env/renders", all: ["renders.create", "renders.retrieve"], scope: { param: "env" } },
];
const gate = new Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => Date.parse(now) });
const origin = async (request, env, ctx) => Response.json({ ok: true, subject: ctx.rolegate.subject, role: ctx.rolegate.decision.role });
const handle = guard(origin, { gate: () => gate, routes: ROUTES, header: "x-user" });

function expected(subject, route, scope) {
  if (["dave", "key_old"].includes(subject)) return 401;
  const list = route.permission ? [route.permission] : (route.all ?? route.any);
  const ok = list.map((p) => answer.get(`${subject} ${p} ${scope}`));
  return (route.any ? ok.some(Boolean) : ok.every(Boolean)) ? 200 : 403;
}

const CALLERS = [
  ["alice", { "x-user": "alice" }], ["bob", { "x-user": "bob" }], ["carol", { "x-user": "carol" }],
  ["dave", { "x-user": "dave" }], ["frank", { "x-user": "frank" }],
  ["key_ci", { authorization: "Bearer rg_live_ci_0001" }], ["key_old", { authorization: "Bearer rg_live_old_0002" }],
];

test("every route answers as the conformance semantics say, for users and API keys", async () => {
  let checked = 0;
  for (const [subject, headers] of CALLERS) {
    for (const scope of ["shop", "shop-dev", "internal", "internal-dev"]) {
      for (const [i, url, method] of [[0, `/projects/${scope}/roles`, "GET"], [1, `/projects/${scope}/roles`, "POST"], [4, `/envs/${scope}/renders`, "POST"]]) {
        const res = await handle(new Request(`http://edge.test${url}`, { method, headers }), {}, {});
        assert.equal(res.status, expected(subject, ROUTES[i], scope), `${subject} ${method} ${url}`);
        if (res.status === 403) assert.ok((await res.json()).missing.length > 0);
        checked++;
      }
    }
    for (const [i, url, method] of [[2, "/api-keys/k1", "DELETE"], [3, "/billing", "GET"]]) {
      const res = await handle(new Request(`http://edge.test${url}`, { method, headers }), {}, {});
      assert.equal(res.status, expected(subject, ROUTES[i], null), `${subject} ${method} ${url}`);
      checked++;
    }
  }
  assert.ok(checked > 90);
});

test("credentials and malformed requests get clean 4xx answers", async () => {
  const ask = async (url, headers = {}, method = "GET") => (await handle(new Request(`http://edge.test${url}`, { method, headers }), {}, {})).status;
  assert.equal(await ask("/billing"), 401);
  assert.equal(await ask("/billing", { "x-user": "nobody" }), 401);
  assert.equal(await ask("/billing", { authorization: "Bearer unknown-token" }), 401);
  assert.equal(await ask("/billing", { authorization: `Bearer ${"x".repeat(100000)}` }), 401);
  assert.equal(await ask("/billing", { authorization: "Basic YWxpY2U6cHc=" }), 401);
  assert.equal(await ask("/nowhere", { "x-user": "alice" }), 403, "unmatched routes are denied");
  assert.equal(await ask("/projects/%E0%A4%A/roles", { "x-user": "alice" }), 400);
  assert.equal(await ask("/projects/nowhere/roles", { "x-user": "alice" }), 403);
  const ok = await handle(new Request("http://edge.test/billing", { headers: { "x-user": "alice" } }), {}, {});
  assert.deepEqual(await ok.json(), { ok: true, subject: "alice", role: "owner" });
});

test("the Node authorizer decides the same on node:http-style requests", async () => {
  const authorize = authorizer({ gate, routes: ROUTES, header: "x-user" });
  const decision = await authorize({ method: "POST", url: "/projects/shop/roles", headers: { "x-user": "bob" } });
  assert.equal(decision.status, 200);
  assert.equal(decision.params.project, "shop");
  assert.equal((await authorize({ method: "POST", url: "/projects/internal/roles", headers: { "x-user": "bob" } })).status, 403);
  assert.equal((await authorize({ method: "GET", url: "/billing", headers: { authorization: "Bearer rg_live_old_0002" } })).status, 401);
});

test("a KV-style snapshot source loads lazily, refreshes when due, and answers 503 until it can load", async () => {
  const store = { value: null, reads: 0 };
  const env = { KV: { get: async () => (store.reads++, store.value) } };
  const errors = [];
  const waited = [];
  const source = snapshotSource({ keys: keys(), get: (e) => e.KV.get("acme"), refresh: 0, onError: (e) => errors.push(e.code) });
  const handle = guard(origin, { gate: source, routes: ROUTES, header: "x-user" });
  const call = async (url, user, method = "GET") => (await handle(new Request(`http://edge.test${url}`, { method, headers: { "x-user": user } }), env, { waitUntil: (p) => waited.push(p) })).status;
  const ask = (user) => call("/billing", user);
  const bobCreatesRoles = () => call("/projects/shop/roles", "bob", "POST");

  assert.equal(source.current(), null, "nothing loads before the first request");
  assert.equal(await ask("alice"), 503, "no snapshot in KV yet");
  store.value = fixture("acme.snapshot").buffer;
  assert.equal(await ask("alice"), 200, "the next request loads it");
  assert.equal(source.current().revision, 100);

  // Due at every request (refresh: 0): identical bytes are skipped, refused ones reported.
  await ask("alice");
  await Promise.all(waited);
  assert.equal(source.current().revision, 100);
  store.value = fixture("acme-rev99.snapshot");
  await ask("alice");
  await Promise.all(waited);
  assert.deepEqual(errors, ["ROLLBACK"]);
  assert.equal(await bobCreatesRoles(), 200);
  store.value = fixture("acme-rev103-without-bob.snapshot");
  await ask("alice");
  await Promise.all(waited);
  assert.equal(source.current().revision, 103);
  assert.equal(await bobCreatesRoles(), 403);
  assert.ok(store.reads >= 5);
});

test("a bundled snapshot source never refreshes; bad source options are TypeErrors", async () => {
  const source = snapshotSource({ keys: keys(), snapshot: fixture("acme.snapshot").buffer, refresh: 0 });
  assert.equal((await source()).revision, 100);
  assert.equal(await source.refresh(), false);
  assert.throws(() => snapshotSource({ keys: keys() }), TypeError);
  assert.throws(() => snapshotSource({ keys: keys(), snapshot: new Uint8Array(1), url: "http://x" }), TypeError);
  assert.throws(() => snapshotSource({ keys: keys(), snapshot: "bytes" }), TypeError);
  assert.throws(() => snapshotSource({ keys: keys(), url: "http://x", refresh: -1 }), TypeError);
  await assert.rejects(snapshotSource({ keys: { other: keys()["acme-b"] }, snapshot: fixture("acme.snapshot") })(), { code: "UNKNOWN_KEY" });
});
