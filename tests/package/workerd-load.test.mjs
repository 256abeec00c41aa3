// A load test through workerd (Miniflare, pinned with Wrangler in tests/toolchains, on
// 127.0.0.1): one worker serving 10,000 small tenants from a KV namespace and 10 large
// ones (100,000 subjects each) from an R2 bucket, through a tenantSource behind the edge
// guard, with a memory cap well below what all of them weigh. Random requests, skewed as
// traffic is; every answer is checked against a plain evaluation of the tenant's policy
// written here (not rolegate), the count of held bytes against the cap after every
// batch. Prints hit rate, p50/p99 latency and loads per second.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { project } from "./harness.mjs";
import { emulate, worker } from "./miniflare.mjs";

const dir = project("workerd-load", "module");
writeFileSync(join(dir, "entry.mjs"), 'export * as compiler from "rolegate/compiler";\n');
const { compiler } = await import(pathToFileURL(join(dir, "entry.mjs")).href);

const SMALL = Number(process.env.LOAD_SMALL_TENANTS ?? 10_000);
const LARGE = Number(process.env.LOAD_LARGE_TENANTS ?? 10);
const LARGE_SUBJECTS = Number(process.env.LOAD_LARGE_SUBJECTS ?? 100_000);
const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 6_000);
// Well below the total: the snapshots alone weigh about 19.7 MB, their gates about 1.7× that.
const CAP = 12 << 20;

const WORKER = `
import { tenantSource } from "./node_modules/rolegate/workerd.js";
import { guard } from "./node_modules/rolegate/edge.js";
let source;
const gate = (env, ctx, request) =>
  (source ??= tenantSource({
    tenant: { header: "x-tenant" },
    load: async (tenant, env) => (tenant.startsWith("big") ? (await env.BUCKET.get(tenant + "/tenant.snapshot"))?.arrayBuffer() : env.SNAPSHOTS.get(tenant, "arrayBuffer")),
    keys: JSON.parse(env.KEYS),
    memoryCap: ${CAP},
    retryAfter: 0,
  }))(env, ctx, request);
const scope = { param: "scope" };
const handler = guard(async () => new Response("ok"), {
  gate,
  header: "x-user",
  routes: [
    { method: "GET", path: "/folders/:scope", permission: "folders.view", scope },
    { method: "POST", path: "/folders/:scope", permission: "folders.create", scope },
    { method: "DELETE", path: "/folders/:scope", permission: "folders.delete", scope },
  ],
});
export default {
  fetch: (request, env, ctx) => {
    const path = new URL(request.url).pathname;
    if (path === "/stats") return Response.json(source?.stats() ?? null);
    if (path === "/ping") return new Response("ok");
    return handler(request, env, ctx);
  },
};
`;

let seed = 20261202;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = (list) => list[Math.floor(random() * list.length)];
const PERMISSIONS = ["folders.view", "folders.create", "folders.delete"];
const ROLES = [
  { name: "admin", permissions: ["folders.*"] },
  { name: "editor", permissions: ["folders.view", "folders.create"] },
  { name: "viewer", permissions: ["folders.view"] },
];

function policy(tenant, subjects, projects) {
  const scopes = [{ id: `${tenant}-root` }, ...Array.from({ length: projects }, (_, p) => ({ id: `${tenant}-p${p}`, parent: `${tenant}-root` }))];
  return {
    format: "rolegate.policy/1",
    tenant,
    permissions: PERMISSIONS.map((name) => ({ name })),
    scopes,
    roles: ROLES,
    subjects: Array.from({ length: subjects }, (_, i) => ({
      id: `u${i}`,
      kind: "user",
      ...(random() < 0.05 ? { active: false } : {}),
      grants: Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({ role: pick(ROLES).name, scope: random() < 0.1 ? scopes[0].id : pick(scopes).id })),
    })),
  };
}

/**
 * The guard's answer, from the policy evaluated here: 401 for an unknown or deactivated
 * user, 200 for a grant on the scope or its parent whose role lists the permission, else 403.
 */
function reference(doc) {
  const subjects = new Map(doc.subjects.map((s) => [s.id, s]));
  const parent = new Map(doc.scopes.map((s) => [s.id, s.parent ?? null]));
  const roles = new Map(ROLES.map((r) => [r.name, new Set(r.permissions.flatMap((p) => (p === "folders.*" ? PERMISSIONS : [p])))]));
  return (user, permission, scope) => {
    const s = subjects.get(user);
    if (s === undefined || s.active === false) return 401;
    return s.grants.some((g) => roles.get(g.role).has(permission) && (g.scope === scope || g.scope === parent.get(scope))) ? 200 : 403;
  };
}

const key = compiler.keygen({ keyId: "load-1" });
const KEYS = { "load-1": key.publicKey.slice(key.publicKey.indexOf("=") + 1) };
const tenants = [];
let totalBytes = 0;
let mf;

