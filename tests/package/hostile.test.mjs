// The JS boundary under hostile input: every exported function, method and constructor
// called with wrong types and hostile values throws a TypeError (or, for bytes, a coded
// refusal) or answers false, and the gate keeps serving its last good snapshot; 10,000
// updates keep the wasm memory flat.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { fixture, keys, project } from "./harness.mjs";

const dir = project("hostile");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate"; export * from "rolegate/edge"; export * from "rolegate/node";\n');
const api = await import(pathToFileURL(join(dir, "entry.mjs")).href);
const { Gate, guard, authorizer, middleware, snapshotSource, isRolegateError } = api;
// The same module instance the entry initialised: initSync hands back its exports.
const engine = await import(pathToFileURL(join(dir, "node_modules", "rolegate", "engine.js")).href);
const wasm = engine.initSync({ module: readFileSync(join(dir, "node_modules", "rolegate", "engine_bg.wasm")) });

const NOW = Date.parse("2026-11-23T12:00:00Z");
const open = (name = "acme.snapshot") => new Gate(fixture(name), { keys: keys(), clock: () => NOW });

function detached() {
  const view = new Uint8Array(64);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view; // a view whose buffer is gone: length 0
}

const trap = new Proxy({}, { get: () => { throw new Error("trap: get"); }, has: () => { throw new Error("trap: has"); }, ownKeys: () => { throw new Error("trap: ownKeys"); } });
const throwingString = { toString: () => { throw new Error("trap: toString"); }, valueOf: () => { throw new Error("trap: valueOf"); } };
const HOSTILE = [
  undefined, null, 0, -1, NaN, Infinity, 2 ** 53, 1n, true, {}, [], ["alice"], Symbol("x"), () => "alice",
  new String("alice"), trap, throwingString, new Uint8Array(4), new Date(), /alice/, Object.create(null),
];
const HOSTILE_BYTES = [
  detached(), new Uint8Array(new SharedArrayBuffer(64)), new Uint8Array(0), new Uint16Array(8), new DataView(new ArrayBuffer(8)),
  fixture("acme.snapshot").subarray(1), new Uint8Array(1 << 20), "acme.snapshot", [1, 2, 3], trap,
];
const HOSTILE_STRINGS = ["", "\u0000", "\ud800", "\udfff\ud800", "a".repeat(1 << 24), "alice\u0000", "ALICE", " alice", "*", "roles.*", "\u{1F600}".repeat(1000)];

/** A call may throw a TypeError or a coded rolegate error, or return; nothing else. */
function refusedCleanly(call, label) {
  try {
    return { value: call() };
  } catch (error) {
    assert.ok(error instanceof TypeError || isRolegateError(error), `${label}: ${error?.constructor?.name}: ${error?.message}`);
    return { error };
  }
}

function stillServes(gate, label) {
  assert.equal(gate.can("alice", "billing.cancel"), true, `${label}: alice keeps billing.cancel`);
  assert.equal(gate.can("frank", "billing.cancel"), false, `${label}: frank still has none`);
  assert.equal(gate.revision, 100, label);
}

test("every method refuses hostile values with a TypeError, or answers false", () => {
  const gate = open();
  // frank (an analyst on every scope below the root) holds nothing at the root, so a
  // hostile value read as "no scope" must still answer false.
  const binding = gate.bind("frank");
  const methods = {
    can: [(x) => gate.can(x, "roles.view"), (x) => gate.can("frank", x), (x) => gate.can("frank", "roles.view", x)],
    explain: [(x) => gate.explain(x, "roles.view"), (x) => gate.explain("alice", x), (x) => gate.explain("alice", "roles.view", x)],
    permissions: [(x) => gate.permissions(x), (x) => gate.permissions("alice", x)],
    whoCan: [(x) => gate.whoCan(x), (x) => gate.whoCan("roles.view", x)],
    permissionId: [(x) => gate.permissionId(x)],
    bind: [(x) => gate.bind(x), (x) => gate.bind("alice", x)],
    bindingCan: [(x) => binding.can(x)],
    bindingCanId: [(x) => binding.canId(x)],
    subjectStatus: [(x) => gate.subjectStatus(x)],
    subjectForToken: [(x) => gate.subjectForToken(x)],
    subjectForTokenHash: [(x) => gate.subjectForTokenHash(x)],
    update: [(x) => gate.update(x)],
    Gate: [(x) => new Gate(x, { keys: keys() }), (x) => new Gate(fixture("acme.snapshot"), x), (x) => new Gate(fixture("acme.snapshot"), { keys: x }), (x) => new Gate(fixture("acme.snapshot"), { keys: keys(), clock: x })],
    guard: [(x) => guard(x, { gate, routes: [] }), (x) => guard(() => new Response(""), x), (x) => guard(() => new Response(""), { gate, routes: x })],
    authorizer: [(x) => authorizer(x), (x) => authorizer({ gate, routes: [x] })],
    middleware: [(x) => middleware(x)],
    snapshotSource: [(x) => snapshotSource(x), (x) => snapshotSource({ keys: keys(), url: x }), (x) => snapshotSource({ keys: keys(), get: x }), (x) => snapshotSource({ keys: keys(), snapshot: x })],
  };
  let calls = 0;
  for (const [name, calls_] of Object.entries(methods)) {
    for (const call of calls_) {
      for (const bad of [...HOSTILE, ...HOSTILE_BYTES]) {
        const outcome = refusedCleanly(() => call(bad), `${name}(${String(typeof bad === "symbol" ? "symbol" : typeof bad)})`);
        // Whatever answered instead of throwing must deny: false, -1, null, [] or a denial.
        if ("value" in outcome && ["can", "bindingCan", "bindingCanId"].includes(name)) assert.equal(outcome.value, false, name);
        calls++;
      }
      stillServes(gate, name);
    }
  }
  assert.ok(calls > 1000, `${calls} calls`);
});

