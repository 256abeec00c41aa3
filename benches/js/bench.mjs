#!/usr/bin/env node
// JS benchmark of the npm package (not a test): checks per second through the string
// API and a bound handle, next to a plain-JS implementation of the same data written
// here (interned ids, Maps, bitsets, pre-order scope intervals) as the baseline in the
// same run; load time; the .wasm size.
//
//   node benches/js/bench.mjs            (after scripts/setup.sh)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const conformance = process.env.ROLEGATE_CONFORMANCE ?? join(root, "..", "shared", "conformance");
const out = join(root, "target", "bench-js");
mkdirSync(out, { recursive: true });

execFileSync("node", [join(root, "pkg-config", "build.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
const { Gate } = await import(join(root, "pkg", "node.js"));
const cli = join(root, "target", "release", "rolegate");
const keyFile = join(root, "tests", "fixtures", "test-signing-key.json");
const keyJson = JSON.parse(readFileSync(keyFile, "utf8"));
const keys = { [keyJson.key_id]: keyJson.public_key };

function build(policyPath, name, issuedAt) {
  const file = join(out, `${name}.snapshot`);
  execFileSync(cli, ["build", policyPath, "--key", keyFile, "--revision", "1", "--issued-at", issuedAt, "--out", file]);
  return new Uint8Array(readFileSync(file));
}

/** The baseline: the same semantics in plain JS, indexed from the policy document. */
class PlainJs {
  constructor(policy, clock) {
    this.clock = clock;
    this.permissions = new Map(policy.permissions.map((p, i) => [typeof p === "string" ? p : p.name, i]));
    const names = [...this.permissions.keys()];
    const words = Math.ceil(names.length / 32);
    // Scopes in pre-order: a grant on G covers S iff lo(G) <= pre(S) <= hi(G).
    const children = new Map();
    let rootId;
    for (const s of policy.scopes) {
      if (s.parent === undefined) rootId = s.id;
      else children.set(s.parent, [...(children.get(s.parent) ?? []), s.id]);
    }
    this.scopes = new Map();
    const end = new Map();
    const walk = (id) => {
      const pre = this.scopes.size;
      this.scopes.set(id, pre);
      let last = pre;
      for (const c of children.get(id) ?? []) last = walk(c);
      end.set(id, last);
      return last;
    };
    walk(rootId);
    const roles = new Map(policy.roles.map((r) => [r.name, r]));
    const bits = new Map();
    const expand = (name) => {
      if (bits.has(name)) return bits.get(name);
      const role = roles.get(name);
      const set = new Uint32Array(words);
      for (const p of role.permissions) {
        const re = new RegExp(`^${p.replace(/\./g, "\\.").replace(/\*/g, ".+")}$`);
        names.forEach((n, i) => {
          if (re.test(n)) set[i >>> 5] |= 1 << (i & 31);
        });
      }
      for (const e of role.extends ?? []) expand(e).forEach((w, i) => (set[i] |= w));
      bits.set(name, set);
      return set;
    };
    this.subjects = new Map();
    for (const s of policy.subjects) {
      const grants = s.active === false ? [] : s.grants.map((g) => ({
        lo: g.scope === "*" ? 1 : this.scopes.get(g.scope),
        hi: g.scope === "*" ? this.scopes.size - 1 : end.get(g.scope),
        bits: expand(g.role),
        expires: g.expires_at ? Date.parse(g.expires_at) : Infinity,
      }));
      this.subjects.set(s.id, grants);
    }
  }

  can(subject, permission, scope) {
    const grants = this.subjects.get(subject);
    const p = this.permissions.get(permission);
    const sc = scope === undefined || scope === null ? 0 : this.scopes.get(scope);
    if (grants === undefined || p === undefined || sc === undefined) return false;
    const now = this.clock();
    for (const g of grants) {
      if (g.lo <= sc && sc <= g.hi && now < g.expires && (g.bits[p >>> 5] >>> (p & 31)) & 1) return true;
    }
    return false;
  }
}

/** Nanoseconds per call of `fn(query)` over `queries`, the median of `rounds` timed passes. */
function time(queries, fn, rounds = 15) {
  const passes = Math.max(1, Math.round(400000 / queries.length));
  const samples = [];
  let sink = 0;
  for (let r = 0; r < rounds + 2; r++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < passes; k++) for (const q of queries) sink += fn(q) ? 1 : 0;
    const ns = Number(process.hrtime.bigint() - start) / (passes * queries.length);
    if (r >= 2) samples.push(ns);
  }
  if (sink < 0) console.log(sink);
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const rows = [];
for (const name of ["small-1", "medium-1", "medium-2"]) {
  const policyPath = join(conformance, "generated", `${name}.policy.json`);
  const policy = JSON.parse(readFileSync(policyPath, "utf8"));
  const doc = JSON.parse(readFileSync(join(conformance, "generated", `${name}.queries.json`), "utf8"));
  const now = Date.parse(doc.now);
  const clock = () => now;
  const gate = new Gate(build(policyPath, name, doc.now), { keys, clock });
  const plain = new PlainJs(policy, clock);
  const queries = doc.queries.map(([s, p, sc, expected]) => ({ s, p, sc: sc ?? undefined, expected }));
  for (const q of queries) {
    if (plain.can(q.s, q.p, q.sc) !== q.expected || gate.can(q.s, q.p, q.sc) !== q.expected) {
      throw new Error(`${name}: a check disagrees with the conformance answer for ${JSON.stringify(q)}`);
    }
  }
  // Checks come in bursts per caller (a page gating its controls, a request checking a
  // route): every approach gets the queries grouped by (subject, scope).
  const handles = new Map();
  for (const q of queries) {
    q.key = `${q.s}\u0000${q.sc ?? ""}`;
    if (!handles.has(q.key)) handles.set(q.key, gate.bind(q.s, q.sc));
    q.handle = handles.get(q.key);
  }
  queries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const baseline = time(queries, (q) => plain.can(q.s, q.p, q.sc));
  const stringApi = time(queries, (q) => gate.can(q.s, q.p, q.sc));
  const bound = time(queries, (q) => q.handle.can(q.p));
  rows.push({ tenant: name, baseline, stringApi, bound });
}

// Load: verify + decode + index, including the JS maps, for a generated tenant and a
// synthetic 100,000-subject one.
function synthetic(n) {
  const resources = ["folders", "roles", "renders", "webhooks", "billing", "members", "projects", "environments", "audit", "shares"];
  const permissions = resources.flatMap((r) => ["view", "create", "update", "delete", "export", "manage"].map((a) => `${r}.${a}`));
  const scopes = [{ id: "org" }];
  for (let p = 0; p < 20; p++) {
    scopes.push({ id: `prj_${p}`, parent: "org" });
    for (const e of ["dev", "staging", "prod"]) scopes.push({ id: `env_${p}_${e}`, parent: `prj_${p}` });
  }
  const roles = [
    { name: "owner", system: true, permissions: ["*"] },
    { name: "admin", system: true, extends: ["developer"], permissions: ["roles.*", "members.*"] },
    { name: "developer", system: true, extends: ["agent"], permissions: ["folders.*", "renders.*"] },
    { name: "agent", system: true, permissions: ["*.view"] },
  ];
  let seed = 42;
  const rand = (k) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % k);
  const subjects = Array.from({ length: n }, (_, i) => ({
    id: `usr_${i.toString(36).padStart(8, "0")}`,
    kind: "user",
    grants: Array.from({ length: 1 + rand(3) }, () => ({ role: roles[rand(4)].name, scope: rand(5) === 0 ? "*" : scopes[rand(scopes.length)].id })),
  }));
  return { format: "rolegate.policy/1", tenant: "synthetic", permissions, scopes, roles, subjects };
}
const loads = [];
const big = join(out, "synthetic-100k.policy.json");
writeFileSync(big, JSON.stringify(synthetic(100000)));
for (const [name, bytes] of [
  ["medium-1", new Uint8Array(readFileSync(join(out, "medium-1.snapshot")))],
  ["synthetic-100k", build(big, "synthetic-100k", "2026-01-01T00:00:00Z")],
]) {
  const samples = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const gate = new Gate(bytes, { keys });
    gate.can("usr_00000001", "roles.view");
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  loads.push({ name, bytes: bytes.length, ms: samples[3] });
}

const wasm = readFileSync(join(root, "pkg", "engine_bg.wasm"));
const size = { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length };

console.log(`\nchecks (ns per check, median of 15 passes; node ${process.version})`);
console.log("tenant      plain-JS baseline   Gate.can (string)   bound handle   string/baseline   bound/baseline");
for (const r of rows) {
  const f = (x) => x.toFixed(1).padStart(8);
  console.log(
    `${r.tenant.padEnd(10)}  ${f(r.baseline)}            ${f(r.stringApi)}            ${f(r.bound)}       ${(r.stringApi / r.baseline).toFixed(2).padStart(6)}x          ${(r.bound / r.baseline).toFixed(2).padStart(6)}x`,
  );
}
console.log(`\nbound handle: ${(1000 / Math.min(...rows.map((r) => r.bound))).toFixed(1)} million checks per second (best tenant)`);
console.log("\nload (verify + decode + index, median of 7)");
for (const l of loads) console.log(`${l.name.padEnd(16)} ${String(l.bytes).padStart(9)} bytes  ${l.ms.toFixed(2).padStart(8)} ms`);
console.log(`\nengine_bg.wasm: ${size.raw} bytes raw, ${size.gzip} gzip -9 (budget 49152)`);
writeFileSync(join(out, "results.json"), JSON.stringify({ node: process.version, rows, loads, size }, null, 2));
