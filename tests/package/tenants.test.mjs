// Many tenants per isolate, from the installed tarball: a tenantSource behind the Node
// guard (authorizer) serving 400 tenants with keys that differ per tenant, under a memory
// cap a quarter of what they all weigh. Random requests, every answer checked against
// each tenant's own gate (computed first, in this process); the run itself happens in a
// fresh process, so the engine memory it reports is the source's alone.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { project } from "./harness.mjs";

const dir = project("tenants", "module");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate";\nexport * as compiler from "rolegate/compiler";\nexport { authorizer } from "rolegate/node";\n');
const rg = await import(pathToFileURL(join(dir, "entry.mjs")).href);

let seed = 11;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = (list) => list[Math.floor(random() * list.length)];
const PERMISSIONS = ["folders.view", "folders.create", "roles.view", "roles.assign", "billing.portal"];
// Keys rotate per tenant: four signing keys, each tenant trusting only its own.
const KEYS = Array.from({ length: 4 }, (_, i) => rg.compiler.keygen({ keyId: `k${i}` }));
const keyOf = (t) => KEYS[t % KEYS.length];
const trusted = (k) => ({ [k.keyId]: k.publicKey.slice(k.publicKey.indexOf("=") + 1) });

function policy(t) {
  const scopes = [{ id: `t${t}` }, ...Array.from({ length: 1 + (t % 4) }, (_, p) => ({ id: `t${t}-p${p}`, parent: `t${t}` }))];
  const roles = [
    { name: "admin", permissions: ["*"] },
    { name: "editor", permissions: ["folders.*", "roles.view"] },
    { name: "viewer", permissions: ["*.view"] },
  ];
  const subjects = Array.from({ length: 5 + (t % 7) * (t % 13 === 0 ? 40 : 3) }, (_, s) => ({
    id: `u${s}`,
    kind: "user",
    ...(random() < 0.05 ? { active: false } : {}),
    grants: Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({ role: pick(roles).name, scope: pick(scopes).id })),
  }));
  return { format: "rolegate.policy/1", tenant: `t${t}`, permissions: PERMISSIONS.map((name) => ({ name })), scopes, roles, subjects };
}

test("400 tenants under a memory cap: every answer right, the cap held, least recent evicted", () => {
  const TENANTS = 400;
  const docs = Array.from({ length: TENANTS }, (_, t) => policy(t));
  const snapshots = docs.map((doc, t) => rg.compiler.signSync(doc, { key: keyOf(t).key, revision: 1 }));
  // Each tenant's own gate: the reference, and what all of them together weigh.
  let all = 0;
  const queries = [];
  for (let t = 0; t < TENANTS; t++) {
    const gate = new rg.Gate(snapshots[t], { keys: trusted(keyOf(t)), tenant: `t${t}` });
    all += gate.memoryBytes;
    gate.close();
  }
  // Random requests, skewed as traffic is (a few tenants busy, a long tail).
  const refs = new Map();
  for (let i = 0; i < 6000; i++) {
    const t = random() < 0.5 ? Math.floor(random() * 20) : Math.floor(random() * TENANTS);
    const doc = docs[t];
    const user = random() < 0.03 ? "nobody" : pick(doc.subjects).id;
    const scope = pick(doc.scopes).id;
    const permission = pick(PERMISSIONS);
    if (!refs.has(t)) refs.set(t, new rg.Gate(snapshots[t], { keys: trusted(keyOf(t)), tenant: `t${t}` }));
    const ref = refs.get(t);
    const status = ref.subjectStatus(user) !== "active" ? 401 : ref.can(user, permission, scope) ? 200 : 403;
    queries.push([t, user, scope, permission, status]);
  }
  for (const gate of refs.values()) gate.close();
  const cap = Math.floor(all / 4);
  const input = join(dir, "tenants-input.json");
  writeFileSync(input, JSON.stringify({ cap, queries, snapshots: snapshots.map((b) => Buffer.from(b).toString("base64")), keys: KEYS.map(trusted) }));
  writeFileSync(
    join(dir, "run.mjs"),
    `import { readFileSync } from "node:fs";
import { tenantSource, engineMemoryBytes } from "rolegate";
import { authorizer } from "rolegate/node";
const { cap, queries, snapshots, keys } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const bytes = snapshots.map((b) => Buffer.from(b, "base64"));
let overCap = 0;
const errors = [];
const source = tenantSource({
  tenant: { header: "x-tenant" },
  load: async (tenant) => bytes[Number(tenant.slice(1))] ?? null,
  keys: (tenant) => keys[Number(tenant.slice(1)) % keys.length],
  memoryCap: cap,
  onError: (e) => errors.push(e.code),
});
const authorize = authorizer({ gate: source, header: "x-user", routes: [
  ${PERMISSIONS.map((p) => `{ method: "GET", path: "/${p}/:scope", permission: "${p}", scope: { param: "scope" } }`).join(",\n  ")},
] });
// The engine's memory with nothing held yet (its stack and static data), after one load.
(await source(undefined, undefined, { header: (n) => (n === "x-tenant" ? "t0" : null) })).memoryBytes;
source.evict("t0");
const baseline = engineMemoryBytes();
let wrong = 0;
for (const [t, user, scope, permission, want] of queries) {
  const outcome = await authorize({ method: "GET", url: "/" + permission + "/" + scope, headers: { "x-tenant": "t" + t, "x-user": user } });
  if (outcome.status !== want) wrong++;
  if (source.stats().memoryBytes > cap) overCap++;
}
console.log(JSON.stringify({ wrong, overCap, errors, ...source.stats(), baseline, grown: engineMemoryBytes() - baseline }));
`,
  );
  const stats = JSON.parse(execFileSync(process.execPath, [join(dir, "run.mjs"), input], { encoding: "utf8" }));
  console.log(`tenants: ${TENANTS}, all weigh ${all} B, cap ${cap} B; ${JSON.stringify(stats)}; hit rate ${(stats.hits / (stats.hits + stats.loads)).toFixed(3)}`);
  assert.equal(stats.wrong, 0, "every answer as the tenant's own gate");
  assert.equal(stats.overCap, 0, "the held gates never counted over the cap");
  assert.deepEqual(stats.errors, []);
  assert.ok(stats.evictions > 0 && stats.hits > stats.loads, JSON.stringify(stats));
  assert.ok(stats.grown < all, `the engine's memory grew by ${stats.grown} B, less than all tenants weigh (${all} B)`);
});

