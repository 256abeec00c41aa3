// `rolegate typegen` output under tsc with the shipped declarations: a Gate is a
// TypedGate, catalog names compile, a misspelt permission (or scope, with --scopes) does not.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { project, root, tools } from "./harness.mjs";

const dir = project("typegen");
const cli = join(root, "target", "release", "rolegate");
execFileSync(cli, ["typegen", join(root, "examples", "policies", "ipaware.json"), "--scopes", "--out", join(dir, "ipaware-permissions.ts")]);
writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom"], types: [], noEmit: true }, files: ["usage.mts"] }));

const USAGE = `
import { Gate } from "rolegate";
import type { Permission, TypedGate } from "./ipaware-permissions.js";
declare const bytes: Uint8Array;
const gate: TypedGate = new Gate(bytes, { keys: { k: "x" } });
const ok: boolean = gate.can("ada", "roles.assign", "ipaware-acme");
const handle = gate.bind("ada");
const fast: boolean = handle.can("billing.portal");
const names: Permission[] = ["ip.query", "api.key.revoke"];
void [ok, fast, names, gate.whoCan("ip.query"), gate.explain("ada", "roles.view").allowed, gate.revision];
// @ts-expect-error a misspelt permission does not compile
gate.can("ada", "roles.craete");
// @ts-expect-error nor does an unknown scope id
gate.can("ada", "roles.view", "ipaware-acm");
// @ts-expect-error nor a misspelt permission on a bound handle
handle.can("billing.portl");
`;

const tsc = (stdio) => execFileSync(join(tools, ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: dir, stdio });

test("generated types accept the catalog and refuse typos", () => {
  writeFileSync(join(dir, "usage.mts"), USAGE);
  tsc("inherit");
  for (const marker of ["a misspelt permission does not compile", "nor does an unknown scope id", "nor a misspelt permission on a bound handle"]) {
    writeFileSync(join(dir, "usage.mts"), USAGE.replace(`// @ts-expect-error ${marker}\n`, ""));
    assert.throws(() => tsc("pipe"), `removing "${marker}" must fail the build`);
  }
});
