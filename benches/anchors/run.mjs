#!/usr/bin/env node
// The anchor benchmark: the same multi-tenant SaaS data and the same query streams through
// a hand-written plain-JS lookup (the anchor), CASL, and rolegate's string API, bound
// handle and id API, in one process; every answer checked against a naive reference
// model first. Ratios are time per check ÷ the anchor's in the same repetition, median of
// the repetitions. Also: load time, memory after load, snapshot sizes, runtime size, and
// a chart of the ratios (target/anchors/ratios.svg).
//
//   node benches/anchors/run.mjs [--scales 200,5000,100000,100000x1] [--reps 5] [--queries 200000]
//
// A scale is a number of subjects, in 1 tenant up to 200, 10 up to 5,000, 100 above;
// `NxT` puts N subjects in T tenants (100000x1: one tenant of 100,000, as a large
// customer's isolate holds).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(root, "target", "anchors");
mkdirSync(out, { recursive: true });
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SCALES = arg("scales", "200,5000,100000,100000x1")
  .split(",")
  .map((s) => {
    const [scale, tenants] = s.split("x").map(Number);
    return { scale, count: tenants || (scale <= 200 ? 1 : scale <= 5000 ? 10 : 100) };
  });
const REPS = Number(arg("reps", "5"));
const QUERIES = Number(arg("queries", "200000"));

// What the benchmark needs, installed once (skipped when done).
if (!existsSync(join(here, "node_modules", "@casl", "ability"))) {
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: here, stdio: "inherit" });
}
if (!existsSync(join(root, "pkg", "node.js"))) execFileSync("node", [join(root, "pkg-config", "build.mjs")], { stdio: "inherit" });
const cli = join(root, "target", "release", "rolegate");
if (!existsSync(cli)) execFileSync("cargo", ["build", "--release", "--bin", "rolegate"], { cwd: root, stdio: "inherit" });
const { Gate } = await import(pathToFileURL(join(root, "pkg", "node.js")).href);
const { createMongoAbility, subject: caslSubject } = await import("@casl/ability");
const keyFile = join(root, "tests", "fixtures", "test-signing-key.json");
const key = JSON.parse(readFileSync(keyFile, "utf8"));
const keys = { [key.key_id]: key.public_key };
// No grant here expires, nor do the snapshots but for one expiring copy of each: gates run on
// the default clock, as in production.

// ---- a deterministic multi-tenant SaaS ----------------------------------------------

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RESOURCES = ["folders", "roles", "renders", "webhooks", "billing", "members", "projects", "environments", "api_keys", "audit"];
const ACTIONS = ["view", "create", "update", "delete", "export", "manage"];
const CATALOG = RESOURCES.flatMap((r) => ACTIONS.map((a) => `${r}.${a}`));

/**
 * The least any handle's `can(name)` costs: a Set whose `can` is its own `has`, checking
 * nothing (not that the name is a string, nor that the answers still serve).
 */
class BareHandle extends Set {
  can(name) {
    return this.has(name);
  }
}

