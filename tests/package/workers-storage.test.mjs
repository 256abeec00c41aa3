// Snapshots from real Workers storage, in Cloudflare's own local emulation (Miniflare,
// pinned with Wrangler in tests/toolchains; workerd on 127.0.0.1): one worker serves
// tenants whose snapshots live in a KV namespace and tenants whose snapshots live in an
// R2 bucket, through a tenantSource behind the edge guard, with the installed tarball's
// modules as a worker imports them. Every answer is checked against each tenant's own
// gate; a new revision written to KV is picked up by the background refresh.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { project } from "./harness.mjs";
import { emulate, worker } from "./miniflare.mjs";

const dir = project("workers-storage", "module");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate";\nexport * as compiler from "rolegate/compiler";\n');
const rg = await import(pathToFileURL(join(dir, "entry.mjs")).href);

const WORKER = `
import { tenantSource } from "./node_modules/rolegate/workerd.js";
import { guard } from "./node_modules/rolegate/edge.js";
let source;
const gate = (env, ctx, request) =>
  (source ??= tenantSource({
    tenant: { header: "x-tenant" },
    // KV for the k… tenants, R2 for the r… ones.
    load: async (tenant, env) => (tenant.startsWith("r") ? (await env.BUCKET.get(tenant + "/tenant.snapshot"))?.arrayBuffer() : env.SNAPSHOTS.get(tenant, "arrayBuffer")),
    keys: JSON.parse(env.KEYS),
    memoryCap: 1 << 20,
    refresh: 0,
  }))(env, ctx, request);
const handler = guard(async (request, env, ctx) => Response.json({ subject: ctx.rolegate.subject }), {
  gate,
  header: "x-user",
  routes: [{ method: "GET", path: "/folders/:scope", permission: "folders.view", scope: { param: "scope" } }, { method: "POST", path: "/folders/:scope", permission: "folders.create", scope: { param: "scope" } }],
});
export default {
  fetch: (request, env, ctx) => (new URL(request.url).pathname === "/revision" ? gate(env, ctx, { header: (n) => request.headers.get(n) }).then((g) => new Response(String(g.revision))) : handler(request, env, ctx)),
};
`;

const key = rg.compiler.keygen({ keyId: "edge-1" });
const KEYS = { "edge-1": key.publicKey.slice(key.publicKey.indexOf("=") + 1) };
function policy(tenant, n) {
  const roles = [{ name: "editor", permissions: ["folders.*"] }, { name: "viewer", permissions: ["folders.view"] }];
  const scopes = [{ id: `${tenant}-root` }, { id: `${tenant}-a`, parent: `${tenant}-root` }, { id: `${tenant}-b`, parent: `${tenant}-root` }];
  const subjects = Array.from({ length: n }, (_, i) => ({ id: `u${i}`, kind: "user", grants: [{ role: roles[i % 2].name, scope: scopes[i % 3].id }] }));
  return { format: "rolegate.policy/1", tenant, permissions: [{ name: "folders.view" }, { name: "folders.create" }], scopes, roles, subjects };
}
const TENANTS = ["k1", "k2", "k3", "r1", "r2", "r3"];
const docs = new Map(TENANTS.map((t, i) => [t, policy(t, 5 + i * 7)]));

let mf;
before(async () => {
  writeFileSync(join(dir, "worker.js"), WORKER);
  mf = emulate(worker(dir, "worker.js", { kvNamespaces: ["SNAPSHOTS"], r2Buckets: ["BUCKET"], bindings: { KEYS: JSON.stringify(KEYS) } }));
  const kv = await mf.getKVNamespace("SNAPSHOTS");
  const bucket = await mf.getR2Bucket("BUCKET");
  for (const [tenant, doc] of docs) {
    const bytes = rg.compiler.signSync(doc, { key: key.key, revision: 1 });
    if (tenant.startsWith("r")) await bucket.put(`${tenant}/tenant.snapshot`, bytes);
    else await kv.put(tenant, bytes);
  }
});
after(async () => {
  await mf?.dispose();
});

const ask = (tenant, user, method, scope) => mf.dispatchFetch(`http://localhost/folders/${scope}`, { method, headers: { "x-tenant": tenant, "x-user": user } });

test("tenants from KV and from R2 answer as their own gates, through the edge guard", async () => {
  let checked = 0;
  for (const [tenant, doc] of docs) {
    const ref = new rg.Gate(rg.compiler.signSync(doc, { key: key.key, revision: 1 }), { keys: KEYS, tenant });
    for (const s of doc.subjects) {
      for (const scope of doc.scopes) {
        for (const [method, permission] of [["GET", "folders.view"], ["POST", "folders.create"]]) {
          const response = await ask(tenant, s.id, method, scope.id);
          await response.arrayBuffer();
          assert.equal(response.status, ref.can(s.id, permission, scope.id) ? 200 : 403, `${tenant} ${s.id} ${method} ${scope.id}`);
          checked++;
        }
      }
    }
    ref.close();
  }
  assert.ok(checked > 300);
  const missing = await ask("k9", "u0", "GET", "k9-root");
  assert.equal(missing.status, 503, "a tenant with no snapshot in KV");
  await missing.arrayBuffer();
});

test("a new revision written to KV or R2 is served after the background refresh", async () => {
  const kv = await mf.getKVNamespace("SNAPSHOTS");
  const bucket = await mf.getR2Bucket("BUCKET");
  for (const tenant of ["k1", "r1"]) {
    const doc = structuredClone(docs.get(tenant));
    doc.subjects[0].grants = [];
    const bytes = rg.compiler.signSync(doc, { key: key.key, revision: 2 });
    if (tenant === "k1") await kv.put(tenant, bytes);
    else await bucket.put(`${tenant}/tenant.snapshot`, bytes);
    let revision = "1";
    for (let i = 0; i < 50 && revision !== "2"; i++) {
      revision = await (await mf.dispatchFetch("http://localhost/revision", { headers: { "x-tenant": tenant } })).text();
      if (revision !== "2") await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(revision, "2", tenant);
    const denied = await ask(tenant, "u0", "GET", `${tenant}-root`);
    await denied.arrayBuffer();
    assert.equal(denied.status, 403, `${tenant}: u0's grant is gone`);
  }
});
