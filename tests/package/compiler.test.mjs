// rolegate/compiler from the installed tarball, as a Node control plane uses it: every
// conformance policy (whole and sliced) signs to the native CLI's very bytes, every
// invalid policy and fuzz regression gets the CLI's diagnostics, an async signer (here
// node:crypto's Ed25519, as a KMS would) gives the same snapshot as the key, and diff,
// lint, typegen and access answer as the CLI's --json does.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createPrivateKey, sign as edSign } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { conformance, project, root } from "./harness.mjs";

const dir = project("compiler", "module");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate/compiler";\nexport { Gate } from "rolegate";\n');
const rg = await import(pathToFileURL(join(dir, "entry.mjs")).href);
const cli = join(root, "target", "release", "rolegate");
const keyFile = join(root, "tests", "fixtures", "test-signing-key.json");
const keyJson = readFileSync(keyFile, "utf8");
const keyDoc = JSON.parse(keyJson);
const scratch = mkdtempSync(join(tmpdir(), "rolegate-compiler-"));
const STAMP = { revision: 42, issuedAt: "2026-11-01T00:00:00Z", ttl: "7d" };
const CLI_STAMP = ["--revision", "42", "--issued-at", "2026-11-01T00:00:00Z", "--ttl", "7d"];

function nativeBuild(policyFile, subject) {
  const out = join(scratch, "native.snapshot");
  execFileSync(cli, ["build", policyFile, "--key", keyFile, ...CLI_STAMP, ...(subject ? ["--subject", subject] : []), "--out", out]);
  return new Uint8Array(readFileSync(out));
}

function cliJson(args) {
  const run = spawnSync(cli, ["--json", ...args], { encoding: "utf8" });
  return { code: run.status, stdout: run.stdout ? JSON.parse(run.stdout) : null, stderr: run.stderr };
}

const policies = [join(conformance, "acme.policy.json"), ...readdirSync(join(conformance, "generated")).filter((f) => f.endsWith(".policy.json")).map((f) => join(conformance, "generated", f))];

test("every conformance policy signs to the native CLI's bytes, whole and sliced", async () => {
  assert.ok(policies.length >= 6);
  for (const file of policies) {
    const text = readFileSync(file, "utf8");
    const result = rg.compile(text);
    assert.equal(result.ok, true, file);
    const { compiled } = result;
    assert.equal(compiled.tenant, JSON.parse(text).tenant);
    assert.deepEqual(await rg.sign(compiled, { key: keyJson, ...STAMP }), nativeBuild(file), file);
    const [first, last] = [compiled.subjects[0], compiled.subjects.at(-1)];
    for (const subject of [first, last]) assert.deepEqual(rg.signSync(compiled, { key: keyDoc, ...STAMP, subject }), nativeBuild(file, subject), `${file} ${subject}`);
    compiled.free();
  }
});

test("slices() cuts every subject's slice from one compile, each the CLI's", async () => {
  const file = policies[0];
  const all = await rg.slices(readFileSync(file, "utf8"), { key: keyJson, ...STAMP });
  const ids = JSON.parse(readFileSync(file, "utf8")).subjects.map((s) => s.id);
  assert.deepEqual([...all.keys()], ids);
  for (const id of ids) assert.deepEqual(all.get(id), nativeBuild(file, id), id);
  await assert.rejects(rg.slices(readFileSync(file, "utf8"), { key: keyJson, subjects: ["bobb"] }), { code: "UNKNOWN_SUBJECT", message: /did you mean `bob`/ });
});

test("invalid policies and the fuzz regressions get the CLI's diagnostics", () => {
  const cases = JSON.parse(readFileSync(join(conformance, "invalid-policies.json"), "utf8")).map((c) => [c.name, JSON.stringify(c.policy, null, 2)]);
  const regressions = join(root, "fuzz", "regressions", "policy");
  for (const f of readdirSync(regressions)) cases.push([f, readFileSync(join(regressions, f), "utf8")]);
  cases.push(["not JSON", "{ nope"], ["empty", ""]);
  assert.ok(cases.length >= 20);
  for (const [name, text] of cases) {
    const file = join(scratch, "policy.json");
    writeFileSync(file, text);
    const native = cliJson(["build", file, "--key", keyFile, "--revision", "1", "--out", join(scratch, "x")]);
    const result = rg.compile(text);
    if (native.code === 0) {
      assert.equal(result.ok, true, name);
      continue;
    }
    assert.equal(result.ok, false, name);
    const expected = JSON.parse(native.stderr).errors.map(({ file: _file, ...e }) => e);
    assert.deepEqual(result.errors, expected, name);
  }
  const typo = rg.compile(JSON.parse(readFileSync(join(conformance, "invalid-policies.json"), "utf8"))[0].policy);
  assert.equal(typo.ok, false);
  assert.ok(typo.errors.some((e) => e.suggestion === "admin"), JSON.stringify(typo.errors));
});

/** An Ed25519 signer holding the key outside rolegate, as a KMS does (async). */
function kmsSigner() {
  const seed = Buffer.from(keyDoc.secret_key, "base64");
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  let calls = 0;
  const signer = async (bytes) => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return new Uint8Array(edSign(null, bytes, privateKey));
  };
  return { signer, calls: () => calls };
}

