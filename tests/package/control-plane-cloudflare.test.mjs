// The control plane publishing to Cloudflare through its APIs, against Cloudflare's local
// emulation (Miniflare, pinned with Wrangler in tests/toolchains; workerd on 127.0.0.1):
// KV through the REST API's `PUT .../storage/kv/namespaces/NS/values/KEY` (bearer token
// checked) and R2 through the S3 API (each request's AWS Signature V4 checked), both
// served here by a worker over the emulated KV namespace and R2 bucket, which a second
// worker (tenantSource behind the edge guard) reads. A change through the admin API
// publishes its delta first; the edge worker applies it and answers the new revision.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { emulate, worker } from "./miniflare.mjs";
import { stageControlPlane, startControlPlane } from "./control-plane-harness.mjs";

const dir = stageControlPlane();
const compiler = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "compiler.js")).href);
const { kvWriter, s3Writer } = await import(pathToFileURL(join(dir, "cloudflare.mjs")).href);

const CREDENTIALS = { ACCOUNT: "acct-1", NAMESPACE: "ns-snapshots", API_TOKEN: "token-kv", ACCESS_KEY_ID: "AKIDROLEGATE", SECRET: "s3-secret", BUCKET_NAME: "snapshots" };

// Cloudflare's APIs, emulated over the emulated storage.
const API = `
import { AwsV4Signer } from "./node_modules/aws4fetch/dist/aws4fetch.esm.mjs";
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
async function signed(request, body, env) {
  const auth = request.headers.get("authorization") ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\\/(\\d{8})\\/([^/]+)\\/s3\\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m || m[1] !== env.ACCESS_KEY_ID) return false;
  if (request.headers.get("x-amz-content-sha256") !== hex(await crypto.subtle.digest("SHA-256", body))) return false;
  const headers = {};
  for (const name of m[4].split(";")) if (name !== "host") headers[name] = request.headers.get(name) ?? "";
  const again = await new AwsV4Signer({ method: request.method, url: request.url, headers, body, accessKeyId: m[1], secretAccessKey: env.SECRET, service: "s3", region: m[3], datetime: request.headers.get("x-amz-date") }).sign();
  return again.headers.get("authorization") === auth;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const kv = /^\\/client\\/v4\\/accounts\\/([^/]+)\\/storage\\/kv\\/namespaces\\/([^/]+)\\/values\\/(.+)$/.exec(url.pathname);
    if (kv && request.method === "PUT") {
      if (request.headers.get("authorization") !== "Bearer " + env.API_TOKEN || kv[1] !== env.ACCOUNT || kv[2] !== env.NAMESPACE) {
        return Response.json({ success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null }, { status: 403 });
      }
      await env.SNAPSHOTS.put(decodeURIComponent(kv[3]), await request.arrayBuffer());
      return Response.json({ success: true, errors: [], messages: [], result: null });
    }
    const s3 = /^\\/s3\\/([^/]+)\\/(.+)$/.exec(url.pathname);
    if (s3 && request.method === "PUT" && s3[1] === env.BUCKET_NAME) {
      const body = await request.arrayBuffer();
      if (!(await signed(request, body, env))) return new Response("<Error><Code>SignatureDoesNotMatch</Code></Error>", { status: 403 });
      await env.BUCKET.put(s3[2].split("/").map(decodeURIComponent).join("/"), body);
      return new Response(null, { status: 200 });
    }
    return new Response("no such API here", { status: 404 });
  },
};
`;

// The tenant's edge worker: snapshots from KV, deltas first.
const EDGE = `
import { tenantSource } from "./node_modules/rolegate/workerd.js";
import { guard } from "./node_modules/rolegate/edge.js";
let source;
const seen = { deltas: 0, errors: [] };
const gate = (env, ctx, request) =>
  (source ??= tenantSource({
    tenant: { header: "x-tenant" },
    load: (tenant, env) => env.SNAPSHOTS.get(tenant, "arrayBuffer"),
    delta: async (tenant, revision, env) => {
      const bytes = await env.SNAPSHOTS.get(tenant + "/deltas/" + revision, "arrayBuffer");
      if (bytes !== null) seen.deltas++;
      return bytes;
    },
    keys: JSON.parse(env.KEYS),
    memoryCap: 1 << 24,
    refresh: 0,
    onError: (e) => seen.errors.push(e.code ?? e.message),
  }))(env, ctx, request);
const handler = guard(async () => new Response("ok"), { gate, header: "x-user", routes: [{ method: "GET", path: "/folders/:scope", permission: "folders.view", scope: { param: "scope" } }] });
export default {
  fetch: async (request, env, ctx) =>
    new URL(request.url).pathname === "/state"
      ? Response.json({ revision: (await gate(env, ctx, { header: (n) => request.headers.get(n) })).revision, ...seen })
      : handler(request, env, ctx),
};
`;

const signingKey = compiler.keygen({ keyId: "acme-cp" });
const KEYS = { "acme-cp": signingKey.publicKey.slice(signingKey.publicKey.indexOf("=") + 1) };
let mf;
let api;
let cp;

