// The packed tarball installed into a fresh ESM project and a fresh CommonJS project,
// exercised as users would: conformance, updates, rollback, expiry, key rotation, errors.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { conformance, fixture, keys, project, queryFiles } from "./harness.mjs";

const esmDir = project("esm", "module");
writeFileSync(join(esmDir, "entry.mjs"), 'export * from "rolegate";\n');
const esm = await import(pathToFileURL(join(esmDir, "entry.mjs")).href);

const cjsDir = project("cjs", "commonjs");
writeFileSync(join(cjsDir, "entry.js"), 'module.exports = require("rolegate");\n');
const cjsRequire = createRequire(join(cjsDir, "entry.js"));
const cjs = cjsRequire("./entry.js");

test("CommonJS resolves the require entry, ESM the node entry", () => {
  assert.match(cjsRequire.resolve("rolegate"), /node_modules\/rolegate\/index\.cjs$/);
  assert.equal(typeof cjs.Gate, "function");
  assert.equal(typeof esm.Gate, "function");
});

const ACME_NOW = Date.parse("2026-11-23T12:00:00Z");

for (const [flavor, { Gate, isRolegateError }] of [["esm", esm], ["cjs", cjs]]) {
  describe(`rolegate (${flavor})`, () => {
    const open = (name, options = {}) => new Gate(fixture(name), { keys: keys(), clock: () => ACME_NOW, ...options });

    test("every conformance query gives the expected answer", () => {
      let total = 0;
      for (const file of queryFiles()) {
        const gate = open(file.snapshot, { clock: () => file.now });
        const mismatches = file.queries.filter(([s, p, sc, expected]) => gate.can(s, p, sc) !== expected);
        assert.deepEqual(mismatches, [], `${file.name}: ${mismatches.length} mismatches`);
        for (const [s, p, sc, expected] of file.queries.slice(0, 2000)) {
          assert.equal(gate.explain(s, p, sc).allowed, expected);
          assert.equal(gate.bind(s, sc).can(p), expected, `bind(${s}, ${sc}).can(${p})`);
        }
        total += file.queries.length;
      }
      assert.ok(total > 60000, `only ${total} queries`);
    });

    test("API keys are found by token hash", () => {
      const gate = open("acme.snapshot");
      const { tokens } = JSON.parse(readFileSync(join(conformance, "acme.tokens.json"), "utf8"));
      for (const [token, subject] of tokens) assert.equal(gate.subjectForToken(token), subject, token);
    });

    test("explain gives the role and grant scope, or why not", () => {
      const gate = open("acme.snapshot");
      assert.deepEqual(
        { ...gate.explain("bob", "roles.create", "shop-dev"), message: undefined },
        { allowed: true, reason: "granted", role: "admin", grantScope: "shop", grantExpiresAt: null, revision: 100, message: undefined, suggestion: null },
      );
      assert.equal(gate.explain("bob", "roles.craete", "shop").reason, "unknown_permission");
      assert.equal(gate.explain("dave", "folders.view").reason, "inactive_subject");
      assert.equal(gate.explain("carol", "folders.view", "*").reason, "unknown_scope");
      assert.equal(gate.explain("nobody", "folders.view").reason, "unknown_subject");
      const later = open("acme.snapshot", { clock: () => Date.parse("2026-12-02T00:00:00Z") });
      const expired = later.explain("erin", "environments.update", "shop-prod");
      assert.equal(expired.reason, "grant_expired");
      assert.equal(expired.grantExpiresAt, Date.parse("2026-12-01T00:00:00Z"));
      assert.deepEqual(gate.permissions("frank", "internal").includes("events.retrieve"), true);
      assert.deepEqual(gate.whoCan("roles.create", "shop-dev"), ["alice", "bob"]);
      assert.equal(gate.tenant, "acme");
      assert.equal(gate.keyId, "acme-a");
      assert.equal(gate.sliceSubject, null);
      assert.equal(gate.expiresAt, null);
      assert.equal(gate.issuedAt.toISOString(), "2026-11-01T00:00:00.000Z");
    });

    test("update swaps atomically; keys rotate by key id; rollback is refused", () => {
      const gate = open("acme.snapshot");
      const bob = gate.bind("bob", "shop");
      assert.equal(bob.can("roles.create"), true);
      let updated = 0;
      gate.addEventListener("updated", () => updated++);
      gate.update(fixture("acme-rev101-key-b.snapshot"));
      assert.deepEqual([gate.revision, gate.keyId, updated], [101, "acme-b", 1]);
      assert.equal(bob.can("roles.create"), true, "a handle follows updates");
      assert.throws(() => gate.update(fixture("acme-rev99.snapshot")), (e) => e.code === "ROLLBACK" && isRolegateError(e));
      assert.equal(gate.revision, 101);
      assert.equal(gate.can("alice", "billing.cancel"), true, "the old snapshot keeps serving");
      assert.equal(updated, 1);

      const onlyA = { "acme-a": keys()["acme-a"] };
      assert.throws(() => new Gate(fixture("acme-rev101-key-b.snapshot"), { keys: onlyA, clock: () => ACME_NOW }), { code: "UNKNOWN_KEY" });
      const onlyB = new Map([["acme-b", keys()["acme-b"]]]);
      assert.equal(new Gate(fixture("acme-rev101-key-b.snapshot"), { keys: onlyB, clock: () => ACME_NOW }).revision, 101);
    });

    test("a handle's fast path (default clock, nothing expiring) answers as the gate, and follows update and close", () => {
      // The default clock: bob's set (admin on shop) and the snapshot never expire.
      const gate = new Gate(fixture("acme.snapshot"), { keys: keys() });
      const bob = gate.bind("bob", "shop");
      const catalog = gate.permissions("alice", "acme");
      assert.ok(catalog.length > 10);
      // Three passes over the catalog, by name and by id: the answers bob's set shares.
      for (let pass = 0; pass < 3; pass++) {
        for (const p of catalog) {
          const want = gate.can("bob", p, "shop");
          assert.equal(bob.can(p), want, `${p}, pass ${pass}`);
          assert.equal(bob.canId(gate.permissionId(p)), want, `${p} by id, pass ${pass}`);
        }
        assert.equal(bob.can("no.such.permission"), false);
      }
      assert.equal(bob.can("roles.create"), true);
      assert.throws(() => bob.can(5), TypeError, "a fast path still refuses a non-string");
      assert.throws(() => bob.canId("1"), TypeError);
      assert.equal(bob.canId(1.5), false);
      assert.equal(bob.canId(-1), false);
      assert.equal(bob.canId(1 << 20), false);
      // A second handle on bob's set shares its answers.
      const fewChecks = gate.bind("bob", "shop");
      assert.equal(fewChecks.can("roles.create"), true);
      assert.equal(fewChecks.can("roles.create"), true);
      gate.update(fixture("acme-rev103-without-bob.snapshot"));
      assert.equal(bob.can("roles.create"), false, "an update ends the fast path");
      assert.equal(fewChecks.can("roles.create"), false, "an update ends it for every handle on the set");
      assert.equal(bob.canId(gate.permissionId("roles.create")), false);
      const carol = gate.bind("carol", "shop-dev");
      for (let pass = 0; pass < 3; pass++) for (const p of catalog) carol.can(p);
      const folders = gate.permissionId("folders.create");
      assert.equal(carol.canId(folders), true);
      const carolOnce = gate.bind("carol", "shop-dev");
      assert.equal(carolOnce.can("folders.create"), true);
      gate.close();
      assert.equal(carol.can("folders.create"), false, "close() ends the fast path");
      assert.equal(carolOnce.can("folders.create"), false, "close() ends it for every handle on the set");
      assert.equal(carol.canId(folders), false);
    });

    test("an expiring snapshot fails closed while serving and signals it once", () => {
      let now = ACME_NOW;
      const gate = open("acme-1h.snapshot", { clock: () => now });
      const alice = gate.bind("alice");
      let expired = 0;
      gate.addEventListener("expired", () => expired++);
      assert.equal(gate.can("alice", "billing.cancel"), true);
      assert.equal(alice.can("billing.cancel"), true);
      now += 3600 * 1000;
      assert.equal(gate.expired, true);
      assert.equal(gate.can("alice", "billing.cancel"), false);
      assert.equal(alice.can("billing.cancel"), false);
      assert.deepEqual(gate.permissions("alice"), []);
      assert.equal(gate.explain("alice", "billing.cancel").reason, "snapshot_expired");
      assert.equal(expired, 1);
      // A clock that returns nonsense also denies.
      const broken = open("acme.snapshot", { clock: () => "noon" });
      assert.equal(broken.can("alice", "billing.cancel"), false);
      assert.throws(() => open("acme-1h.snapshot", { clock: () => ACME_NOW + 3600 * 1000 }), { code: "EXPIRED" });
    });

    test("cached answers follow a grant's expiry and an update", () => {
      let now = Date.parse("2026-11-30T23:59:59Z");
      const gate = open("acme.snapshot", { clock: () => now });
      const erin = gate.bind("erin", "shop-prod");
      assert.equal(gate.can("erin", "environments.update", "shop-prod"), true);
      assert.equal(erin.can("environments.update"), true);
      const id = gate.permissionId("environments.update");
      assert.equal(erin.canId(id), true);
      assert.equal(erin.canId(id + 0.5), false);
      assert.equal(erin.canId(10_000), false);
      now = Date.parse("2026-12-01T00:00:00Z");
      assert.equal(gate.can("erin", "environments.update", "shop-prod"), false, "the grant expired");
      assert.equal(erin.can("environments.update"), false);
      assert.equal(erin.can("roles.view"), false);
      assert.equal(gate.can("carol", "folders.create", "shop-dev"), true, "other cached sets stay");
      gate.update(fixture("acme-rev101-key-b.snapshot"));
      assert.equal(gate.can("carol", "folders.create", "shop-dev"), true);
      assert.equal(gate.can("nobody", "folders.view"), false);
      assert.equal(gate.can("nobody", "folders.view"), false, "unknown names are remembered as unknown");
    });

    test("refused snapshots throw coded errors", () => {
      const good = fixture("acme.snapshot");
      const tampered = good.slice();
      tampered[good.length - 10] ^= 1;
      for (const [bytes, options, code] of [
        [tampered, {}, "BAD_SIGNATURE"],
        [good, { tenant: "globex" }, "WRONG_TENANT"],
        [good, { subject: "bob" }, "WRONG_SUBJECT"],
        [good, { minRevision: 101 }, "ROLLBACK"],
        [good, { maxBytes: 64 }, "TOO_LARGE"],
        [good.slice(0, 30), {}, "MALFORMED"],
        [new TextEncoder().encode('{"format": "rolegate.policy/1"}'), {}, "BAD_MAGIC"],
        [good, { clock: () => Date.parse("2026-10-01T00:00:00Z") }, "NOT_YET_VALID"],
      ]) {
        assert.throws(() => new Gate(bytes, { keys: keys(), clock: () => ACME_NOW, ...options }), (e) => {
          assert.equal(e.code, code);
          assert.equal(e.name, "RolegateError");
          assert.ok(e instanceof Error && isRolegateError(e));
          return true;
        });
      }
      assert.equal(new Gate(good.buffer.slice(0), { keys: keys(), clock: () => ACME_NOW }).revision, 100, "an ArrayBuffer works");
      // Key text is base64, standard or URL-safe, padding optional, strictly (decoded in JS).
      const id = new Gate(good, { keys: keys(), clock: () => ACME_NOW }).keyId;
      const text = keys()[id];
      const urlSafe = text.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      assert.equal(new Gate(good, { keys: { [id]: ` ${urlSafe} ` }, clock: () => ACME_NOW }).revision, 100);
      for (const bad of ["not base64!", `${text}==`, `${text.slice(0, -2)}B=`, text.slice(1), "", "a"]) {
        assert.throws(() => new Gate(good, { keys: { [id]: bad }, clock: () => ACME_NOW }), (e) => e.code === "BAD_KEY" && e.name === "RolegateError", JSON.stringify(bad));
      }
      const bob = open("acme-bob.snapshot", { subject: "bob" });
      assert.equal(bob.sliceSubject, "bob");
      assert.equal(bob.can("bob", "roles.create", "shop-dev"), true);
      assert.equal(bob.can("alice", "roles.view"), false);
    });

    test("with the default clock, checks of one synchronous run share a reading; expiry is seen at the next", async () => {
      // acme-1h.snapshot expires an hour after ACME_NOW. Date.now is stubbed before the
      // gate is made, since a gate keeps the clock it was given (the default: Date.now).
      const realNow = Date.now;
      let now = ACME_NOW;
      let reads = 0;
      Date.now = () => (reads++, now);
      try {
        const gate = new Gate(fixture("acme-1h.snapshot"), { keys: keys() });
        const handle = gate.bind("alice");
        await Promise.resolve();
        reads = 0;
        let allowed = 0;
        for (let i = 0; i < 3000; i++) allowed += gate.can(i % 2 ? "alice" : "bob", "billing.cancel") + handle.can("billing.cancel");
        assert.equal(allowed, 4500, "alice is allowed, bob is not");
        assert.ok(reads >= 1 && reads <= 6, `${reads} clock reads for 6,000 checks`);
        now = ACME_NOW + 3600 * 1000;
        assert.equal(gate.can("alice", "billing.cancel"), true, "the run's reading still serves");
        let denied = 0;
        for (let i = 0; i < 1100; i++) denied += !gate.can("alice", "billing.cancel");
        assert.ok(denied > 0, "a long run reads the clock again");
        now = ACME_NOW;
        await Promise.resolve();
        assert.equal(gate.can("alice", "billing.cancel"), true);
        now = ACME_NOW + 3600 * 1000;
        await Promise.resolve();
        assert.equal(gate.can("alice", "billing.cancel"), false, "the next run reads the clock: expired");
        assert.equal(handle.can("billing.cancel"), false);
        assert.equal(gate.expired, true);
      } finally {
        Date.now = realNow;
      }
      // A clock passed in is read on every check.
      let own = 0;
      const gate = new Gate(fixture("acme-1h.snapshot"), { keys: keys(), clock: () => (own++, ACME_NOW) });
      own = 0;
      for (let i = 0; i < 100; i++) gate.can("alice", "billing.cancel");
      assert.ok(own >= 100, `${own} reads for 100 checks`);
    });

    test("wrong argument types throw TypeError; the gate keeps serving", () => {
      const gate = open("acme.snapshot");
      const typeError = (e) => e instanceof TypeError && e.code === "INVALID_ARGUMENT";
      const hostile = [undefined, null, 42, 1n, {}, [], Symbol("x"), () => "alice", new String("alice")];
      for (const bad of hostile) {
        assert.throws(() => gate.can(bad, "roles.view"), typeError);
        assert.throws(() => gate.can("alice", bad), typeError);
        assert.throws(() => gate.explain(bad, "roles.view"), typeError);
        assert.throws(() => gate.bind(bad), typeError);
        assert.throws(() => gate.subjectForToken(bad), typeError);
        assert.throws(() => new Gate(bad, { keys: keys() }), typeError);
        assert.throws(() => gate.update(bad), typeError);
        if (bad !== undefined && bad !== null) assert.throws(() => gate.can("alice", "roles.view", bad), typeError);
      }
      // The options object is read and checked in JS: the engine takes plain values only.
      const raw = Object.values(keys())[0];
      const badOptions = [undefined, null, 42, "keys", {}, { keys: 42 }, { keys: {} }, { keys: [] }, { keys: new Map() }, { keys: [["k"]] }, { keys: [[5, raw]] }, { keys: { k: 7 } }, { keys: [["k", [1, 2]]] }];
      for (const [name, value] of [["clock", 5], ["tenant", 5], ["subject", {}], ["minRevision", -1], ["minRevision", 1.5], ["maxBytes", NaN], ["maxBytes", Infinity], ["clockSkew", "60"], ["expiryGrace", 2n]]) {
        badOptions.push({ keys: keys(), [name]: value });
      }
      for (const bad of badOptions) {
        assert.throws(() => new Gate(fixture("acme.snapshot"), bad), typeError, JSON.stringify(bad, (k, v) => (typeof v === "bigint" ? `${v}n` : v)));
      }
      assert.throws(() => new Gate(fixture("acme.snapshot"), { keys: { "acme-a": new Uint8Array(31) } }), { code: "BAD_KEY" });
      assert.throws(() => new Gate(fixture("acme.snapshot"), { keys: [["acme-a", raw], ["acme-a", new Uint8Array(32).fill(9)]] }), { code: "BAD_KEY" });
      assert.throws(() => new Gate(fixture("acme.snapshot"), { keys: keys(), tenant: "acme\ud800" }), { code: "WRONG_TENANT" }, "an ill-formed tenant is no tenant");
      assert.equal(new Gate(fixture("acme.snapshot"), { keys: keys(), tenant: "acme", minRevision: 100, maxBytes: 1 << 20, clockSkew: 0, expiryGrace: 0, clock: () => ACME_NOW }).revision, 100);
      assert.throws(() => gate.bind("alice").can(7), typeError);
      assert.throws(() => gate.subjectForTokenHash("abc"), typeError);
      assert.throws(() => gate.subjectForTokenHash(new Uint8Array(31)), typeError);
      assert.equal(gate.can("alice\u0000", "roles.view"), false);
      assert.equal(gate.can("a".repeat(1 << 20), "\ud800", "\udfff"), false);
      assert.equal(gate.can("alice", "roles.*"), false);
      assert.equal(gate.can("alice", "billing.cancel"), true, "still serving after every bad call");
    });
  });
}