test("an async signer (the key in a KMS) gives the key's snapshot; a bad one is refused", async () => {
  const text = readFileSync(policies[0], "utf8");
  const { signer, calls } = kmsSigner();
  const viaKms = await rg.sign(text, { signer, keyId: keyDoc.key_id, ...STAMP, subject: "bob" });
  assert.equal(calls(), 1);
  assert.deepEqual(viaKms, nativeBuild(policies[0], "bob"));
  const gate = new rg.Gate(viaKms, { keys: { [keyDoc.key_id]: keyDoc.public_key }, clock: () => Date.parse("2026-11-02T00:00:00Z") });
  assert.equal(gate.can("bob", "roles.create", "shop-dev"), true);
  await assert.rejects(rg.sign(text, { signer: async () => new Uint8Array(63), keyId: "k" }), { code: "BAD_SIGNATURE" });
  await assert.rejects(rg.sign(text, { signer: async () => "nope", keyId: "k" }), { name: "TypeError" });
  await assert.rejects(rg.sign(text, { signer: async () => { throw new Error("KMS down"); }, keyId: "k" }), { message: "KMS down" });
  await assert.rejects(rg.sign(text, { signer, keyId: "bad id" }), { code: "BAD_KEY" });
  await assert.rejects(rg.sign(text, { signer }), { name: "TypeError", message: /keyId/ });
  await assert.rejects(rg.sign(text, { key: keyJson, signer, keyId: "k" }), { name: "TypeError" });
  await assert.rejects(rg.sign(text, {}), { name: "TypeError" });
});

test("keys: keygen, publicKey, a key from the environment; bad options are coded", async () => {
  const made = rg.keygen({ keyId: "cp-2026" });
  assert.equal(made.keyId, "cp-2026");
  assert.equal(rg.publicKey(made.key), made.publicKey);
  assert.match(made.publicKey, /^cp-2026=[A-Za-z0-9+/]{43}=$/);
  assert.notEqual(rg.keygen().key, rg.keygen().key, "fresh randomness each time");
  process.env.ROLEGATE_TEST_KEY = made.key;
  const bytes = await rg.sign(readFileSync(policies[0], "utf8"), { key: { env: "ROLEGATE_TEST_KEY" }, revision: 7 });
  const base64 = made.publicKey.slice(made.publicKey.indexOf("=") + 1);
  const gate = new rg.Gate(bytes, { keys: { "cp-2026": base64 } });
  assert.equal(gate.revision, 7);
  assert.equal(gate.can("alice", "roles.view"), true);
  await assert.rejects(rg.sign(readFileSync(policies[0], "utf8"), { key: { env: "ROLEGATE_UNSET_KEY" } }), { code: "BAD_KEY" });
  await assert.rejects(rg.sign(readFileSync(policies[0], "utf8"), { key: "{}" }), { code: "BAD_KEY" });
  for (const bad of [{ revision: -1 }, { revision: 1.5 }, { revision: 2 ** 53 }]) assert.throws(() => rg.signSync(readFileSync(policies[0], "utf8"), { key: keyJson, ...bad }), { name: "TypeError" });
  assert.throws(() => rg.signSync(readFileSync(policies[0], "utf8"), { key: keyJson, ttl: "soon" }), { code: "USAGE" });
  assert.throws(() => rg.signSync(readFileSync(policies[0], "utf8"), { key: keyJson, issuedAt: "yesterday" }), { code: "USAGE" });
  assert.throws(() => rg.compile(42), { name: "TypeError" });
  assert.throws(() => rg.compile(new Uint8Array([0xff, 0xfe])), { code: "NOT_UTF8" });
});

test("diff, lint, typegen and access answer as the CLI's", () => {
  const [acme, other] = [policies[0], policies[1]];
  const old = JSON.parse(readFileSync(acme, "utf8"));
  const changed = structuredClone(old);
  changed.subjects[1].grants = [];
  changed.roles.push({ name: "auditor", permissions: ["folders.view"] });
  const changedFile = join(scratch, "changed.json");
  writeFileSync(changedFile, JSON.stringify(changed));
  const now = Date.parse("2026-11-23T12:00:00Z");
  const d = rg.diff(old, changed, { now });
  assert.ok(d.roles_added.includes("auditor"));
  assert.ok(d.access.some((a) => a.subject === changed.subjects[1].id && a.lost.length > 0));
  assert.deepEqual(d, cliJson(["diff", acme, changedFile, "--now", "2026-11-23T12:00:00Z"]).stdout);
  for (const file of [acme, other]) {
    const text = readFileSync(file, "utf8");
    assert.deepEqual(rg.lint(text), cliJson(["lint", file]).stdout, file);
    const name = file.split("/").pop();
    assert.equal(rg.typegen(text, { name }), execFileSync(cli, ["typegen", file], { encoding: "utf8" }));
    assert.equal(rg.typegen(text, { scopes: true, name }), execFileSync(cli, ["typegen", file, "--scopes"], { encoding: "utf8" }));
  }
  const access = rg.access(old, { now });
  const native = cliJson(["access", acme, "--now", "2026-11-23T12:00:00Z"]).stdout;
  assert.deepEqual(access, native);
  assert.deepEqual(rg.access(old, { now, subject: "bob" }), cliJson(["access", acme, "--subject", "bob", "--now", "2026-11-23T12:00:00Z"]).stdout);
  assert.throws(() => rg.access(old, { subject: "bobb" }), { code: "UNKNOWN_SUBJECT" });
});
