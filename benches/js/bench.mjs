#!/usr/bin/env node
// JS benchmark of the npm package (not a test): checks per second through the string
// API and a bound handle, next to a plain-JS implementation of the same data written
// here (interned ids, Maps, bitsets, pre-order scope intervals) as the baseline in the
// same run; load time; the .wasm size. Each measurement runs in a process of its own,
// so one approach's JIT state cannot slow another's.
//
//   node benches/js/bench.mjs            (after scripts/setup.sh)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const conformance = join(root, "tests", "conformance");
const out = join(root, "target", "bench-js");
mkdirSync(out, { recursive: true });

const [mode, tenantArg, patternArg, approachArg] = process.argv.slice(2);
const child = mode === "--one";
if (!child) execFileSync("node", [join(root, "pkg-config", "build.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
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

/**
 * Nanoseconds per call of each `fns[i](query)` over `queries`: the fastest of `rounds`
 * passes, with the functions interleaved round by round so a slow phase of the machine
 * hits them all alike.
 */
function measure(queries, fns, rounds = 21) {
  // A freshly compiled loop per function, so its call site sees only that function (a
  // shared loop goes megamorphic and taxes whatever is measured last).
  const loops = fns.map(() => new Function("queries", "fn", "passes", "let sink = 0; for (let k = 0; k < passes; k++) for (const q of queries) sink += fn(q) ? 1 : 0; return sink;"));
  const passes = Math.max(1, Math.round(200000 / queries.length));
  const best = fns.map(() => Infinity);
  let sink = 0;
  for (let r = 0; r < rounds + 3; r++) {
    fns.forEach((fn, i) => {
      const start = process.hrtime.bigint();
      sink += loops[i](queries, fn, passes);
      const ns = Number(process.hrtime.bigint() - start) / (passes * queries.length);
      if (r >= 3) best[i] = Math.min(best[i], ns);
    });
  }
  if (sink < 0) console.log(sink);
  return best;
}

const TENANTS = ["small-1", "medium-1", "medium-2", "saas-medium"];
const APPROACHES = ["baseline", "string", "bound"];

/** One measurement: `approach` on `tenant` in `pattern` ("queries" or "hot"), in ns. */
function measureOne(name, pattern, approach) {
  const policy = JSON.parse(readFileSync(join(conformance, "generated", `${name}.policy.json`), "utf8"));
  const doc = JSON.parse(readFileSync(join(conformance, "generated", `${name}.queries.json`), "utf8"));
  const now = Date.parse(doc.now);
  const clock = () => now;
  const gate = new Gate(new Uint8Array(readFileSync(join(out, `${name}.snapshot`))), { keys, clock });
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
  // "random": the vectors' own order (random callers, as an edge worker sees them);
  // "queries": grouped by caller and scope, as a page checks its controls.
  if (pattern === "random") {
    const fn = { baseline: (q) => plain.can(q.s, q.p, q.sc), string: (q) => gate.can(q.s, q.p, q.sc), bound: (q) => q.handle.can(q.p) }[approach];
    return measure(queries, [fn])[0];
  }
  queries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (pattern === "queries") {
    const fn = { baseline: (q) => plain.can(q.s, q.p, q.sc), string: (q) => gate.can(q.s, q.p, q.sc), bound: (q) => q.handle.can(q.p) }[approach];
    return measure(queries, [fn])[0];
  }
  // One signed-in caller checking the whole catalog again and again (a page re-rendering).
  const { s: who, sc: where } = queries.find((q) => q.expected);
  const hot = gate.bind(who, where);
  const catalog = policy.permissions.map((p) => (typeof p === "string" ? p : p.name));
  const fn = { baseline: (p) => plain.can(who, p, where), string: (p) => gate.can(who, p, where), bound: (p) => hot.can(p) }[approach];
  return measure(catalog, [fn])[0];
}

if (child) {
  console.log(JSON.stringify({ ns: measureOne(tenantArg, patternArg, approachArg) }));
  process.exit(0);
}

if (mode === "--load") {
  const bytes = new Uint8Array(readFileSync(join(out, `${tenantArg}.snapshot`)));
  const samples = [];
  // The first load also compiles the engine's hot code (wasm tiers up): not counted.
  for (let i = 0; i < 8; i++) {
    const start = performance.now();
    const gate = new Gate(bytes, { keys });
    gate.can("usr_00000001", "roles.view");
    if (i > 0) samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  console.log(JSON.stringify({ name: tenantArg, bytes: bytes.length, ms: samples[3] }));
  process.exit(0);
}

for (const name of TENANTS) {
  const doc = JSON.parse(readFileSync(join(conformance, "generated", `${name}.queries.json`), "utf8"));
  build(join(conformance, "generated", `${name}.policy.json`), name, doc.now);
}
const rows = [];
for (const name of TENANTS) {
  const row = { tenant: name };
  for (const pattern of ["random", "queries", "hot"]) {
    for (const approach of APPROACHES) {
      const out = execFileSync("node", [fileURLToPath(import.meta.url), "--one", name, pattern, approach], { encoding: "utf8" });
      row[`${pattern}.${approach}`] = JSON.parse(out.trim().split("\n").pop()).ns;
    }
  }
  rows.push(row);
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
const big = join(out, "synthetic-100k.policy.json");
writeFileSync(big, JSON.stringify(synthetic(100000)));
build(big, "synthetic-100k", "2026-01-01T00:00:00Z");
const loads = ["medium-1", "synthetic-100k"].map((name) => {
  const result = execFileSync("node", [fileURLToPath(import.meta.url), "--load", name], { encoding: "utf8" });
  return JSON.parse(result.trim().split("\n").pop());
});

const wasm = readFileSync(join(root, "pkg", "engine_bg.wasm"));
const size = { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length };

const table = (title, pattern, extra) => {
  console.log(`\n${title}`);
  console.log(`tenant      plain-JS baseline   Gate.can (string)   bound handle   string/baseline   bound/baseline${extra ? "   bound checks/s" : ""}`);
  for (const r of rows) {
    const [b, st, bo] = APPROACHES.map((a) => r[`${pattern}.${a}`]);
    const f = (x) => x.toFixed(1).padStart(8);
    const rate = extra ? `       ${(1000 / bo).toFixed(1)} M` : "";
    console.log(`${r.tenant.padEnd(10)}  ${f(b)}            ${f(st)}            ${f(bo)}       ${(st / b).toFixed(2).padStart(6)}x          ${(bo / b).toFixed(2).padStart(6)}x${rate}`);
  }
};
table(`checks over all 20,000 conformance queries in random order (random callers, as an edge worker sees them; ns per check, fastest of 21 passes, one process each; node ${process.version})`, "random", false);
table(`checks over all 20,000 conformance queries, grouped by caller (ns per check, fastest of 21 passes, one process each; node ${process.version})`, "queries", false);
table("one caller checking its whole catalog, again and again (a page re-rendering its controls)", "hot", true);
console.log("\nload (verify + decode + index, median of 7 after one warm-up)");
for (const l of loads) console.log(`${l.name.padEnd(16)} ${String(l.bytes).padStart(9)} bytes  ${l.ms.toFixed(2).padStart(8)} ms`);
console.log(`\nengine_bg.wasm: ${size.raw} bytes raw, ${size.gzip} gzip -9 (budget 49152)`);
writeFileSync(join(out, "results.json"), JSON.stringify({ node: process.version, rows, loads, size }, null, 2));