/** `count` tenants holding `subjects` subjects in all: projects → environments, system and custom roles, users and API keys. */
function saas(subjects, count, seed) {
  const random = rng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const id = (prefix, n) => prefix + Array.from({ length: n }, () => "0123456789abcdefghijklmnopqrstuvwxyz"[Math.floor(random() * 36)]).join("");
  const tenants = [];
  for (let t = 0; t < count; t++) {
    const org = id("org_", 8);
    const scopes = [{ id: org, kind: "organization" }];
    const projects = 2 + Math.floor(random() * 6);
    for (let p = 0; p < projects; p++) {
      const prj = id("prj_", 10);
      scopes.push({ id: prj, parent: org, kind: "project" });
      for (const env of ["dev", "staging", "prod"]) scopes.push({ id: id("env_", 10), parent: prj, kind: "environment", name: env });
    }
    const roles = [
      { name: "owner", system: true, permissions: ["*"] },
      { name: "admin", system: true, extends: ["developer"], permissions: ["roles.*", "members.*", "billing.view", "audit.view"] },
      { name: "developer", system: true, extends: ["agent"], permissions: ["folders.*", "renders.*", "webhooks.*", "environments.update"] },
      { name: "agent", system: true, permissions: ["*.view"] },
    ];
    for (let c = 0; c < 3 + Math.floor(random() * 4); c++) {
      const extra = new Set(Array.from({ length: 3 + Math.floor(random() * 8) }, () => (random() < 0.2 ? `${pick(RESOURCES)}.*` : pick(CATALOG))));
      roles.push({ name: `custom-${c}`, ...(random() < 0.4 ? { extends: ["agent"] } : {}), permissions: [...extra] });
    }
    tenants.push({ format: "rolegate.policy/1", tenant: org, permissions: CATALOG, scopes, roles, subjects: [] });
  }
  for (let s = 0; s < subjects; s++) {
    const tenant = tenants[s % count];
    const key = random() < 0.15;
    const grants = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
      const r = random();
      const scope = r < 0.1 ? "*" : r < 0.3 ? tenant.scopes[0].id : pick(tenant.scopes.slice(1)).id;
      return { role: pick(tenant.roles).name, scope };
    });
    const subjectId = id(key ? "key_" : "usr_", 12);
    // API keys carry the SHA-256 of a token (random-looking bytes, as in production).
    const token = key ? { token_sha256: createHash("sha256").update(`${subjectId}:${random()}`).digest("hex") } : {};
    tenant.subjects.push({ id: subjectId, kind: key ? "api_key" : "user", ...token, ...(random() < 0.05 ? { active: false } : {}), grants });
  }
  return tenants;
}

/** Random queries: mostly known names, some unknown, some across tenants. */
function stream(tenants, n, seed) {
  const random = rng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const queries = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(random() * tenants.length);
    const tenant = tenants[t];
    const r = random();
    const subject = r < 0.03 ? `usr_unknown${i}` : r < 0.05 ? pick(pick(tenants).subjects).id : pick(tenant.subjects).id;
    const permission = random() < 0.02 ? "roles.nothing" : pick(CATALOG);
    const s = random();
    const scope = s < 0.03 ? `env_unknown${i}` : s < 0.1 ? undefined : pick(tenant.scopes).id;
    queries.push({ t, subject, permission, scope });
  }
  return queries;
}

// ---- the naive reference model (checks every engine's answers) ----------------------

function reference(policy) {
  const match = (pattern, name) => new RegExp(`^${pattern.replace(/\./g, "\\.").replace(/\*/g, ".+")}$`).test(name);
  const roles = new Map(policy.roles.map((r) => [r.name, r]));
  const holds = (role, p, depth = 0) => depth < 32 && (role.permissions.some((x) => match(x, p)) || (role.extends ?? []).some((e) => holds(roles.get(e), p, depth + 1)));
  const parent = new Map(policy.scopes.map((s) => [s.id, s.parent]));
  const root = policy.scopes[0].id;
  return (subject, permission, scope) => {
    const who = policy.subjects.find((s) => s.id === subject);
    if (!who || who.active === false || !CATALOG.includes(permission)) return false;
    const at = scope ?? root;
    if (!parent.has(at)) return false;
    return who.grants.some((g) => {
      let covered = g.scope === "*" ? at !== root : false;
      for (let s = at; !covered && s !== undefined; s = parent.get(s)) covered = s === g.scope;
      return covered && holds(roles.get(g.role), permission);
    });
  };
}

// ---- the anchor: a hand-written plain-JS lookup -------------------------------------

function plainIndex(policy) {
  const permissions = new Map(policy.permissions.map((p, i) => [p, i]));
  const words = Math.ceil(permissions.size / 32);
  const children = new Map();
  for (const s of policy.scopes) if (s.parent !== undefined) children.set(s.parent, [...(children.get(s.parent) ?? []), s.id]);
  const pre = new Map();
  const end = new Map();
  const walk = (id) => {
    const n = pre.size;
    pre.set(id, n);
    let last = n;
    for (const c of children.get(id) ?? []) last = walk(c);
    end.set(id, last);
    return last;
  };
  walk(policy.scopes[0].id);
  const roles = new Map(policy.roles.map((r) => [r.name, r]));
  const bits = new Map();
  const expand = (name) => {
    if (bits.has(name)) return bits.get(name);
    const role = roles.get(name);
    const set = new Uint32Array(words);
    for (const p of role.permissions) {
      const re = new RegExp(`^${p.replace(/\./g, "\\.").replace(/\*/g, ".+")}$`);
      policy.permissions.forEach((n, i) => re.test(n) && (set[i >>> 5] |= 1 << (i & 31)));
    }
    for (const e of role.extends ?? []) expand(e).forEach((w, i) => (set[i] |= w));
    bits.set(name, set);
    return set;
  };
  const subjects = new Map();
  for (const s of policy.subjects) {
    subjects.set(s.id, s.active === false ? [] : s.grants.map((g) => ({ lo: g.scope === "*" ? 1 : pre.get(g.scope), hi: g.scope === "*" ? pre.size - 1 : end.get(g.scope), bits: expand(g.role) })));
  }
  return { subjects, permissions, scopes: pre };
}

