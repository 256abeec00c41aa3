// Findings of hostile testing, each a behaviour that was wrong before its fix: an expired
// snapshot answers 503 EXPIRED at the guard (not 403), a throwing listener or clock does
// not take the process down or throw from a check, names that are not valid Unicode are
// unknown everywhere, and the route-table guard matches as its options say.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { fixture, keys, project } from "./harness.mjs";

const dir = project("findings");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate"; export { guard } from "rolegate/edge"; export * from "rolegate/node";\n');
const entry = pathToFileURL(join(dir, "entry.mjs")).href;
const { Gate, guard, forExpress } = await import(entry);

const NOW = Date.parse("2026-11-23T12:00:00Z");
const HOUR = 3600_000;

/** Signs `policy` with the test key into `name`.snapshot (the release CLI) and returns its bytes. */
async function snapshotOf(name, policy, revision = 1, extra = []) {
  const { execFileSync } = await import("node:child_process");
  const { fixtures, root } = await import("./harness.mjs");
  const file = join(dir, `${name}.policy.json`);
  writeFileSync(file, JSON.stringify(policy));
  const out = join(dir, `${name}.snapshot`);
  execFileSync(join(root, "target", "release", "rolegate"), ["build", file, "--key", join(fixtures, "key-a.json"), "--revision", String(revision), "--issued-at", "2026-11-01T00:00:00Z", ...extra, "--out", out]);
  return new Uint8Array(readFileSync(out));
}

/**
 * Deterministic random integers below `n` from `seed` (mulberry32: an LCG's low bits
 * repeat within a few thousand draws).
 */
function randomBelow(seed) {
  return (n) => {
    let t = (seed = (seed + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** What a bound handle answers from inside (see Binding in js/gate.js): a Set of the names its set allows. */
function sharedAnswers(handle) {
  return handle[Object.getOwnPropertySymbols(handle).find((k) => k.description === "answers")];
}

/** A gate on the default clock (Date.now as the gate finds it), which here is `clock`. */
function onDefaultClock(bytes, clock) {
  const realNow = Date.now;
  Date.now = clock;
  try {
    return new Gate(bytes, { keys: keys() });
  } finally {
    Date.now = realNow;
  }
}

test("an expired snapshot makes the guard answer 503 EXPIRED, not 403", async () => {
  let now = NOW;
  const gate = new Gate(fixture("acme-1h.snapshot"), { keys: keys(), clock: () => now });
  const routes = [{ method: "POST", path: "/projects/:project/roles", permission: "roles.create", scope: { param: "project" } }];
  const handle = guard(() => Response.json({ ok: true }), { gate, routes, header: "x-user" });
  const ask = () => handle(new Request("http://x/projects/shop/roles", { method: "POST", headers: { "x-user": "bob" } }));
  assert.equal((await ask()).status, 200);
  now = NOW + 2 * HOUR;
  const res = await ask();
  assert.equal(res.status, 503);
  assert.equal((await res.json()).code, "EXPIRED");
  // Per route in Node too.
  const check = forExpress({ gate, header: "x-user" }).require("roles.create", { scope: "project" });
  const sent = await new Promise((resolve) => {
    const res = { setHeader() {}, end: (body) => resolve([res.statusCode, JSON.parse(body)]) };
    check({ method: "POST", params: { project: "shop" }, headers: { "x-user": "bob" } }, res, () => resolve(["next"]));
  });
  assert.deepEqual([sent[0], sent[1].code], [503, "EXPIRED"]);
});

test("a throwing listener does not end the process, and the gate keeps serving", () => {
  // In a child: Node ends a process on a throw from an EventTarget listener.
  const script = `
    import { Gate } from ${JSON.stringify(entry)};
    import { readFileSync } from "node:fs";
    const keys = ${JSON.stringify(keys())};
    let now = ${NOW};
    const gate = new Gate(readFileSync(${JSON.stringify(join(dir, "..", "fixtures", "acme-1h.snapshot"))}), { keys, clock: () => now });
    const listener = () => { throw new Error("listener bug"); };
    gate.addEventListener("updated", listener);
    gate.addEventListener("expired", { handleEvent() { throw new Error("handler bug"); } });
    gate.update(readFileSync(${JSON.stringify(join(dir, "..", "fixtures", "acme-1h.snapshot"))}));
    now += 7200000;
    console.log(gate.can("bob", "roles.create", "shop"));
    gate.removeEventListener("updated", listener);
    gate.update(readFileSync(${JSON.stringify(join(dir, "..", "fixtures", "acme-rev104-key-b.snapshot"))}));
    now = ${NOW};
    console.log(gate.can("bob", "roles.create", "shop"));
    setTimeout(() => console.log("still running"), 20);
  `;
  writeFileSync(join(dir, "listeners.mjs"), script);
  const run = spawnSync(process.execPath, [join(dir, "listeners.mjs")], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split("\n"), ["false", "true", "still running"]);
  assert.match(run.stderr, /`updated` listener threw[\s\S]*listener bug/);
  assert.match(run.stderr, /`expired` listener threw[\s\S]*handler bug/);
  assert.equal(run.stderr.match(/listener bug/g).length, 1, "a removed listener no longer runs");
});

test("a throwing or non-number clock denies; checks never throw", () => {
  const gate = new Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => NOW });
  assert.equal(gate.can("bob", "roles.create", "shop"), true);
  for (const clock of [() => { throw new Error("clock bug"); }, () => "now", () => NaN, () => undefined, () => 10n]) {
    let calls = 0;
    const g = new Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => (calls++ === 0 ? NOW : clock()) });
    assert.equal(g.can("bob", "roles.create", "shop"), false);
    assert.equal(g.bind("bob", "shop").can("roles.create"), false);
    assert.deepEqual(g.permissions("bob", "shop"), []);
    assert.equal(g.explain("bob", "roles.create", "shop").allowed, false);
  }
});

