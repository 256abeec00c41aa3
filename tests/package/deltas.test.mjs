// Signed deltas from the installed tarball: `rolegate build --delta-from` and the JS
// compiler's `delta` write the same bytes; `gate.applyDelta` on the old snapshot gives
// the gate the full new snapshot gives (same revision, same answer to every conformance
// query); a delta on another revision, a tampered one or a refused one leaves the gate
// serving what it had, and the sources fall back to the full snapshot.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { conformance, project, root } from "./harness.mjs";

const dir = project("deltas", "module");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate";\nexport * as compiler from "rolegate/compiler";\n');
const rg = await import(pathToFileURL(join(dir, "entry.mjs")).href);
const cli = process.env.ROLEGATE_CLI_BIN ?? join(root, "target", "release", "rolegate");
const keyFile = join(root, "tests", "fixtures", "test-signing-key.json");
const keyJson = readFileSync(keyFile, "utf8");
const publicKey = rg.compiler.publicKey(keyJson);
const keys = { [publicKey.slice(0, publicKey.indexOf("="))]: publicKey.slice(publicKey.indexOf("=") + 1) };
const scratch = mkdtempSync(join(tmpdir(), "rolegate-deltas-"));
const ISSUED = "2026-11-01T00:00:00Z";

const files = readdirSync(join(conformance, "generated"))
  .filter((f) => f.endsWith(".queries.json"))
  .map((f) => join(conformance, "generated", f));
files.unshift(join(conformance, "acme.queries.json"));

function vectors(file) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  const policy = JSON.parse(readFileSync(join(file, "..", doc.policy), "utf8"));
  return { policy, now: Date.parse(doc.now), queries: doc.queries };
}

/** The policy with one more grant: the first role on the root, for the last subject. */
function withOneGrant(policy) {
  const next = structuredClone(policy);
  next.subjects.at(-1).grants.push({ role: next.roles[0].name, scope: next.scopes[0].id });
  return next;
}

test("the CLI's --delta-from and the compiler's delta write the same bytes, and applying one gives the full snapshot's gate", () => {
  assert.ok(files.length >= 6);
  for (const file of files) {
    const { policy, now, queries } = vectors(file);
    const next = withOneGrant(policy);
    const old = rg.compiler.signSync(policy, { key: keyJson, revision: 1, issuedAt: ISSUED });
    const full = rg.compiler.signSync(next, { key: keyJson, revision: 2, issuedAt: ISSUED });
    const delta = rg.compiler.delta(old, next, { key: keyJson, revision: 2, issuedAt: ISSUED });

    const oldFile = join(scratch, "old.snapshot");
    const policyFile = join(scratch, "next.policy.json");
    writeFileSync(oldFile, old);
    writeFileSync(policyFile, JSON.stringify(next));
    const out = join(scratch, "next.delta");
    const report = JSON.parse(execFileSync(cli, ["--json", "build", policyFile, "--key", keyFile, "--revision", "2", "--issued-at", ISSUED, "--delta-from", oldFile, "--out", out], { encoding: "utf8" }));
    assert.deepEqual(new Uint8Array(readFileSync(out)), delta, file);
    assert.equal(report.bytes, delta.length);
    assert.equal(report.full_bytes, full.length);
    assert.equal(report.from_revision, 1);
    assert.ok(delta.length < full.length, `${file}: delta ${delta.length} B, full ${full.length} B`);

    const clock = () => now;
    const applied = new rg.Gate(old, { keys, clock });
    let updated = 0;
    applied.addEventListener("updated", () => updated++);
    applied.applyDelta(delta);
    assert.equal(updated, 1);
    const reference = new rg.Gate(full, { keys, clock });
    assert.equal(applied.revision, 2);
    assert.equal(applied.keyId, reference.keyId);
    assert.deepEqual(applied.scopes, reference.scopes);
    for (const [subject, permission, scope] of queries) {
      assert.equal(applied.can(subject, permission, scope), reference.can(subject, permission, scope), `${file}: ${subject} ${permission} ${scope}`);
    }
    const last = next.subjects.at(-1).id;
    assert.deepEqual(applied.permissions(last, next.scopes[0].id), reference.permissions(last, next.scopes[0].id));
    // Applied twice: the gate now holds revision 2, which the delta is not built on.
    assert.throws(() => applied.applyDelta(delta), { code: "DELTA_BASE" });
    applied.close();
    reference.close();
  }
});