function plainCan(index, subject, permission, scope) {
  const grants = index.subjects.get(subject);
  const p = index.permissions.get(permission);
  const sc = scope === undefined ? 0 : index.scopes.get(scope);
  if (grants === undefined || p === undefined || sc === undefined) return false;
  for (const g of grants) if (g.lo <= sc && sc <= g.hi && (g.bits[p >>> 5] >>> (p & 31)) & 1) return true;
  return false;
}

// ---- CASL: an ability per subject, rules on scope objects ---------------------------

function caslTenant(policy) {
  const roles = new Map(policy.roles.map((r) => [r.name, r]));
  const expandRole = (name, seen = new Set()) => {
    if (seen.has(name)) return [];
    seen.add(name);
    const role = roles.get(name);
    return [...role.permissions.flatMap((p) => CATALOG.filter((n) => new RegExp(`^${p.replace(/\./g, "\\.").replace(/\*/g, ".+")}$`).test(n))), ...(role.extends ?? []).flatMap((e) => expandRole(e, seen))];
  };
  const parent = new Map(policy.scopes.map((s) => [s.id, s.parent]));
  const scopeObjects = new Map();
  for (const s of policy.scopes) {
    const ancestors = [];
    for (let a = s.id; a !== undefined; a = parent.get(a)) ancestors.push(a);
    scopeObjects.set(s.id, caslSubject("Scope", { id: s.id, ancestors, root: s.parent === undefined }));
  }
  const rulesOf = new Map();
  for (const s of policy.subjects) {
    const rules = s.active === false ? [] : s.grants.flatMap((g) => [...new Set(expandRole(g.role))].map((action) => ({ action, subject: "Scope", conditions: g.scope === "*" ? { root: false } : { ancestors: g.scope } })));
    rulesOf.set(s.id, rules);
  }
  return { rulesOf, scopeObjects, root: policy.scopes[0].id, abilities: new Map() };
}

function caslCan(c, subject, permission, scope) {
  let ability = c.abilities.get(subject);
  if (ability === undefined) {
    const rules = c.rulesOf.get(subject);
    if (rules === undefined) return false;
    ability = createMongoAbility(rules);
    c.abilities.set(subject, ability);
  }
  const object = c.scopeObjects.get(scope ?? c.root);
  return object !== undefined && ability.can(permission, object);
}

// ---- measuring ----------------------------------------------------------------------

function nsPerCall(queries, fn) {
  const loop = loopFor(fn, "queries", "fn", "let sink = 0; for (const q of queries) sink += fn(q) ? 1 : 0; return sink;");
  loop(queries, fn); // warm
  const start = process.hrtime.bigint();
  loop(queries, fn);
  return Number(process.hrtime.bigint() - start) / queries.length;
}

/**
 * A timing loop of its own for `fn` (made once per function): V8 caches `new Function` by
 * its source, feedback included, so loops of the same text share one call site, which
 * turns megamorphic after a few approaches and then calls each approach instead of
 * inlining it as a caller's own loop would. Each function's loop has its own text.
 */
const loops = new WeakMap();
function loopFor(fn, ...source) {
  if (!loops.has(fn)) {
    const body = source.pop();
    loops.set(fn, new Function(...source, `/* loop ${loopCount++} */ ${body}`));
  }
  return loops.get(fn);
}
let loopCount = 0;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

// ---- a load in a fresh process (`--child SNAPSHOT JSON`): time and memory ------------