test("names that are not valid Unicode are unknown in can, explain, permissions and bindings", () => {
  const gate = new Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => NOW });
  for (const lone of ["\uD800", "\uDC00", "\uDBFF"]) {
    // bob\uFFFD would be what the engine saw before: neither may answer for bob.
    assert.equal(gate.can(`bob${lone}`, "roles.create", "shop"), false);
    assert.equal(gate.subjectStatus(`bob${lone}`), "unknown");
    assert.deepEqual(gate.permissions(`bob${lone}`, "shop"), []);
    assert.equal(gate.bind(`bob${lone}`, "shop").can("roles.create"), false);
    const d = gate.explain(`bob${lone}`, "roles.create", "shop");
    assert.deepEqual([d.allowed, d.reason], [false, "unknown_subject"]);
    // A scope: can, explain and permissions agree (explain said allowed before).
    assert.equal(gate.can("alice", "roles.create", `shop${lone}`), false);
    assert.equal(gate.explain("alice", "roles.create", `shop${lone}`).allowed, false);
    assert.equal(gate.explain("alice", "roles.create", `shop${lone}`).reason, "unknown_scope");
    assert.deepEqual(gate.permissions("alice", `shop${lone}`), []);
    assert.deepEqual(gate.whoCan("roles.create", `shop${lone}`), []);
    assert.equal(gate.bind("alice", `shop${lone}`).can("roles.create"), false);
    assert.equal(gate.can("alice", `roles.create${lone}`, "shop"), false);
    assert.equal(gate.explain("alice", `roles.create${lone}`, "shop").reason, "unknown_permission");
  }
  // Well-formed astral characters are ordinary names.
  assert.equal(gate.can("bob\u{1F600}", "roles.create", "shop"), false);
  assert.equal(gate.explain("bob\u{1F600}", "roles.create", "shop").reason, "unknown_subject");
});

test("the route-table guard matches as documented and warns about unmatched: allow", async () => {
  const gate = new Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => NOW });
  const routes = [{ method: "GET", path: "/projects/:project/roles", permission: "roles.view", scope: { param: "project" } }];
  const seen = [];
  const origin = (request, env, ctx) => (seen.push(ctx.rolegate.params.project), Response.json({ ok: true }));
  const status = async (handle, path, method = "GET", headers = { "x-user": "bob" }) =>
    (await handle(new Request(`http://x${path}`, { method, headers }))).status;
  const lax = guard(origin, { gate, routes, header: "x-user" });
  assert.equal(await status(lax, "/Projects/shop/ROLES"), 200, "case-insensitive by default");
  assert.equal(await status(lax, "/projects/shop/roles/"), 200, "trailing slash ignored by default");
  assert.equal(await status(lax, "/projects/shop/roles", "HEAD"), 200, "HEAD is judged as GET");
  assert.equal(await status(lax, "/projects/sh%6Fp/roles"), 200, "params decoded per segment");
  assert.equal(seen.at(-1), "shop");
  assert.equal(await status(lax, "/projects/a%2Fb/roles"), 400, "an encoded / is refused by default");
  assert.equal(await status(lax, "/projects/shop/roles", "POST", { "x-user": "bob", "x-http-method-override": "GET" }), 400);
  const strict = guard(origin, { gate, routes, header: "x-user", caseSensitive: true, trailingSlash: "strict", headAsGet: false, encodedSlash: "keep" });
  assert.equal(await status(strict, "/Projects/shop/roles"), 403);
  assert.equal(await status(strict, "/projects/shop/roles/"), 403);
  assert.equal(await status(strict, "/projects/shop/roles", "HEAD"), 403);
  assert.equal(await status(strict, "/projects/a%2Fb/roles"), 403, "kept: judged as scope `a/b`, unknown");
  const warnings = [];
  const warn = console.warn;
  console.warn = (message) => warnings.push(message);
  try {
    guard(origin, { gate, routes, unmatched: "allow" });
  } finally {
    console.warn = warn;
  }
  assert.match(warnings.join("\n"), /unmatched: "allow".*unsafe/);
});