test("hostile strings are unknown names: false, never a throw", () => {
  const gate = open();
  for (const s of HOSTILE_STRINGS) {
    assert.equal(gate.can(s, "roles.view"), false);
    assert.equal(gate.can("alice", s), false);
    assert.equal(gate.can("alice", "roles.view", s), s === "" ? false : false);
    assert.equal(gate.explain(s, "roles.view").allowed, false);
    assert.deepEqual(gate.permissions(s), []);
    assert.equal(gate.subjectStatus(s), "unknown");
    assert.equal(gate.subjectForToken(s), null);
    assert.equal(gate.bind(s).can("roles.view"), false);
  }
  stillServes(gate, "hostile strings");
});

test("hostile bytes are refused with a code, and the old snapshot keeps serving", () => {
  const gate = open();
  for (const bytes of HOSTILE_BYTES) {
    const outcome = refusedCleanly(() => gate.update(bytes), "update");
    assert.ok("error" in outcome, "no hostile bytes load");
    stillServes(gate, "update");
  }
  // A shared buffer holding a good snapshot loads (it is just bytes).
  const good = fixture("acme.snapshot");
  const shared = new Uint8Array(new SharedArrayBuffer(good.length));
  shared.set(good);
  gate.update(shared);
  stillServes(gate, "shared buffer");
});

test("10,000 updates keep wasm memory flat", () => {
  const gate = new Gate(fixture("medium-1.snapshot"), { keys: keys(), clock: () => Date.parse("2026-11-23T12:00:00Z") });
  const good = fixture("medium-1.snapshot");
  const tampered = good.slice();
  tampered[tampered.length - 5] ^= 1;
  const round = (i) => {
    if (i % 10 === 9) assert.throws(() => gate.update(tampered), { code: "BAD_SIGNATURE" });
    else gate.update(good);
    gate.can("nobody", "nothing");
    gate.permissions(gate.whoCan(gate.permissionNames?.()[0] ?? "x")[0] ?? "nobody");
  };
  for (let i = 0; i < 100; i++) round(i);
  const warm = wasm.memory.buffer.byteLength;
  for (let i = 0; i < 10000; i++) round(i);
  const after = wasm.memory.buffer.byteLength;
  // Wasm memory never shrinks, so its size is the high-water mark: a leak of even a few
  // hundred bytes per update (the snapshot is 21 KB) would grow it by megabytes.
  assert.ok(after <= warm + (1 << 20), `memory grew from ${warm} to ${after} bytes over 10,000 updates`);
});

test("close() frees a gate at once: 1,000 loads and closes keep wasm memory flat", () => {
  const bytes = fixture("medium-1.snapshot");
  const options = { keys: keys(), clock: () => NOW };
  const cycle = () => {
    const gate = new Gate(bytes, options);
    assert.equal(typeof gate.can("nobody", "nothing"), "boolean");
    gate.close();
    return gate;
  };
  for (let i = 0; i < 20; i++) cycle();
  const warm = wasm.memory.buffer.byteLength;
  for (let i = 0; i < 1000; i++) cycle();
  const after = wasm.memory.buffer.byteLength;
  // Unclosed, each 21 KB snapshot's engine stays allocated until finalised: megabytes.
  assert.ok(after <= warm + (1 << 20), `memory grew from ${warm} to ${after} bytes over 1,000 loads`);
  const closed = cycle();
  assert.equal(closed.closed, true);
  assert.equal(closed.can("alice", "roles.view"), false);
  assert.equal(closed.bind("alice").can("roles.view"), false);
  assert.throws(() => closed.explain("alice", "roles.view"), { code: "CLOSED" });
  assert.throws(() => closed.revision, { code: "CLOSED" });
  closed.close(); // twice is fine
  const disposed = new Gate(bytes, options);
  disposed[Symbol.dispose]();
  assert.equal(disposed.closed, true);
});