if (process.argv.includes("--child")) {
  const [snapFile, jsonFile] = process.argv.slice(process.argv.indexOf("--child") + 1);
  const bytes = new Uint8Array(readFileSync(snapFile));
  const text = readFileSync(jsonFile, "utf8");
  // The JS heap plus the engine's linear memory (which grows for the gate and never
  // shrinks, so its growth is the gate's high-water mark, input copy included).
  const { initSync } = await import(pathToFileURL(join(root, "pkg", "engine.js")).href);
  const memory = () => {
    globalThis.gc?.();
    const wasmBytes = initSync({ module: new Uint8Array(0) })?.memory?.buffer.byteLength ?? 0;
    return process.memoryUsage().heapUsed + wasmBytes;
  };
  const timed = (fn) => {
    const start = performance.now();
    const value = fn();
    return [performance.now() - start, value];
  };
  // The engine's instantiation is its own line: a process pays it once, for any number of gates.
  const [engineInit] = timed(() => new Gate(new Uint8Array(readFileSync(join(root, "tests", "fixtures", "acme.snapshot"))), { keys }).close());
  let before = memory();
  const [rolegateFirst, gate] = timed(() => new Gate(bytes, { keys }));
  gate.can("usr_nobody", CATALOG[0]);
  const rolegateBytes = memory() - before;
  gate.close();
  // What each further gate of the same snapshot adds (at least ten held at once, and
  // enough for 4 MiB of snapshots, so the engine memory's 64 KiB pages are a small part
  // of the figure): a first gate's figure also holds those pages and the allocator's slack.
  before = memory();
  const held = Array.from({ length: Math.max(10, Math.ceil((4 << 20) / bytes.length)) }, () => new Gate(bytes, { keys }));
  held.forEach((g) => g.can("usr_nobody", CATALOG[0]));
  const rolegateEach = (memory() - before) / held.length;
  held.forEach((g) => g.close());
  const rolegateRuns = Array.from({ length: 7 }, () => {
    const [ms, g] = timed(() => new Gate(bytes, { keys }));
    g.close();
    return ms;
  });
  before = memory();
  const [plainFirst, index] = timed(() => plainIndex(JSON.parse(text)));
  const plainBytes = memory() - before;
  const plainRuns = Array.from({ length: 7 }, () => timed(() => plainIndex(JSON.parse(text)))[0]);
  console.log(JSON.stringify({ engineInit, rolegateFirst, rolegate: median(rolegateRuns), rolegateBytes, rolegateEach, plainFirst, plain: median(plainRuns), plainBytes, keep: index.subjects.size }));
  process.exit(0);
}

/**
 * A load of one snapshot (and the anchor's from its JSON) in a process of its own, three
 * times: each figure is the median of the three processes (a first load and a first
 * gate's memory happen once a process, and vary from one to the next).
 */
function freshLoad(snapFile, jsonFile) {
  const runs = Array.from({ length: 3 }, () => {
    const output = execFileSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child", snapFile, jsonFile], { encoding: "utf8" });
    return JSON.parse(output.trim().split("\n").pop());
  });
  return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
}