before(async () => {
  writeFileSync(join(dir, "worker.js"), WORKER);
  mf = emulate(worker(dir, "worker.js", { kvNamespaces: ["SNAPSHOTS"], r2Buckets: ["BUCKET"], bindings: { KEYS: JSON.stringify(KEYS) } }));
  const kv = await mf.getKVNamespace("SNAPSHOTS");
  const bucket = await mf.getR2Bucket("BUCKET");
  const started = Date.now();
  for (let t = 0; t < LARGE; t++) {
    const doc = policy(`big${t}`, LARGE_SUBJECTS, 20);
    const bytes = compiler.signSync(doc, { key: key.key, revision: 1 });
    await bucket.put(`big${t}/tenant.snapshot`, bytes);
    tenants.push({ id: doc.tenant, large: true, users: doc.subjects.length, scopes: doc.scopes.map((s) => s.id), status: reference(doc) });
    totalBytes += bytes.length;
  }
  let pending = [];
  for (let t = 0; t < SMALL; t++) {
    const doc = policy(`s${t}`, 3 + Math.floor(random() * 6), 1 + Math.floor(random() * 3));
    const bytes = compiler.signSync(doc, { key: key.key, revision: 1 });
    pending.push(kv.put(doc.tenant, bytes));
    if (pending.length === 64) {
      await Promise.all(pending);
      pending = [];
    }
    tenants.push({ id: doc.tenant, large: false, users: doc.subjects.length, scopes: doc.scopes.map((s) => s.id), status: reference(doc) });
    totalBytes += bytes.length;
  }
  await Promise.all(pending);
  console.log(`stored ${LARGE} large tenants (R2) and ${SMALL} small ones (KV), ${totalBytes} snapshot bytes, in ${Date.now() - started} ms`);
});
after(async () => {
  await mf?.dispose();
});

const METHOD = { "folders.view": "GET", "folders.create": "POST", "folders.delete": "DELETE" };

test("10,000 small and 10 large tenants behind one worker: every answer right, the memory cap held", async () => {
  const large = tenants.filter((t) => t.large);
  const small = tenants.filter((t) => !t.large);
  // Skewed: a few busy tenants and a long tail; one request in ten for a large tenant.
  const requests = Array.from({ length: REQUESTS }, () => {
    const tenant = random() < 0.1 ? large[Math.floor(large.length * random() ** 2)] : small[Math.floor(small.length * random() ** 3)];
    const user = random() < 0.03 ? "nobody" : `u${Math.floor(random() * tenant.users)}`;
    return { tenant, user, permission: pick(PERMISSIONS), scope: pick(tenant.scopes) };
  });
  // The baseline: requests the worker answers without rolegate, the same way (8 in flight).
  const BATCH = 8;
  const pings = [];
  for (let i = 0; i < 400; i += BATCH) {
    await Promise.all(
      Array.from({ length: BATCH }, async () => {
        const t = performance.now();
        await (await mf.dispatchFetch("http://localhost/ping")).arrayBuffer();
        pings.push(performance.now() - t);
      }),
    );
  }
  pings.sort((a, b) => a - b);
  const latencies = [];
  let wrong = 0;
  let maxHeld = 0;
  const started = performance.now();
  for (let i = 0; i < requests.length; i += BATCH) {
    await Promise.all(
      requests.slice(i, i + BATCH).map(async ({ tenant, user, permission, scope }) => {
        const t = performance.now();
        const response = await mf.dispatchFetch(`http://localhost/folders/${scope}`, { method: METHOD[permission], headers: { "x-tenant": tenant.id, "x-user": user } });
        await response.arrayBuffer();
        latencies.push(performance.now() - t);
        const expected = tenant.status(user, permission, scope);
        if (response.status !== expected) {
          wrong++;
          assert.fail(`${tenant.id} ${user} ${permission} ${scope}: ${response.status}, expected ${expected}`);
        }
      }),
    );
    const stats = await (await mf.dispatchFetch("http://localhost/stats")).json();
    maxHeld = Math.max(maxHeld, stats.memoryBytes);
    assert.ok(stats.memoryBytes <= CAP, `held ${stats.memoryBytes} B over the cap of ${CAP} B`);
  }
  const seconds = (performance.now() - started) / 1000;
  const stats = await (await mf.dispatchFetch("http://localhost/stats")).json();
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
  assert.equal(wrong, 0);
  assert.equal(stats.failures, 0);
  assert.ok(stats.evictions > 0, "the cap is below the total: something was evicted");
  const hitRate = stats.hits / (stats.hits + stats.loads);
  console.log(
    `${REQUESTS} requests in ${seconds.toFixed(1)} s (${BATCH} in flight): 0 wrong; hit rate ${hitRate.toFixed(3)} (${stats.hits} hits, ${stats.loads} loads, ${stats.evictions} evictions); ` +
      `latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (a request without rolegate: p50 ${pings[200].toFixed(2)} ms, p99 ${pings[396].toFixed(2)} ms); ${(stats.loads / seconds).toFixed(0)} loads/s; ` +
      `held at most ${maxHeld} B of the ${CAP} B cap (${stats.tenants} tenants at the end); all snapshots ${totalBytes} B; engine memory ${stats.engineMemoryBytes} B`,
  );
});
