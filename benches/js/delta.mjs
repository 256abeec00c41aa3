#!/usr/bin/env node
// Signed deltas in Node through the npm package (not a test): one grant added in a
// tenant of N subjects (default 100,000), the delta's bytes against the full snapshot's,
// and `gate.applyDelta` against `new Gate` on the full snapshot, median of 15 each, both
// ending in the same state (checked). The tenant is generated here, deterministic.
//
//   node benches/js/delta.mjs [SUBJECTS]      (after node pkg-config/build.mjs)
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { Gate } = await import(join(root, "pkg", "node.js"));
const compiler = await import(join(root, "pkg", "compiler.js"));
const n = Number(process.argv[2] ?? 100_000);

let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = (list) => list[Math.floor(random() * list.length)];
const permissions = ["folders", "roles", "renders", "webhooks", "billing", "members"].flatMap((r) => ["view", "create", "update", "delete"].map((a) => ({ name: `${r}.${a}` })));
const scopes = [{ id: "org" }];
for (let p = 0; p < 20; p++) {
  scopes.push({ id: `prj_${p}`, parent: "org" });
  for (const e of ["dev", "prod"]) scopes.push({ id: `env_${p}_${e}`, parent: `prj_${p}` });
}
const roles = [
  { name: "owner", permissions: ["*"] },
  { name: "admin", permissions: ["roles.*", "members.*", "folders.*"] },
  { name: "viewer", permissions: ["*.view"] },
];
const subjects = Array.from({ length: n }, (_, i) => ({
  id: `usr_${(i * 2654435761 >>> 0).toString(16)}`,
  kind: "user",
  grants: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ role: pick(roles).name, scope: pick(scopes).id })),
}));
const policy = { format: "rolegate.policy/1", tenant: "big", permissions, scopes, roles, subjects };
const key = compiler.keygen({ keyId: "bench" });
const keys = { bench: key.publicKey.slice(key.publicKey.indexOf("=") + 1) };
const stamp = { key: key.key, issuedAt: "2026-12-01T00:00:00Z" };

const old = compiler.signSync(policy, { ...stamp, revision: 1 });
policy.subjects[Math.floor(n / 2)].grants.push({ role: "admin", scope: "prj_7" });
const full = compiler.signSync(policy, { ...stamp, revision: 2 });
const delta = compiler.delta(old, policy, { ...stamp, revision: 2 });

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (f) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const applyMs = [];
const loadMs = [];
for (let i = 0; i < 15; i++) {
  const gate = new Gate(old, { keys });
  applyMs.push(time(() => gate.applyDelta(delta)));
  let fresh;
  loadMs.push(time(() => (fresh = new Gate(full, { keys }))));
  if (gate.revision !== 2 || fresh.revision !== 2 || gate.can(policy.subjects[Math.floor(n / 2)].id, "roles.view", "env_7_dev") !== true) throw new Error("the delta did not give the full snapshot's state");
  gate.close();
  fresh.close();
}
const [a, l] = [median(applyMs), median(loadMs)];
console.log(`one grant added, ${n} subjects: delta ${delta.length} B ÷ full ${full.length} B = ${((100 * delta.length) / full.length).toFixed(4)}% (gzip ${gzipSync(delta).length} ÷ ${gzipSync(full).length} B)`);
console.log(`gate.applyDelta ${a.toFixed(1)} ms ÷ new Gate(full) ${l.toFixed(1)} ms = ${(a / l).toFixed(2)}× (median of 15, Node ${process.versions.node})`);