const results = [];
// A fresh process's load of one tenant of a scale's subjects: measured once a scale.
const freshByScale = new Map();
for (const { scale, count } of SCALES) {
  const tenants = saas(scale, count, scale);
  const policyFiles = tenants.map((p, i) => {
    const file = join(out, `s${scale}x${count}-t${i}.policy.json`);
    writeFileSync(file, JSON.stringify(p));
    return file;
  });
  const build = (ttl) =>
    policyFiles.map((file) => {
      const snap = file.replace(".policy.json", ttl ? `-ttl.snapshot` : ".snapshot");
      execFileSync(cli, ["build", file, "--key", keyFile, "--revision", "1", "--issued-at", "2026-11-01T00:00:00Z", ...(ttl ? ["--ttl", ttl] : []), "--out", snap]);
      return new Uint8Array(readFileSync(snap));
    });
  const snapshots = build(null);
  // The same snapshots with an expiry (ten years out), as production signs them: every
  // check then needs the time, where the snapshots above let a gate skip the clock.
  const expiring = build("3650d").map((bytes) => new Gate(bytes, { keys }));
  const texts = tenants.map((p) => JSON.stringify(p));

  // Load: rolegate verify + decode + index of every tenant, against the anchor's index from JSON.
  const loadRolegate = [];
  const loadPlain = [];
  let gates = [];
  let plains = [];
  for (let r = 0; r < REPS; r++) {
    gates.forEach((g) => g.close());
    let start = performance.now();
    gates = snapshots.map((bytes) => new Gate(bytes, { keys }));
    loadRolegate.push(performance.now() - start);
    start = performance.now();
    plains = texts.map((t) => plainIndex(JSON.parse(t)));
    loadPlain.push(performance.now() - start);
  }
  const casls = tenants.map(caslTenant);

  const random = stream(tenants, QUERIES, scale + 1);
  const grouped = [...random].sort((a, b) => a.t - b.t || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0) || String(a.scope).localeCompare(String(b.scope)));
  // Every engine's answers against the reference model, on a sample of the stream.
  const refs = tenants.map(reference);
  for (const q of random.slice(0, Math.min(random.length, 20000))) {
    const want = refs[q.t](q.subject, q.permission, q.scope);
    const got = [plainCan(plains[q.t], q.subject, q.permission, q.scope), gates[q.t].can(q.subject, q.permission, q.scope), expiring[q.t].can(q.subject, q.permission, q.scope), caslCan(casls[q.t], q.subject, q.permission, q.scope)];
    if (got.some((g) => g !== want)) throw new Error(`scale ${scale}: ${JSON.stringify(q)} answers ${got} but the reference says ${want}`);
  }
  const handles = new Map();
  for (const q of random) {
    const k = `${q.t}\0${q.subject}\0${q.scope}`;
    if (!handles.has(k)) handles.set(k, gates[q.t].bind(q.subject, q.scope));
    q.handle = handles.get(k);
    q.pid = gates[q.t].permissionId(q.permission);
  }
  // A floor for any string API: the three names looked up and nothing decided.
  const nameMaps = tenants.map((p) => ({ subjects: new Map(p.subjects.map((x, i) => [x.id, i])), permissions: new Map(p.permissions.map((x, i) => [x, i])), scopes: new Map(p.scopes.map((x, i) => [x.id, i])) }));
  const lookUp = ({ subjects, permissions, scopes }, q) => {
    const [s, p, sc] = [subjects.get(q.subject), permissions.get(q.permission), q.scope === undefined ? 0 : scopes.get(q.scope)];
    return s !== undefined && p !== undefined && sc !== undefined;
  };
  const approaches = {
    "plain JS (anchor)": (q) => plainCan(plains[q.t], q.subject, q.permission, q.scope),
    "names only: 3 Map.get": (q) => lookUp(nameMaps[q.t], q),
    "rolegate gate.can": (q) => gates[q.t].can(q.subject, q.permission, q.scope),
    "gate.can, expiring snapshot": (q) => expiring[q.t].can(q.subject, q.permission, q.scope),
    "rolegate bound handle.can": (q) => q.handle.can(q.permission),
    "rolegate handle.canId": (q) => q.handle.canId(q.pid),
    // A handle made for every check, as a request handler that binds its caller would.
    "gate.bind(…).can per check": (q) => gates[q.t].bind(q.subject, q.scope).can(q.permission),
    CASL: (q) => caslCan(casls[q.t], q.subject, q.permission, q.scope),
  };
  const ratios = {};
  // CASL's time ÷ gate.can's within each repetition (both timed beside the same anchor),
  // median and range: the speed-up itself, without the anchor's drift between repetitions.
  const caslOverGate = {};
  for (const [shape, queries] of [["random", random], ["grouped", grouped]]) {
    const per = Object.fromEntries(Object.keys(approaches).map((k) => [k, []]));
    for (let r = 0; r < REPS; r++) {
      const anchor = nsPerCall(queries, approaches["plain JS (anchor)"]);
      for (const [name, fn] of Object.entries(approaches)) per[name].push((name.startsWith("plain") ? anchor : nsPerCall(queries, fn)) / anchor);
      per["plain JS (anchor)"][r] = anchor;
    }
    ratios[shape] = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)]));
    const each = per.CASL.map((c, r) => c / per["rolegate gate.can"][r]);
    caslOverGate[shape] = { median: median(each), min: Math.min(...each), max: Math.max(...each) };
  }
  const memory = process.memoryUsage();
  const snapshotRaw = snapshots.reduce((n, b) => n + b.length, 0);
  const snapshotGzip = snapshots.reduce((n, b) => n + gz(b), 0);
  const jsonGzip = texts.reduce((n, t) => n + gz(Buffer.from(t)), 0);
  const caslGzip = casls.reduce((n, c) => n + gz(Buffer.from(JSON.stringify([...c.rulesOf]))), 0);
  gates.forEach((g) => g.close());
  expiring.forEach((g) => g.close());

  // One tenant holding every subject of this scale: a load in a fresh process, and (at
  // 5,000 subjects) the page workload on it; once a scale.
  const first = !freshByScale.has(scale);
  if (first) {
    const [single] = saas(scale, 1, scale + 7);
    const singleJson = join(out, `s${scale}-single.policy.json`);
    writeFileSync(singleJson, JSON.stringify(single));
    const singleSnap = singleJson.replace(".policy.json", ".snapshot");
    execFileSync(cli, ["build", singleJson, "--key", keyFile, "--revision", "1", "--issued-at", "2026-11-01T00:00:00Z", "--out", singleSnap]);
    const fresh = freshLoad(singleSnap, singleJson);
    fresh.snapshotBytes = readFileSync(singleSnap).length;
    freshByScale.set(scale, { fresh, single, singleSnap });
  }
  const { fresh, single, singleSnap } = freshByScale.get(scale);
  const page = scale === 5000 && first ? pageWorkload(single, new Uint8Array(readFileSync(singleSnap))) : null;
  results.push({ scale, tenants: count, queries: QUERIES, ratios, caslOverGate, loadMs: { rolegate: median(loadRolegate), plain: median(loadPlain) }, heapMB: memory.heapUsed / 2 ** 20, snapshotRaw, snapshotGzip, jsonGzip, caslGzip, fresh, page });
}