test("revisions read back exactly, so minRevision: gate.revision reloads the same snapshot", async () => {
  const { fixtures, root } = await import("./harness.mjs");
  const acme = JSON.parse(readFileSync(join(root, "tests", "conformance", "acme.policy.json"), "utf8"));
  const bytes = await snapshotOf("max-revision", acme, Number.MAX_SAFE_INTEGER);
  const gate = new Gate(bytes, { keys: keys(), clock: () => NOW });
  assert.equal(gate.revision, 9007199254740991);
  assert.ok(Number.isSafeInteger(gate.revision));
  const again = new Gate(bytes, { keys: keys(), clock: () => NOW, minRevision: gate.revision });
  assert.equal(again.revision, gate.revision);
  gate.update(bytes); // the same revision reloads
  // One past the largest revision a JS number holds exactly: the compiler refuses it.
  const over = spawnSync(join(root, "target", "release", "rolegate"), ["build", join(dir, "max-revision.policy.json"), "--key", join(fixtures, "key-a.json"), "--revision", "9007199254740995", "--out", join(dir, "over.snapshot")], { encoding: "utf8" });
  assert.equal(over.status, 2);
  assert.match(over.stderr, /LIMIT_EXCEEDED/);
});

test("the check cache answers like the vectors on every path: engine calls, fresh sets, hits, evictions", async () => {
  const { queryFiles } = await import("./harness.mjs");
  // With a clock passed in, every check reads it (the hashed cache); with the default clock
  // (Date.now, here held at the file's time) a snapshot with no expiry needs none, and its
  // sets without expiring grants answer from the direct table.
  for (const [file, defaultClock] of queryFiles().flatMap((f) => [[f, false], [f, true]])) {
    const clock = () => file.now;
    const gate = defaultClock ? onDefaultClock(fixture(file.snapshot), clock) : new Gate(fixture(file.snapshot), { keys: keys(), clock });
    const grouped = [...file.queries].sort((a, b) => `${a[0]}\0${a[2]}`.localeCompare(`${b[0]}\0${b[2]}`));
    // First visits (the engine's bit), second (a set fetched), later ones (cache hits),
    // in random and grouped order, three rounds each; a binding made per query takes its
    // set from the same cache.
    for (const order of [file.queries, grouped, file.queries]) {
      for (let round = 0; round < 3; round++) {
        const wrong = order.filter(([s, p, sc, expected]) => gate.can(s, p, sc ?? undefined) !== expected || gate.bind(s, sc).can(p) !== expected);
        assert.deepEqual(wrong.slice(0, 5), [], `${file.name}${defaultClock ? " (default clock)" : ""}: ${wrong.length} wrong`);
      }
    }
    gate.close();
  }
});

test("with the default clock, a grant stops answering at its expiry on every path: direct table, hashed cache, handles", async () => {
  const expiry = NOW + HOUR;
  const policy = {
    format: "rolegate.policy/1",
    tenant: "clocked",
    permissions: ["doc.read", "doc.write"],
    scopes: [{ id: "org" }, { id: "prj", parent: "org" }],
    roles: [
      { name: "reader", permissions: ["doc.read"] },
      { name: "writer", permissions: ["doc.write"] },
    ],
    subjects: [
      { id: "forever", kind: "user", grants: [{ role: "reader", scope: "org" }] },
      { id: "until", kind: "user", grants: [{ role: "reader", scope: "org", expires_at: new Date(expiry).toISOString() }] },
      { id: "both", kind: "user", grants: [{ role: "reader", scope: "org" }, { role: "writer", scope: "prj", expires_at: new Date(expiry).toISOString() }] },
      // Enough keys (subjects × scopes) that the cache starts hashed and then moves its keys
      // into a direct table, half of them on sets that expire.
      ...Array.from({ length: 400 }, (_, i) => ({ id: `f${i}`, kind: "user", grants: [{ role: "reader", scope: "org", ...(i % 2 ? {} : { expires_at: new Date(expiry).toISOString() }) }] })),
    ],
  };
  // The default clock is Date.now as the gate finds it: here one the test moves.
  let now = NOW;
  const gate = onDefaultClock(await snapshotOf("clocked", policy), () => now);
  const cases = [
    ["forever", "doc.read", "prj", true, true],
    ["until", "doc.read", "prj", true, false],
    ["until", "doc.read", undefined, true, false],
    ["both", "doc.read", "prj", true, true],
    ["both", "doc.write", "prj", true, false],
    ["both", "doc.write", undefined, false, false],
    ...Array.from({ length: 400 }, (_, i) => [`f${i}`, "doc.read", i % 3 ? "prj" : undefined, true, i % 2 === 1]),
  ];
  const handles = cases.map(([s, , sc]) => gate.bind(s, sc));
  const answers = (before) => {
    for (const [i, [s, p, sc, early, late]] of cases.entries()) {
      const want = before ? early : late;
      // Enough checks to take each path: the first fill, hits, and shared answers.
      for (let round = 0; round < 5; round++) {
        assert.equal(gate.can(s, p, sc), want, `${s} ${p} ${sc} ${before ? "before" : "after"} the expiry`);
        assert.equal(handles[i].can(p), want, `handle ${s} ${p} ${sc} ${before ? "before" : "after"}`);
      }
    }
  };
  answers(true);
  // One reading of the default clock serves a synchronous run: the next one reads it again.
  await new Promise((resolve) => setImmediate(resolve));
  now = expiry + 1;
  answers(false);
  gate.close();
  for (const [s, p, sc] of cases) assert.equal(gate.can(s, p, sc), false, `${s} ${p} after close`);
});