test("a tampered delta, one on another revision and a snapshot passed as a delta are refused, and the gate keeps serving", () => {
  const { policy, now, queries } = vectors(files[0]);
  const next = withOneGrant(policy);
  const old = rg.compiler.signSync(policy, { key: keyJson, revision: 1, issuedAt: ISSUED });
  const delta = rg.compiler.delta(old, next, { key: keyJson, revision: 2, issuedAt: ISSUED });
  const gate = new rg.Gate(old, { keys, clock: () => now });
  const before = queries.map(([s, p, sc]) => gate.can(s, p, sc));
  const codes = new Set();
  for (let i = 0; i < delta.length; i += 7) {
    const bad = delta.slice();
    bad[i] ^= 0x20;
    assert.throws(() => gate.applyDelta(bad), (e) => (codes.add(e.code), e.name === "RolegateError"));
  }
  assert.ok(codes.has("BAD_SIGNATURE"), [...codes].join(" "));
  assert.throws(() => gate.applyDelta(old), { code: "BAD_MAGIC" });
  assert.throws(() => gate.applyDelta("nope"), { code: "INVALID_ARGUMENT" });
  // Built on other bytes of revision 1 (which already held the new grant), so that from
  // this gate's bytes it does not build what it states: DELTA_BASE.
  const other = rg.compiler.signSync(next, { key: keyJson, revision: 1, issuedAt: ISSUED });
  const elsewhere = rg.compiler.delta(other, next, { key: keyJson, revision: 2, issuedAt: ISSUED });
  assert.throws(() => gate.applyDelta(elsewhere), { code: "DELTA_BASE" });
  // The compiler refuses what cannot follow: a lower revision, another tenant, a slice of a full snapshot.
  assert.throws(() => rg.compiler.delta(old, next, { key: keyJson, revision: 1, issuedAt: ISSUED }), { code: "ROLLBACK" });
  assert.throws(() => rg.compiler.delta(old, { ...next, tenant: "globex" }, { key: keyJson, revision: 2 }), { code: "WRONG_TENANT" });
  assert.throws(() => rg.compiler.delta(old, next, { key: keyJson, revision: 2, subject: next.subjects[0].id }), { code: "WRONG_SUBJECT" });
  assert.equal(gate.revision, 1);
  assert.deepEqual(
    queries.map(([s, p, sc]) => gate.can(s, p, sc)),
    before,
  );
  gate.applyDelta(delta);
  assert.equal(gate.revision, 2);
});