/**
 * A page's workload: bind once per user and scope, then check every catalog permission,
 * for 200 (user, scope) pairs, against a `Set.has` on each pair's precomputed set and a
 * bare bit test with a known index. Median of 9 repetitions: ns per check, and the ratio to
 * the Set.has timings just before and after each.
 */
function pageWorkload(policy, bytes) {
  const gate = new Gate(bytes, { keys });
  const casl = caslTenant(policy);
  const plain = plainIndex(policy);
  const random = rng(99);
  const pairs = Array.from({ length: 200 }, () => {
    const subject = policy.subjects[Math.floor(random() * policy.subjects.length)].id;
    const scope = policy.scopes[Math.floor(random() * policy.scopes.length)].id;
    const allowed = CATALOG.filter((p) => plainCan(plain, subject, p, scope));
    const words = new Uint32Array(Math.ceil(CATALOG.length / 32));
    allowed.forEach((p) => (words[CATALOG.indexOf(p) >>> 5] |= 1 << (CATALOG.indexOf(p) & 31)));
    return { subject, scope, set: new Set(allowed), bare: new BareHandle(allowed), words, handle: gate.bind(subject, scope) };
  });
  const ids = CATALOG.map((p) => gate.permissionId(p));
  for (const q of pairs) {
    for (const [i, p] of CATALOG.entries()) {
      const want = q.set.has(p);
      const got = [q.handle.can(p), q.handle.canId(ids[i]), gate.can(q.subject, p, q.scope), caslCan(casl, q.subject, p, q.scope), ((q.words[i >>> 5] >>> (i & 31)) & 1) === 1, q.bare.can(p)];
      if (got.some((g) => g !== want)) throw new Error(`page workload: ${q.subject} ${p} ${q.scope} answers ${got}, the anchor says ${want}`);
    }
  }
  const variants = {
    "Set.has on a precomputed set": (q, p) => q.set.has(p),
    "a bare bit test, known index": (q, p, i) => ((q.words[i >>> 5] >>> (i & 31)) & 1) === 1,
    "CASL ability.can": (q, p) => caslCan(casl, q.subject, p, q.scope),
    "rolegate gate.can": (q, p) => gate.can(q.subject, p, q.scope),
    "a handle that checks nothing": (q, p) => q.bare.can(p),
    "rolegate handle.can": (q, p) => q.handle.can(p),
    "rolegate handle.canId": (q, p, i) => q.handle.canId(ids[i]),
  };
  // Each timing takes about TIMING_MS (passes chosen from a warm-up), and each variant's
  // is divided by the mean of a Set.has timing just before and one just after it: this
  // machine's speed drifts within a second by more than these variants differ.
  const TIMING_MS = 30;
  const time = (fn, passes) => {
    const loop = loopFor(fn, "pairs", "names", "fn", "passes", "let sink = 0; for (let r = 0; r < passes; r++) for (const q of pairs) for (let i = 0; i < names.length; i++) sink += fn(q, names[i], i) ? 1 : 0; return sink;");
    const start = process.hrtime.bigint();
    loop(pairs, CATALOG, fn, passes);
    return Number(process.hrtime.bigint() - start) / (passes * pairs.length * CATALOG.length);
  };
  const passes = new Map();
  for (const fn of Object.values(variants)) {
    time(fn, 2);
    passes.set(fn, Math.max(2, Math.round((TIMING_MS * 1e6) / (time(fn, 2) * pairs.length * CATALOG.length))));
  }
  const baseline = variants["Set.has on a precomputed set"];
  const ns = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const ratio = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < 9; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const before = time(baseline, passes.get(baseline));
      const t = time(fn, passes.get(fn));
      const after = time(baseline, passes.get(baseline));
      ns[name].push(t);
      ratio[name].push(t / ((before + after) / 2));
    }
  }
  gate.close();
  const medians = (per) => Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)]));
  return { ns: medians(ns), ratio: medians(ratio) };
}