test("the check cache grows with the callers seen: a few callers take no table of every key", async () => {
  // 1,000 subjects on 50 scopes: 50,000 keys, a 50,000-byte table (of two sets: a byte a
  // key) if every key had a slot, beside the 1,050 names' 64 bytes each.
  const scopes = [{ id: "org" }, ...Array.from({ length: 49 }, (_, i) => ({ id: `s${i}`, parent: "org" }))];
  const policy = {
    format: "rolegate.policy/1",
    tenant: "many-keys",
    permissions: ["doc.read", "doc.write"],
    scopes,
    roles: [{ name: "reader", permissions: ["doc.read"] }],
    subjects: Array.from({ length: 1000 }, (_, i) => ({ id: `u${i}`, kind: "user", grants: [{ role: "reader", scope: i % 2 ? "org" : `s${i % 49}` }] })),
  };
  const gate = new Gate(await snapshotOf("many-keys", policy), { keys: keys() });
  const want = (i, scope) => i % 2 === 1 || scope === `s${i % 49}`;
  const before = gate.memoryBytes;
  for (let round = 0; round < 3; round++) for (let i = 0; i < 10; i++) assert.equal(gate.can(`u${i}`, "doc.read", "s3"), want(i, "s3"));
  const few = gate.memoryBytes - before;
  assert.ok(few < 16384, `ten callers took ${few} bytes`);
  // Every key, twice: the cache grows into the table, and answers stay right on the way.
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 1000; i++) for (const { id } of scopes) assert.equal(gate.can(`u${i}`, "doc.read", id), want(i, id), `u${i} ${id}`);
  }
  const all = gate.memoryBytes - before;
  assert.ok(all >= 50000 + 1050 * 64 && all < 150000, `every key took ${all} bytes`);
  gate.close();
});

test("a random stream over more keys than the hashed cache holds takes the table of every key, up to its limit", async () => {
  // The hashed cache holds at most 65,536 slots (8 bytes each). 3,000 subjects on 100
  // scopes are 300,000 keys: keys evicting each other at that size take the table of every
  // key (a byte a key here), where every check went to the engine before. 42,000 subjects
  // on 101 scopes are past the table's 2^22 keys: the cache stays the hashed one. And a
  // gate whose table weighs less than the doubled slots takes it at that doubling: 1,000
  // subjects on 20 scopes are 20,000 bytes against 4,096 slots' 32,768 (it stayed hashed,
  // 5,000 checks in, until its slots would weigh four times the table).
  const cacheBytes = (gate, bytes, names) => gate.memoryBytes - Math.ceil(bytes.length * 1.7) - names * 64;
  for (const [count, width, checks] of [[3000, 100, 200000], [42000, 101, 200000], [1000, 20, 5000]]) {
    const scopes = [{ id: "org" }, ...Array.from({ length: width - 1 }, (_, i) => ({ id: `s${i}`, parent: "org" }))];
    const policy = {
      format: "rolegate.policy/1",
      tenant: `keys-${count}`,
      permissions: ["doc.read", "doc.write"],
      scopes,
      roles: [{ name: "reader", permissions: ["doc.read"] }],
      subjects: Array.from({ length: count }, (_, i) => ({ id: `u${i}`, kind: "user", grants: [{ role: "reader", scope: i % 3 ? `s${i % (width - 1)}` : "org" }] })),
    };
    const bytes = await snapshotOf(`keys-${count}`, policy);
    const gate = new Gate(bytes, { keys: keys() });
    const want = (i, scope) => i % 3 === 0 || scope === `s${i % (width - 1)}`;
    const next = randomBelow(1);
    const [subjects, scopeIds] = [new Set(), new Set()];
    for (let n = 0; n < checks; n++) {
      const [i, scope] = [next(count), scopes[next(width)].id];
      subjects.add(i);
      scopeIds.add(scope);
      assert.equal(gate.can(`u${i}`, "doc.read", scope), want(i, scope), `u${i} ${scope} (check ${n})`);
    }
    const cache = cacheBytes(gate, bytes, subjects.size + scopeIds.size + 1);
    if (count * width <= 1 << 22) assert.ok(cache >= count * width && cache < count * width + 8192, `${count} subjects on ${width} scopes: a cache of ${cache} bytes`);
    else assert.ok(cache <= 65536 * 8 + 16384, `${count} subjects on ${width} scopes: a cache of ${cache} bytes`);
    gate.close();
  }
});

