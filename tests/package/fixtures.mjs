#!/usr/bin/env node
// Builds the snapshots the package tests load, with the rolegate CLI:
// acme and the generated tenants signed with key A (issued at their queries' time),
// acme signed with key B (rotation, revisions 101 and 104), an older revision (rollback), a short-lived one
// (expiry while serving), a slice, and acme without bob's grant (live re-gating). Writes target/package-tests/fixtures/.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { conformance, fixtures, root } from "./harness.mjs";

// The CLI of this checkout (a stale one would write another format).
execFileSync("cargo", ["build", "--release", "--quiet", "--bin", "rolegate"], { cwd: root, stdio: "inherit" });
const cli = join(root, "target", "release", "rolegate");
const rolegate = (...args) => execFileSync(cli, args, { encoding: "utf8" }).trim();

rmSync(fixtures, { recursive: true, force: true });
mkdirSync(fixtures, { recursive: true });
const keyA = join(fixtures, "key-a.json");
const keyB = join(fixtures, "key-b.json");
rolegate("keygen", "--out", keyA, "--key-id", "acme-a");
rolegate("keygen", "--out", keyB, "--key-id", "acme-b");
const keys = {};
for (const [id, file] of [["acme-a", keyA], ["acme-b", keyB]]) {
  const spec = rolegate("public-key", file);
  keys[id] = spec.slice(spec.indexOf("=") + 1);
}
writeFileSync(join(fixtures, "keys.json"), JSON.stringify(keys, null, 2));

const acme = join(conformance, "acme.policy.json");
const build = (policy, out, ...args) => rolegate("build", policy, "--out", join(fixtures, out), ...args);
const acmeNow = JSON.parse(readFileSync(join(conformance, "acme.queries.json"), "utf8")).now;
build(acme, "acme.snapshot", "--key", keyA, "--revision", "100", "--issued-at", "2026-11-01T00:00:00Z");
build(acme, "acme-rev101-key-b.snapshot", "--key", keyB, "--revision", "101", "--issued-at", "2026-11-01T00:00:00Z");
build(acme, "acme-rev99.snapshot", "--key", keyA, "--revision", "99", "--issued-at", "2026-11-01T00:00:00Z");
build(acme, "acme-1h.snapshot", "--key", keyA, "--revision", "102", "--issued-at", acmeNow, "--ttl", "1h");
build(acme, "acme-bob.snapshot", "--key", keyA, "--revision", "100", "--issued-at", "2026-11-01T00:00:00Z", "--subject", "bob");
// acme without bob's grant, for live re-gating after an update.
const withoutBob = JSON.parse(readFileSync(acme, "utf8"));
withoutBob.subjects.find((s) => s.id === "bob").grants = [];
writeFileSync(join(fixtures, "acme-without-bob.policy.json"), JSON.stringify(withoutBob));
build(join(fixtures, "acme-without-bob.policy.json"), "acme-rev103-without-bob.snapshot", "--key", keyA, "--revision", "103", "--issued-at", "2026-11-01T00:00:00Z");
// Signed with key B at a revision above every key-A snapshot: rotation after a refresh.
build(acme, "acme-rev104-key-b.snapshot", "--key", keyB, "--revision", "104", "--issued-at", "2026-11-01T00:00:00Z");
for (const name of ["small-1", "medium-1", "medium-2"]) {
  const now = JSON.parse(readFileSync(join(conformance, "generated", `${name}.queries.json`), "utf8")).now;
  build(join(conformance, "generated", `${name}.policy.json`), `${name}.snapshot`, "--key", keyA, "--revision", "1", "--issued-at", now);
}
console.log(`fixtures in ${fixtures}`);