const HEAP_NOISE = 1 << 18;
const wasmGzip = gz(readFileSync(join(root, "pkg", "engine_bg.wasm")));
for (const r of results) {
  console.log(`\n${r.scale.toLocaleString()} subjects in ${r.tenants} tenant(s), ${r.queries.toLocaleString()} queries (node ${process.version}, median of ${REPS})`);
  console.log(`  ${"approach".padEnd(28)} ${"random".padStart(10)} ${"grouped".padStart(10)}   ${"checks/s random".padStart(15)} ${"grouped".padStart(10)}   (÷ the anchor; the anchor in ns per check)`);
  const anchor = "plain JS (anchor)";
  for (const name of Object.keys(r.ratios.random)) {
    const f = (shape) => (name === anchor ? `${r.ratios[shape][name].toFixed(0)} ns` : `${r.ratios[shape][name].toFixed(2)}×`).padStart(10);
    // Checks a second: the anchor's median time per check times this approach's median ratio.
    const rate = (shape) => {
      const ns = r.ratios[shape][anchor] * (name === anchor ? 1 : r.ratios[shape][name]);
      return `${(1e3 / ns).toFixed(1)} M`;
    };
    console.log(`  ${name.padEnd(28)} ${f("random")} ${f("grouped")}   ${rate("random").padStart(15)} ${rate("grouped").padStart(10)}`);
  }
  const speedUp = (shape) => `${r.caslOverGate[shape].median.toFixed(2)}× (${r.caslOverGate[shape].min.toFixed(2)}–${r.caslOverGate[shape].max.toFixed(2)})`;
  console.log(`  CASL ÷ gate.can, per repetition: random ${speedUp("random")}, grouped ${speedUp("grouped")}`);
  console.log(`  load: rolegate ${r.loadMs.rolegate.toFixed(1)} ms (${((r.loadMs.rolegate / r.scale) * 10000).toFixed(2)} ms per 10,000 subjects), plain JS from JSON ${r.loadMs.plain.toFixed(1)} ms (${(r.loadMs.rolegate / r.loadMs.plain).toFixed(2)}×)`);
  const f = r.fresh;
  // The fresh-process figures are a scale's (see freshByScale): shown at its first result.
  const fromFresh = results.find((x) => x.scale === r.scale) === r;
  if (fromFresh) console.log(`  one tenant of ${r.scale.toLocaleString()} subjects, in a fresh process (median of 3 processes): engine instantiation ${f.engineInit.toFixed(1)} ms, then rolegate load ${f.rolegateFirst.toFixed(1)} ms first, ${f.rolegate.toFixed(1)} ms median (${((f.rolegate / r.scale) * 10000).toFixed(2)} ms per 10,000 subjects); anchor from JSON ${f.plainFirst.toFixed(1)} ms first, ${f.plain.toFixed(1)} ms median (rolegate ÷ anchor ${(f.rolegate / f.plain).toFixed(2)}×)`);
  // One gate's heap delta is only as good as the heap's noise: a few hundred KB either way
  // between runs of the same process (GC, code compiled on first use). Below that the
  // further gates' figure (many held at once) is the gate's.
  const noisy = (bytes) => Math.abs(bytes) < HEAP_NOISE;
  const heap = (bytes) => (noisy(bytes) ? `within the heap's noise (±${HEAP_NOISE / 2 ** 20} MB)` : `${(bytes / 2 ** 20).toFixed(2)} MB`);
  const first = noisy(f.rolegateBytes) ? "" : ` (${(f.rolegateBytes / f.snapshotBytes).toFixed(2)}× its ${f.snapshotBytes.toLocaleString()}-byte snapshot)`;
  if (fromFresh) console.log(`  memory after load: rolegate ${heap(f.rolegateBytes)}${first} for the first gate, ${(f.rolegateEach / 2 ** 20).toFixed(2)} MB for each further one (${(f.rolegateEach / f.snapshotBytes).toFixed(2)}×); anchor ${heap(f.plainBytes)}`);
  if (r.page) {
    console.log(`  page workload (200 users × ${CATALOG.length} permissions, bound once; ns per check, ÷ Set.has timed just before and after, median of 9):`);
    for (const [name, ns] of Object.entries(r.page.ns)) console.log(`    ${name.padEnd(30)} ${ns.toFixed(1).padStart(7)} ns  ${r.page.ratio[name].toFixed(2)}×`);
  }
  console.log(`  snapshot ${r.snapshotRaw.toLocaleString()} B raw, ${r.snapshotGzip.toLocaleString()} B gzip; policy JSON gzip ${r.jsonGzip.toLocaleString()} B; CASL rules gzip ${r.caslGzip.toLocaleString()} B; heap after load ${r.heapMB.toFixed(1)} MB`);
}
console.log(`\nruntime: engine .wasm ${wasmGzip.toLocaleString()} B gzip`);
writeFileSync(join(out, "results.json"), JSON.stringify({ node: process.version, results, wasmGzip }, null, 2));