test("the direct table weighs at most 4 MB: one that would be wider is not taken, and one that would widen past it is dropped", async () => {
  // 33,000 subjects on 33 scopes (1,089,000 keys), each holding its own 4 of 32 permissions:
  // 33,000 sets, past the 32,768 a 2-byte table numbers, so a table of every key would be
  // 4 bytes a key (4.4 MB). Keys first from 3,000 subjects take a 2-byte table (2.2 MB);
  // the rest then widen it past 4 MB, and the hashed cache serves again.
  const combos = [];
  for (let a = 0; a < 32 && combos.length < 33000; a++)
    for (let b = a + 1; b < 32; b++) for (let c = b + 1; c < 32; c++) for (let d = c + 1; d < 32; d++) combos.push([a, b, c, d]);
  const count = 33000;
  const scopes = [{ id: "org" }, ...Array.from({ length: 32 }, (_, i) => ({ id: `s${i}`, parent: "org" }))];
  const policy = {
    format: "rolegate.policy/1",
    tenant: "wide-sets",
    permissions: Array.from({ length: 32 }, (_, i) => `p.${i}`),
    scopes,
    roles: Array.from({ length: 32 }, (_, i) => ({ name: `r${i}`, permissions: [`p.${i}`] })),
    subjects: combos.slice(0, count).map((roles, i) => ({ id: `u${i}`, kind: "user", grants: roles.map((r) => ({ role: `r${r}`, scope: "org" })) })),
  };
  const bytes = await snapshotOf("wide-sets", policy);
  const keyCount = count * scopes.length;
  const cacheBytes = (gate, names) => gate.memoryBytes - Math.ceil(bytes.length * 1.7) - names * 64;
  const next = randomBelow(7);
  // `checks` checks of random scopes and permissions: each subject in turn, or random ones
  // of the first `subjects`.
  const run = (gate, subjects, checks, seen) => {
    for (let n = 0; n < checks; n++) {
      const i = subjects === "each" ? n % count : next(subjects);
      const [scope, p] = [scopes[next(scopes.length)].id, next(32)];
      seen.add(`u${i}`).add(scope).add(`p.${p}`);
      assert.equal(gate.can(`u${i}`, `p.${p}`, scope), combos[i].includes(p), `u${i} p.${p} ${scope} (check ${n})`);
    }
  };
  // The hashed cache: 65,536 slots of 8 bytes, and the 33,000 sets it numbers.
  const hashed = 65536 * 8 + 33000 * 48;
  const narrowFirst = new Gate(bytes, { keys: keys() });
  const seen = new Set();
  run(narrowFirst, 3000, 200000, seen);
  const narrow = cacheBytes(narrowFirst, seen.size);
  assert.ok(narrow >= 2 * keyCount && narrow < 2 * keyCount + 262144, `3,000 subjects' keys: a cache of ${narrow} bytes`);
  run(narrowFirst, "each", count, seen);
  const dropped = cacheBytes(narrowFirst, seen.size);
  assert.ok(dropped < hashed, `every subject's keys after a 2-byte table: a cache of ${dropped} bytes`);
  narrowFirst.close();
  const wideFirst = new Gate(bytes, { keys: keys() });
  const all = new Set();
  run(wideFirst, "each", count, all);
  run(wideFirst, count, 200000, all);
  const never = cacheBytes(wideFirst, all.size);
  assert.ok(never < hashed, `every subject's keys at once: a cache of ${never} bytes`);
  wideFirst.close();
});