test("sources try the delta first and fall back to the full snapshot when it is missing or refused", async () => {
  const { policy, now } = vectors(files[0]);
  const v = [policy, withOneGrant(policy), withOneGrant(withOneGrant(policy))];
  const full = v.map((p, i) => rg.compiler.signSync(p, { key: keyJson, revision: i + 1, issuedAt: ISSUED }));
  const deltas = new Map([[1, rg.compiler.delta(full[0], v[1], { key: keyJson, revision: 2, issuedAt: ISSUED })]]);
  let current = full[0];
  const fetched = [];
  const errors = [];
  const source = rg.snapshotSource({
    keys,
    clock: () => now,
    get: () => (fetched.push("full"), current),
    delta: (revision) => (fetched.push(`delta ${revision}`), deltas.get(revision) ?? null),
    onError: (e) => errors.push(e.code),
  });
  const gate = await source();
  assert.equal(gate.revision, 1);
  current = full[1];
  assert.equal(await source.refresh(), true);
  assert.equal(gate.revision, 2);
  assert.deepEqual(fetched, ["full", "delta 1"]);
  // No delta from 2: the full snapshot. A tampered delta from 2: refused, reported, full.
  current = full[2];
  deltas.set(2, Object.assign(deltas.get(1).slice(), { [40]: deltas.get(1)[40] ^ 1 }));
  assert.equal(await source.refresh(), true);
  assert.equal(gate.revision, 3);
  assert.deepEqual(fetched.slice(2), ["delta 2", "full"]);
  assert.deepEqual(errors, ["BAD_SIGNATURE"]);

  // tenantSource: the background refresh takes the tenant's delta.
  const tenantDeltas = [];
  const tenants = rg.tenantSource({
    tenant: (request) => request.header("x-tenant"),
    keys,
    clock: () => now,
    memoryCap: 1 << 24,
    refresh: 0,
    load: () => full[0],
    delta: (tenant, revision) => (tenantDeltas.push([tenant, revision]), revision === 1 ? deltas.get(1) : null),
  });
  const request = { header: (name) => (name === "x-tenant" ? policy.tenant : null) };
  const first = await tenants(undefined, undefined, request);
  assert.equal(first.revision, 1);
  const waits = [];
  await tenants(undefined, { waitUntil: (p) => waits.push(p) }, request);
  await Promise.all(waits);
  assert.equal(tenants.current(policy.tenant).revision, 2);
  assert.deepEqual(tenantDeltas[0], [policy.tenant, 1]);
  tenants.close();
});

test("after a delta, a URL source does not download the full snapshot of the build it holds; another build of it, it does", async () => {
  const { policy, now } = vectors(files[0]);
  const next = withOneGrant(policy);
  const old = rg.compiler.signSync(policy, { key: keyJson, revision: 1, issuedAt: ISSUED });
  const full = rg.compiler.signSync(next, { key: keyJson, revision: 2, issuedAt: ISSUED });
  const delta = rg.compiler.delta(old, next, { key: keyJson, revision: 2, issuedAt: ISSUED });
  let served = { bytes: old, etag: '"r1"' };
  const chunks = { served: 0 };
  const fetch = async (url, init) => {
    if (init.headers["if-none-match"] === served.etag) return new Response(null, { status: 304 });
    const { bytes } = served;
    let at = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        chunks.served++;
        controller.enqueue(bytes.slice(at, (at += 256)));
      },
    });
    return new Response(body, { headers: { etag: served.etag } });
  };
  const updates = [];
  const source = rg.snapshotSource({
    keys,
    clock: () => now,
    url: "https://cdn.test/acme/tenant.snapshot",
    fetch,
    delta: (revision) => (revision === 1 ? delta : null),
    onUpdate: (g) => updates.push(g.revision),
  });
  const gate = await source();
  served = { bytes: full, etag: '"r2"' };
  assert.equal(await source.refresh(), true);
  assert.equal(gate.revision, 2);
  // The full snapshot of revision 2 is that very build: its header is read, the rest is not.
  chunks.served = 0;
  assert.equal(await source.refresh(), false);
  assert.ok(chunks.served <= 2 && full.length > 256 * 4, `${chunks.served} chunks of ${Math.ceil(full.length / 256)}`);
  chunks.served = 0;
  assert.equal(await source.refresh(), false, "and its ETag is now the one sent");
  assert.equal(chunks.served, 0);
  assert.deepEqual(updates, [1, 2]);
  // Revision 2 signed again later (a new expiry, say): another build, downloaded and loaded.
  const resigned = rg.compiler.signSync(next, { key: keyJson, revision: 2, issuedAt: "2026-11-05T00:00:00Z", ttl: "30d" });
  served = { bytes: resigned, etag: '"r2b"' };
  assert.equal(await source.refresh(), true);
  assert.equal(gate.issuedAt.getTime(), Date.parse("2026-11-05T00:00:00Z"));
  assert.deepEqual(updates, [1, 2, 2]);
});