// The chart: one group of bars per scale and stream shape, a bar per approach (÷ anchor).
const names = ["rolegate gate.can", "rolegate bound handle.can", "rolegate handle.canId", "CASL"];
const colors = ["#2f6fdf", "#6aa0f0", "#a8c6f5", "#d9822b"];
const groups = results.flatMap((r) => ["random", "grouped"].map((shape) => ({ label: `${r.scale.toLocaleString()}/${r.tenants}t ${shape}`, values: names.map((n) => r.ratios[shape][n]) })));
const max = Math.max(2, ...groups.flatMap((g) => g.values));
const W = 120 * groups.length + 80;
const H = 320;
const y = (v) => H - 40 - (v / max) * (H - 80);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`;
svg += `<text x="10" y="16" font-size="13">time per check ÷ the plain-JS anchor (lower is better; dashed: 1.5×)</text>`;
svg += `<line x1="50" x2="${W - 10}" y1="${y(1.5)}" y2="${y(1.5)}" stroke="#999" stroke-dasharray="4 3"/>`;
groups.forEach((g, i) => {
  g.values.forEach((v, j) => {
    const x = 60 + i * 120 + j * 24;
    svg += `<rect x="${x}" y="${y(v)}" width="20" height="${H - 40 - y(v)}" fill="${colors[j]}"><title>${names[j]}: ${v.toFixed(2)}×</title></rect>`;
    svg += `<text x="${x + 10}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${v.toFixed(1)}</text>`;
  });
  svg += `<text x="${60 + i * 120 + 48}" y="${H - 22}" text-anchor="middle">${g.label}</text>`;
});
names.forEach((n, j) => (svg += `<rect x="${60 + j * 170}" y="${H - 14}" width="10" height="10" fill="${colors[j]}"/><text x="${74 + j * 170}" y="${H - 5}">${n}</text>`));
svg += "</svg>\n";
writeFileSync(join(out, "ratios.svg"), svg);
console.log(`chart: ${join(out, "ratios.svg")}`);