test("a tenant that cannot load answers 503, and loads once it can; a snapshot of another tenant or under another key is refused", async () => {
  const docs = [policy(1), policy(2), policy(3)];
  const good = docs.map((doc, i) => rg.compiler.signSync(doc, { key: keyOf(i + 1).key, revision: 1 }));
  const store = new Map([["t1", good[0]], ["t2", good[1]], ["t3", good[2]]]);
  let broken = true;
  const errors = [];
  const source = rg.tenantSource({
    tenant: { host: ".example.com" },
    load: async (tenant) => {
      if (tenant === "t2" && broken) throw new Error("KV down");
      return store.get(tenant) ?? null;
    },
    keys: (tenant) => trusted(keyOf(Number(tenant.slice(1)))),
    memoryCap: 10 * 2 ** 20,
    retryAfter: 50,
    onError: (e) => errors.push([e.tenant, e.code ?? e.message]),
  });
  const authorize = rg.authorizer({ gate: source, header: "x-user", routes: [{ method: "GET", path: "/x/:scope", permission: "folders.view", scope: { param: "scope" } }] });
  const ask = (host, scope) => authorize({ method: "GET", url: `/x/${scope}`, headers: { host, "x-user": "u0" } });
  const u0 = (i) => docs[i].subjects[0];
  const expectedStatus = (i) => (u0(i).active === false ? 401 : null);
  const first = await ask("t1.example.com", "t1");
  assert.ok([200, 403].includes(first.status) || first.status === expectedStatus(0), JSON.stringify(first));
  assert.equal((await ask("t2.example.com", "t2")).status, 503, "the loader failed");
  assert.equal((await ask("t9.example.com", "t9")).status, 503, "no such tenant");
  assert.equal((await ask("example.com", "t1")).status, 503, "no tenant in the host");
  assert.equal((await ask("a.b.example.com", "t1")).status, 503, "only one label names a tenant");
  broken = false;
  assert.equal((await ask("t2.example.com", "t2")).status, 503, "within retryAfter, still refused");
  await new Promise((r) => setTimeout(r, 60));
  assert.notEqual((await ask("t2.example.com", "t2")).status, 503, "loads once it can");
  // t3 served t1's policy signed with t3's own key: another tenant's. Then t3's policy
  // under another tenant's key.
  store.set("t3", rg.compiler.signSync(docs[0], { key: keyOf(3).key, revision: 1 }));
  assert.equal((await ask("t3.example.com", "t3")).status, 503);
  await new Promise((r) => setTimeout(r, 60));
  store.set("t3", rg.compiler.signSync(docs[2], { key: keyOf(0).key, revision: 1 }));
  assert.equal((await ask("t3.example.com", "t3")).status, 503);
  assert.deepEqual(errors.map(([t, code]) => [t, code]), [["t2", "KV down"], ["t9", "NOT_FOUND"], ["t3", "WRONG_TENANT"], ["t3", "UNKNOWN_KEY"]]);
  assert.deepEqual(source.current("t1").scopes, docs[0].scopes.map((s) => s.id), "a gate lists its scope ids");
  source.close();
  assert.deepEqual(source.tenants(), []);
});