test("the direct table widens as sets come, keeping which sets need the clock", async () => {
  // 800 subjects of one set fill a byte-wide direct table; then 300 of 300 distinct sets
  // take it past the 127 sets a byte numbers.
  const [SHARED, N] = [800, 1100];
  const own = (i) => i >= SHARED;
  const policy = {
    format: "rolegate.policy/1",
    tenant: "widening",
    permissions: Array.from({ length: N }, (_, i) => `p.${i}`),
    scopes: [{ id: "org" }, { id: "prj", parent: "org" }],
    roles: [{ name: "shared", permissions: ["p.0"] }, ...Array.from({ length: N - SHARED }, (_, i) => ({ name: `r${SHARED + i}`, permissions: [`p.${SHARED + i}`] }))],
    subjects: Array.from({ length: N }, (_, i) => ({ id: `u${i}`, kind: "user", grants: [{ role: own(i) ? `r${i}` : "shared", scope: "org" }] })),
  };
  // Without expiry, and with one (every set then needs the clock, on the default clock).
  for (const extra of [[], ["--ttl", "3650d"]]) {
    const gate = new Gate(await snapshotOf(`widening${extra.length}`, policy, 1, extra), { keys: keys() });
    const answers = (count, label) => {
      for (let i = 0; i < count; i++) {
        const mine = own(i) ? `p.${i}` : "p.0";
        for (const scope of [undefined, "prj"]) {
          assert.equal(gate.can(`u${i}`, mine, scope), true, `u${i} ${mine} ${scope} ${extra}: ${label}`);
          assert.equal(gate.can(`u${i}`, `p.${(i + 1) % N}`, scope), false, `u${i} ${scope} ${extra}: ${label}`);
        }
      }
    };
    for (let round = 0; round < 3; round++) answers(SHARED, `one set, round ${round}`);
    for (let round = 0; round < 3; round++) answers(N, `every set, round ${round}`);
    gate.close();
  }
});

test("the check cache's interned sets stay bounded: past the limit it starts over and answers stay right", async () => {
  // The widest catalog (16,384 permissions: 512 words a set) and 700 subjects of 700
  // distinct sets: more than the 2^18 words the interned sets may hold (512 sets).
  const N = 700;
  const permissions = Array.from({ length: 16384 }, (_, i) => `p.${i}`);
  const policy = {
    format: "rolegate.policy/1",
    tenant: "wide",
    permissions,
    scopes: [{ id: "org" }, { id: "prj", parent: "org" }],
    roles: Array.from({ length: N }, (_, i) => ({ name: `r${i}`, permissions: [`p.${i}`, `p.${16383 - i}`] })),
    subjects: Array.from({ length: N }, (_, i) => ({ id: `u${i}`, kind: "user", grants: [{ role: `r${i}`, scope: i % 2 ? "prj" : "org" }] })),
  };
  const bytes = await snapshotOf("wide", policy);
  const gate = new Gate(bytes, { keys: keys() });
  // Bound handles answer from the answers their set shares: the cache starting over must
  // not leave them answering from emptied ones, nor give handles bound later the answers
  // of a set that had their set's number before.
  const handles = [0, 2, 5].map((i) => [i, gate.bind(`u${i}`)]);
  for (const [, handle] of handles) for (const p of permissions) handle.can(p);
  // What the gate holds now: the snapshot's share, every permission name, a few sets.
  const before = gate.memoryBytes;
  let most = 0;
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < N; i++) {
      const [mine, mirror, other] = [`p.${i}`, `p.${16383 - i}`, `p.${(i + 1) % N}`];
      for (const scope of [undefined, "prj"]) {
        const want = scope === "prj" || i % 2 === 0;
        assert.equal(gate.can(`u${i}`, mine, scope), want, `u${i} ${mine} ${scope}`);
        assert.equal(gate.can(`u${i}`, mirror, scope), want, `u${i} ${mirror} ${scope}`);
        assert.equal(gate.can(`u${i}`, other, scope), false, `u${i} ${other} ${scope}`);
      }
      most = Math.max(most, gate.memoryBytes);
    }
    for (const [i, handle] of handles) {
      assert.equal(handle.can(`p.${i}`), i % 2 === 0, `handle u${i}, round ${round}`);
      assert.equal(handle.can(`p.${i + 1}`), false, `handle u${i}, round ${round}`);
    }
    for (let i = 0; i < N; i++) {
      const later = gate.bind(`u${i}`, "prj");
      assert.deepEqual([later.can(`p.${i}`), later.can(`p.${16383 - i}`), later.can(`p.${(i + 1) % N}`)], [true, true, false], `u${i} bound in round ${round}`);
    }
  }
  // What the cache grew by: the sets' 1 MiB and the slots (4,096 of 8 bytes), where the
  // 701 distinct sets uncapped would take 1.4 MiB (2 MiB in arrays that double).
  const cache = most - before;
  assert.ok(cache > 0.9 * 2 ** 20 && cache < 1.25 * 2 ** 20, `${cache} bytes`);
  // An update to a catalog of another width: the cache's sets take the new width.
  const narrow = { ...policy, permissions: permissions.slice(0, 40), roles: policy.roles.map((r, i) => ({ ...r, permissions: [`p.${i % 40}`] })) };
  gate.update(await snapshotOf("wide", narrow, 2));
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < N; i++) {
      assert.equal(gate.can(`u${i}`, `p.${i % 40}`, "prj"), true, `after the update: u${i}`);
      assert.equal(gate.can(`u${i}`, `p.${(i + 1) % 40}`, "prj"), false, `after the update: u${i}`);
    }
    for (const [i, handle] of handles) assert.equal(handle.can(`p.${i % 40}`), i % 2 === 0, `handle u${i} after the update`);
  }
  gate.close();
});

