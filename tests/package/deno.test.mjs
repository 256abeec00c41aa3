// The packed tarball under Deno (the binary from npm): the `deno` export loads the
// engine, and every conformance query gives the expected answer.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { project, stageConformance, tools } from "./harness.mjs";

const SMOKE = `
import { Gate } from "rolegate";

const keys = JSON.parse(await Deno.readTextFile("keys.json"));
const files = JSON.parse(await Deno.readTextFile("queries.json"));
const result = { entry: import.meta.resolve("rolegate"), checked: 0, mismatches: [] };
for (const file of files) {
  const gate = new Gate(await Deno.readFile(file.snapshot), { keys, clock: () => file.now });
  for (const [s, p, sc, expected] of file.queries) {
    result.checked++;
    if (gate.can(s, p, sc) !== expected) result.mismatches.push([file.name, s, p, sc, expected]);
  }
}
console.log(JSON.stringify(result));
`;

test("Deno loads the package and gives the conformance answers", () => {
  const dir = project("deno");
  const files = stageConformance(dir);
  writeFileSync(join(dir, "smoke.mjs"), SMOKE);
  const out = execFileSync(join(tools, ".bin", "deno"), ["run", "--allow-read=.", "--no-config", "--node-modules-dir=manual", "smoke.mjs"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  const result = JSON.parse(out.trim().split("\n").pop());
  assert.match(result.entry, /node_modules\/rolegate\/deno\.js$/, "the deno export condition is used");
  assert.deepEqual(result.mismatches, []);
  assert.equal(result.checked, files.reduce((n, f) => n + f.queries.length, 0));
  assert.ok(result.checked > 60000);
});
