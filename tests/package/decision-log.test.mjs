// Decision logs from the installed tarball: the Node guard's onDecision records every
// decision with its fields right; the batching logger keeps every denial and a sample of
// allows, posts batches to a URL (a server on 127.0.0.1) and flushes on close; a burst
// larger than its buffer loses nothing silently: the drop count it reports equals what
// is missing.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { fixture, keys, project } from "./harness.mjs";

const dir = project("decision-log", "module");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate";\nexport { authorizer, decisionLogger, forExpress } from "rolegate/node";\nexport { decisionLogger as edgeLogger } from "rolegate/edge";\n');
const rg = await import(pathToFileURL(join(dir, "entry.mjs")).href);
const NOW = Date.parse("2026-11-23T12:00:00Z");
const gate = new rg.Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => NOW });
const ROUTES = [
  { method: "POST", path: "/projects/:project/roles", permission: "roles.create", scope: { param: "project" } },
  { method: "GET", path: "/billing", any: ["billing.portal", "billing.cancel"] },
];
const ask = (authorize, user, url, method = "GET") => authorize({ method, url, headers: user ? { "x-user": user } : {} });

test("onDecision gets every decision, with its fields", async () => {
  const records = [];
  const authorize = rg.authorizer({ gate, header: "x-user", routes: ROUTES, onDecision: (r) => records.push(r) });
  assert.equal((await ask(authorize, "bob", "/projects/shop/roles", "POST")).status, 200);
  assert.equal((await ask(authorize, "carol", "/projects/shop/roles", "POST")).status, 403);
  assert.equal((await ask(authorize, "nobody", "/billing")).status, 401);
  assert.equal((await ask(authorize, "dave", "/billing")).status, 401);
  assert.equal((await ask(authorize, "alice", "/billing")).status, 200);
  const [bob, carol, nobody, dave, alice] = records;
  assert.deepEqual(
    { ...bob, time: 0 },
    { time: 0, tenant: "acme", revision: gate.revision, keyId: gate.keyId, subject: "bob", permission: "roles.create", scope: "shop", allowed: true, reason: "granted", route: "/projects/:project/roles", status: 200 },
  );
  assert.ok(Math.abs(bob.time - Date.now()) < 5000);
  assert.deepEqual([carol.allowed, carol.reason, carol.permission, carol.scope, carol.status], [false, "no_grant", "roles.create", "shop", 403]);
  assert.deepEqual([nobody.subject, nobody.reason, nobody.status], [null, "unknown_subject", 401].map((v, i) => (i === 0 ? "nobody" : v)));
  assert.deepEqual([dave.reason, dave.allowed], ["inactive_subject", false]);
  assert.deepEqual([alice.permission, alice.scope, alice.route], ["billing.portal", null, "/billing"]);

  // A hook that throws does not break requests.
  const failing = rg.authorizer({ gate, header: "x-user", routes: ROUTES, onDecision: () => { throw new Error("log down"); } });
  const errors = console.error;
  console.error = () => {};
  try {
    assert.equal((await ask(failing, "bob", "/projects/shop/roles", "POST")).status, 200);
  } finally {
    console.error = errors;
  }
  // Per-route guards report too (inside the framework's router: no route pattern).
  const seen = [];
  const rolegate = rg.forExpress({ gate, header: "x-user", onDecision: (r) => seen.push(r) });
  const res = { statusCode: 0, setHeader() {}, end() {} };
  await new Promise((resolve) => rolegate.require("roles.create", { scope: "project" })({ method: "POST", url: "/x", headers: { "x-user": "carol" }, params: { project: "shop" } }, Object.assign(res, { end: resolve }), resolve));
  assert.deepEqual([seen[0].subject, seen[0].allowed, seen[0].route], ["carol", false, null]);
});

test("the logger keeps every denial and samples allows; posts batches; flushes on close", async () => {
  const received = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  let n = 0;
  const logger = rg.decisionLogger({ url: `http://127.0.0.1:${server.address().port}/logs`, batchSize: 50, flushInterval: 60000, sampleAllows: 0.25, random: () => (n++ % 4) / 4 });
  const authorize = rg.authorizer({ gate, header: "x-user", routes: ROUTES, onDecision: logger });
  let [allows, denials] = [0, 0];
  for (let i = 0; i < 400; i++) {
    const user = ["bob", "carol", "erin", "frank"][i % 4];
    const outcome = await ask(authorize, user, "/projects/shop/roles", "POST");
    outcome.status === 200 ? allows++ : denials++;
  }
  await logger.close();
  server.close();
  const logged = received.flatMap((b) => b.decisions);
  assert.equal(logged.filter((r) => !r.allowed).length, denials, "every denial");
  assert.equal(logged.filter((r) => r.allowed).length, allows / 4, "a quarter of the allows");
  assert.ok(received.length >= 2 && received.every((b) => b.dropped === 0 && b.sampleAllows === 0.25));
  assert.deepEqual(logger.stats(), { logged: logged.length, sampledOut: allows - allows / 4, dropped: 0, sent: logged.length, failed: 0, buffered: 0 });
  assert.ok(rg.edgeLogger === rg.decisionLogger, "the same logger from rolegate/edge");
});

test("a burst larger than the buffer: the reported drop count equals what is missing", async () => {
  const batches = [];
  const logger = rg.decisionLogger({ send: async (b) => batches.push(b), batchSize: 10000, maxBuffer: 100, flushInterval: 0 });
  const authorize = rg.authorizer({ gate, header: "x-user", routes: ROUTES, onDecision: logger });
  const BURST = 357;
  for (let i = 0; i < BURST; i++) await ask(authorize, "carol", "/projects/shop/roles", "POST");
  await logger.close();
  const got = batches.reduce((n, b) => n + b.decisions.length, 0);
  const reported = batches.reduce((n, b) => n + b.dropped, 0);
  assert.equal(got, 100);
  assert.equal(reported, BURST - got, "the drop count is exactly what is missing");
  assert.equal(logger.stats().dropped, BURST - got);
  // A failing endpoint is counted and reported, not silent.
  const failures = [];
  const broken = rg.decisionLogger({ send: async () => { throw new Error("down"); }, onError: (e, batch) => failures.push(batch.decisions.length) });
  for (let i = 0; i < 5; i++) broken({ allowed: false });
  await broken.close();
  assert.deepEqual([failures, broken.stats().failed], [[5], 5]);
});