test("gateStore follows the Svelte store contract: subscribers hear the current value at once", async () => {
  writeFileSync(join(dir, "dom-entry.mjs"), 'export * from "rolegate/dom";\n');
  const { gateStore } = await import(pathToFileURL(join(dir, "dom-entry.mjs")).href);
  const gate = new Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => NOW });
  const store = gateStore(gate);
  // svelte/store's get(): subscribe, take the value delivered synchronously, unsubscribe.
  const get = (s) => {
    let value;
    s.subscribe((v) => (value = v))();
    return value;
  };
  assert.equal(get(store), 0);
  const heard = [];
  const stop = store.subscribe((v) => heard.push(v));
  gate.update(fixture("acme-rev104-key-b.snapshot"));
  stop();
  gate.update(fixture("acme-rev104-key-b.snapshot"));
  assert.deepEqual(heard, [0, 1]);
  assert.equal(get(store), 2);
  assert.equal(store.getSnapshot(), 2);
});

test("unknown permissions: explain suggests a near name; development builds warn once, production stays silent", () => {
  const gate = new Gate(fixture("acme.snapshot"), { keys: keys(), clock: () => NOW });
  const d = gate.explain("bob", "roles.craete", "shop");
  assert.deepEqual([d.reason, d.suggestion], ["unknown_permission", "roles.create"]);
  assert.match(d.message, /did you mean `roles\.create`\?/);
  assert.equal(gate.explain("bob", "roles.create", "shop-dve").suggestion, "shop-dev");
  assert.equal(gate.explain("bob", "zzz.qqq", "shop").suggestion, null);
  assert.equal(gate.explain("bob", "roles.create", "shop").suggestion, null);
  const run = (env) => {
    const script = `import { Gate } from ${JSON.stringify(entry)}; import { readFileSync } from "node:fs";
      const gate = new Gate(readFileSync(${JSON.stringify(join(dir, "..", "fixtures", "acme.snapshot"))}), { keys: ${JSON.stringify(keys())}, clock: () => ${NOW} });
      for (let i = 0; i < 3; i++) gate.can("bob", "roles.craete", "shop");
      gate.can("bob", "x".repeat(1 << 20), "shop");`;
    writeFileSync(join(dir, "warn.mjs"), script);
    return spawnSync(process.execPath, [join(dir, "warn.mjs")], { encoding: "utf8", env: { ...process.env, NODE_ENV: env } });
  };
  const dev = run("development");
  assert.equal(dev.status, 0, dev.stderr);
  assert.equal(dev.stderr.match(/unknown permission `roles\.craete` in gate\.can is denied \(did you mean `roles\.create`\?\)/g)?.length, 1, dev.stderr);
  assert.ok(dev.stderr.length < 2000, "a huge name is not echoed whole");
  const production = run("production");
  assert.equal(production.stderr, "");
});

