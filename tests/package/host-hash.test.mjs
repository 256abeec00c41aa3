// In Node the engine verifies signatures with the host's SHA-512 (node:crypto, found
// through process.getBuiltinModule): the packed tarball, imported as a Node service
// would, must use it, judge every signature as the wasm SHA-512 does, and fail closed
// when the host's hasher breaks.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { fixture, keys, project } from "./harness.mjs";

// Spy on the host's hasher before rolegate is imported; `broken` makes it throw.
const real = process.getBuiltinModule;
let [created, broken] = [0, false];
process.getBuiltinModule = (name) => {
  const module = real.call(process, name);
  if (name !== "node:crypto") return module;
  return {
    ...module,
    createHash(algorithm) {
      created++;
      if (broken) throw new Error("the host's hasher is broken");
      return module.createHash(algorithm);
    },
  };
};

const dir = project("host-hash", "module");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate";\n');
const { Gate } = await import(pathToFileURL(join(dir, "entry.mjs")).href);
const NOW = Date.parse("2026-11-23T12:00:00Z");
const open = (bytes) => new Gate(bytes, { keys: keys(), clock: () => NOW });
const codeOf = (bytes) => {
  try {
    open(bytes);
    return "LOADED";
  } catch (error) {
    return error.code;
  }
};

// The group order L, little-endian: S + L is the same signature, malleated.
const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, ...new Array(15).fill(0), 0x10];

function variants() {
  const good = fixture("acme.snapshot");
  const [r, s] = [good.length - 64, good.length - 32];
  const malleated = good.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = good[s + i] + L[i] + carry;
    malleated[s + i] = sum & 0xff;
    carry = sum >> 8;
  }
  // R the identity (small order) with S = 0.
  const smallR = good.slice();
  smallR.fill(0, r, good.length);
  smallR[r] = 1;
  const flip = (at) => {
    const bytes = good.slice();
    bytes[at] ^= 1;
    return bytes;
  };
  return { good, malleated, smallR, flippedR: flip(r + 5), flippedS: flip(s + 5), flippedPayload: flip(r - 20) };
}

test("a Node service verifies with the host's SHA-512, and judges signatures as the engine's own", () => {
  const { good, ...bad } = variants();
  const before = created;
  assert.equal(open(good).revision, 100);
  assert.equal(created, before + 1, "one host hash per load");
  for (const [name, bytes] of Object.entries(bad)) assert.equal(codeOf(bytes), "BAD_SIGNATURE", name);
});

test("a broken host hasher fails closed: nothing loads, and the gate serving keeps serving", () => {
  const { good } = variants();
  const gate = open(good);
  broken = true;
  try {
    assert.equal(codeOf(good), "BAD_SIGNATURE");
    assert.throws(() => gate.update(fixture("acme-rev101-key-b.snapshot")), { code: "BAD_SIGNATURE" });
    assert.equal(gate.revision, 100);
    assert.equal(gate.can("alice", "roles.view"), true);
  } finally {
    broken = false;
  }
  gate.update(fixture("acme-rev101-key-b.snapshot"));
  assert.equal(gate.revision, 101, "and loads again once the hasher works");
});