before(async () => {
  writeFileSync(join(dir, "api-worker.js"), API);
  writeFileSync(join(dir, "edge-worker.js"), EDGE);
  const storage = { kvNamespaces: { SNAPSHOTS: "snapshots" }, r2Buckets: { BUCKET: "snapshots" } };
  mf = emulate(
    worker(dir, "api-worker.js", { ...storage, name: "api", bindings: CREDENTIALS }),
    worker(dir, "edge-worker.js", { ...storage, name: "edge", bindings: { KEYS: JSON.stringify(KEYS) } }),
  );
  api = (await mf.ready).toString().replace(/\/$/, "");
  cp = await startControlPlane(dir, {
    ROLEGATE_SIGNING_KEY: signingKey.key,
    CLOUDFLARE_API_URL: `${api}/client/v4`,
    CLOUDFLARE_ACCOUNT_ID: CREDENTIALS.ACCOUNT,
    CLOUDFLARE_API_TOKEN: CREDENTIALS.API_TOKEN,
    KV_NAMESPACE_ID: CREDENTIALS.NAMESPACE,
    R2_ENDPOINT: `${api}/s3`,
    R2_BUCKET: CREDENTIALS.BUCKET_NAME,
    R2_ACCESS_KEY_ID: CREDENTIALS.ACCESS_KEY_ID,
    R2_SECRET_ACCESS_KEY: CREDENTIALS.SECRET,
  });
});
after(async () => {
  await cp?.stop();
  await mf?.dispose();
});

const bytesOf = async (response) => new Uint8Array(await response.arrayBuffer());
const fromControlPlane = async (path, user = "alice") => bytesOf(await fetch(cp.url + path, { headers: { "x-user": user } }));
const edge = async (path, headers) => {
  const worker = await mf.getWorker("edge");
  const response = await worker.fetch(`http://localhost${path}`, { headers: { "x-tenant": "acme", ...headers } });
  return { status: response.status, body: await response.text() };
};

test("the control plane's snapshot and slices land in KV and R2 byte for byte, and the edge worker serves them", async () => {
  const kv = await mf.getKVNamespace("SNAPSHOTS", "api");
  const bucket = await mf.getR2Bucket("BUCKET", "api");
  const tenant = await fromControlPlane("/snapshots/tenant");
  assert.ok(tenant.length > 500);
  assert.deepEqual(new Uint8Array(await kv.get("acme", "arrayBuffer")), tenant);
  assert.deepEqual(await bytesOf(await bucket.get("acme/tenant.snapshot")), tenant);
  for (const user of ["alice", "bob", "carol"]) assert.deepEqual(await bytesOf(await bucket.get(`acme/users/${user}.snapshot`)), await fromControlPlane(`/snapshots/user/${user}`, user), user);
  assert.equal((await edge("/folders/shop-dev", { "x-user": "carol" })).status, 200);
  assert.equal((await edge("/folders/shop-dev", { "x-user": "grace" })).status, 403);
});

test("a change publishes its delta to KV and R2 before the snapshot, and the edge worker applies it", async () => {
  const before = JSON.parse((await edge("/state", {})).body);
  const change = await fetch(`${cp.url}/api/members/carol/deactivate`, { method: "POST", headers: { "x-user": "alice" } });
  assert.equal(change.status, 200);
  const { revision } = await change.json();
  assert.equal(revision, before.revision + 1);
  const kv = await mf.getKVNamespace("SNAPSHOTS", "api");
  const bucket = await mf.getR2Bucket("BUCKET", "api");
  const delta = await fromControlPlane(`/snapshots/tenant/deltas/${before.revision}`);
  assert.ok(delta.length > 0 && delta.length < (await fromControlPlane("/snapshots/tenant")).length / 2, `delta ${delta.length} B`);
  assert.deepEqual(new Uint8Array(await kv.get(`acme/deltas/${before.revision}`, "arrayBuffer")), delta);
  assert.deepEqual(await bytesOf(await bucket.get(`acme/deltas/${before.revision}.delta`)), delta);
  // The edge worker refreshes in the background on each request (refresh: 0).
  let state = before;
  for (let i = 0; i < 50 && state.revision !== revision; i++) {
    await edge("/folders/shop-dev", { "x-user": "bob" });
    state = JSON.parse((await edge("/state", {})).body);
  }
  assert.equal(state.revision, revision);
  assert.equal(state.deltas, before.deltas + 1, "reached by the delta, not a full load");
  assert.deepEqual(state.errors, []);
  assert.equal((await edge("/folders/shop-dev", { "x-user": "carol" })).status, 401, "carol is deactivated");
});

test("the writers refuse to publish with wrong credentials, with a code", async () => {
  const kv = kvWriter({ accountId: CREDENTIALS.ACCOUNT, namespaceId: CREDENTIALS.NAMESPACE, apiToken: "wrong", api: `${api}/client/v4` });
  await assert.rejects(kv.put("acme", new Uint8Array([1])), { code: "PUBLISH_FAILED", message: /403/ });
  const s3 = s3Writer({ endpoint: `${api}/s3`, bucket: CREDENTIALS.BUCKET_NAME, accessKeyId: CREDENTIALS.ACCESS_KEY_ID, secretAccessKey: "wrong" });
  await assert.rejects(s3.put("acme/tenant.snapshot", new Uint8Array([1])), { code: "PUBLISH_FAILED", message: /SignatureDoesNotMatch/ });
  const good = s3Writer({ endpoint: `${api}/s3`, bucket: CREDENTIALS.BUCKET_NAME, accessKeyId: CREDENTIALS.ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.SECRET });
  await good.put("scratch/a b/ü.bin", new Uint8Array([7, 8]));
  assert.deepEqual(await bytesOf(await (await mf.getR2Bucket("BUCKET", "api")).get("scratch/a b/ü.bin")), new Uint8Array([7, 8]));
  assert.throws(() => kvWriter({ accountId: "a", namespaceId: "", apiToken: "t" }), TypeError);
});