test("bound handles answer like gate.can from the answers their set shares; an update or close stops them at once", async () => {
  const { conformance } = await import("./harness.mjs");
  const policy = JSON.parse(readFileSync(join(conformance, "acme.policy.json"), "utf8"));
  const catalog = [...policy.permissions.map((p) => p.name), "nope.view", "roles.*", ""];
  const scopes = [undefined, ...policy.scopes.map((s) => s.id), "nowhere"];
  // The default clock: handles share answers only while nothing can expire.
  const gate = new Gate(fixture("acme.snapshot"), { keys: keys() });
  const handles = [...policy.subjects.map((s) => s.id), "nobody"].flatMap((s) => scopes.map((sc) => ({ s, sc, h: gate.bind(s, sc) })));
  const agree = (label) => {
    for (const { s, sc, h } of handles) for (const p of catalog) assert.equal(h.can(p), gate.can(s, p, sc), `${label}: bind(${s}, ${sc}).can(${p})`);
  };
  for (const { s, sc, h } of handles) {
    const allowed = policy.permissions.map((p) => p.name).filter((p) => gate.can(s, p, sc));
    assert.deepEqual([...sharedAnswers(h)].sort(), allowed.sort(), `bind(${s}, ${sc}) answers from its allowed names, bound`);
  }
  // One answers object per distinct set: handles on equal sets share theirs, and every
  // handle of an unknown subject or scope one that is empty.
  const known = handles.filter(({ s, sc }) => s !== "nobody" && sc !== "nowhere");
  const sets = new Set(known.map(({ s, sc }) => JSON.stringify(gate.permissions(s, sc).sort())));
  assert.equal(new Set(known.map(({ h }) => sharedAnswers(h))).size, sets.size, "one answers object per distinct set");
  const unknown = new Set(handles.filter((x) => !known.includes(x)).map(({ h }) => sharedAnswers(h)));
  assert.deepEqual([unknown.size, [...unknown][0].size], [1, 0]);
  for (let round = 0; round < 3; round++) agree(`round ${round}`);
  const bob = handles.find(({ s, sc }) => s === "bob" && sc === "shop").h;
  assert.equal(bob.can("roles.create"), true);
  // It refuses what is not a name, and it is not a Set to its callers.
  for (const bad of [7, null, undefined, {}, Symbol("x"), ["roles.create"]]) assert.throws(() => bob.can(bad), TypeError);
  for (const key of ["has", "add", "delete", "clear", "size", "forEach", "keys", "values", "entries"]) assert.equal(bob[key], undefined, key);
  assert.throws(() => [...bob], TypeError);
  assert.equal(String(bob), "[object Binding]");
  assert.equal(bob.subject, "bob");
  // Revision 103 drops bob's grant: his handle denies at once, and all agree again.
  const before = sharedAnswers(bob);
  gate.update(fixture("acme-rev103-without-bob.snapshot"));
  assert.equal(before.size, 0, "the old answers are emptied");
  assert.equal(bob.can("roles.create"), false);
  for (let round = 0; round < 3; round++) agree(`after the update, round ${round}`);
  const carol = handles.find(({ s, sc }) => s === "carol" && sc === "shop-dev").h;
  assert.equal(carol.can("folders.create"), true);
  gate.close();
  for (const { h } of handles) for (const p of catalog) assert.equal(h.can(p), false);
  assert.equal(sharedAnswers(carol).size, 0);
});

test("shared answers stay bounded per gate; past the bound handles answer on their slow path", async () => {
  // 6,000 subjects, each holding a distinct 16 of 32 permissions: 6,000 sets of 16 names,
  // more than the 65,536 names a gate's answers may hold (4,096 sets of 16).
  const next = randomBelow(11);
  const masks = new Set();
  while (masks.size < 6000) {
    let mask = 0;
    for (let bits = 0; bits < 16; ) {
      const bit = 1 << next(32);
      if ((mask & bit) === 0) (mask |= bit), bits++;
    }
    masks.add(mask >>> 0);
  }
  const combos = [...masks];
  const policy = {
    format: "rolegate.policy/1",
    tenant: "many-answers",
    permissions: Array.from({ length: 32 }, (_, i) => `p.${i}`),
    scopes: [{ id: "org" }],
    roles: Array.from({ length: 32 }, (_, i) => ({ name: `r${i}`, permissions: [`p.${i}`] })),
    subjects: combos.map((mask, i) => ({ id: `u${i}`, kind: "user", grants: Array.from({ length: 32 }, (_, r) => r).filter((r) => (mask >>> r) & 1).map((r) => ({ role: `r${r}`, scope: "org" })) })),
  };
  const gate = new Gate(await snapshotOf("many-answers", policy), { keys: keys() });
  const handles = combos.map((_, i) => gate.bind(`u${i}`, "org"));
  const shared = handles.filter((h) => sharedAnswers(h).live).length;
  assert.equal(shared, 2 ** 16 / 16, `${shared} handles with shared answers`);
  const ids = policy.permissions.map((p) => gate.permissionId(p));
  for (let round = 0; round < 2; round++)
    handles.forEach((h, i) => {
      for (let p = 0; p < 32; p++) {
        const want = ((combos[i] >>> p) & 1) === 1;
        assert.equal(h.can(`p.${p}`), want, `u${i} p.${p}`);
        assert.equal(h.canId(ids[p]), want, `u${i} p.${p} by id`);
      }
    });
  assert.ok(gate.memoryBytes < 8 * 2 ** 20, `${gate.memoryBytes} bytes`);
  gate.close();
  assert.equal(handles[0].can("p.0"), false);
  assert.equal(handles.at(-1).can("p.0"), false);
});
