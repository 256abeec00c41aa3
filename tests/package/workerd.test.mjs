// The packed tarball in the real workerd binary: a worker imports rolegate's workerd
// entry (the .wasm as a module), loads the acme snapshot and answers checks over HTTP
// on 127.0.0.1; every conformance query is asked through it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fixtures, freePort, packageModules, project, queryFiles, tools, waitFor } from "./harness.mjs";

const WORKER = `
import { Gate } from "rolegate/workerd.js";
import snapshot from "acme.snapshot";
import small from "small-1.snapshot";
import medium1 from "medium-1.snapshot";
import medium2 from "medium-2.snapshot";
import keys from "keys.json";

// Time stands still at module scope in workerd, so the clock is the request's "now".
let now = Date.parse("2026-11-23T12:00:00Z");
const options = { keys: JSON.parse(keys), clock: () => now };
const gate = new Gate(snapshot, { ...options, tenant: "acme" });
const tenants = {
  "acme.snapshot": gate,
  "small-1.snapshot": new Gate(small, options),
  "medium-1.snapshot": new Gate(medium1, options),
  "medium-2.snapshot": new Gate(medium2, options),
};

export default {
  async fetch(request) {
    const url = new URL(request.url);
    now = Number(url.searchParams.get("now") ?? Date.now());
    if (url.pathname === "/can") {
      const q = url.searchParams;
      return Response.json({ allowed: gate.can(q.get("subject"), q.get("permission"), q.get("scope") ?? undefined) });
    }
    if (url.pathname === "/batch" && request.method === "POST") {
      const queries = await request.json();
      const tenant = tenants[url.searchParams.get("snapshot")];
      return Response.json(queries.map(([s, p, sc]) => tenant.can(s, p, sc ?? undefined)));
    }
    if (url.pathname === "/token") {
      const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
      return Response.json({ subject: gate.subjectForToken(token) });
    }
    if (url.pathname === "/explain") {
      const q = url.searchParams;
      return Response.json(gate.explain(q.get("subject"), q.get("permission"), q.get("scope") ?? undefined));
    }
    return new Response("not found", { status: 404 });
  },
};
`;

let server;
let base;

before(async () => {
  const dir = project("workerd");
  writeFileSync(join(dir, "worker.js"), WORKER);
  for (const f of ["acme.snapshot", "small-1.snapshot", "medium-1.snapshot", "medium-2.snapshot"]) copyFileSync(join(fixtures, f), join(dir, f));
  copyFileSync(join(fixtures, "keys.json"), join(dir, "keys.json"));
  const modules = packageModules(dir);
  const port = await freePort();
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    ${modules},
    (name = "acme.snapshot", data = embed "acme.snapshot"),
    (name = "small-1.snapshot", data = embed "small-1.snapshot"),
    (name = "medium-1.snapshot", data = embed "medium-1.snapshot"),
    (name = "medium-2.snapshot", data = embed "medium-2.snapshot"),
    (name = "keys.json", text = embed "keys.json"),
  ],
  compatibilityDate = "2025-01-01",
);
`,
  );
  server = spawn(join(tools, ".bin", "workerd"), ["serve", "config.capnp"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/missing`);
});

after(() => server?.kill());

test("single checks over HTTP", async () => {
  const now = Date.parse("2026-11-23T12:00:00Z");
  const ask = async (subject, permission, scope) => {
    const q = new URLSearchParams({ subject, permission, now: String(now) });
    if (scope) q.set("scope", scope);
    return (await (await fetch(`${base}/can?${q}`)).json()).allowed;
  };
  assert.equal(await ask("bob", "roles.create", "shop-dev"), true);
  assert.equal(await ask("bob", "roles.create", "internal"), false);
  assert.equal(await ask("alice", "billing.cancel"), true);
  assert.equal(await ask("dave", "billing.cancel"), false);
  const explained = await (await fetch(`${base}/explain?subject=carol&permission=folders.create&scope=shop-dev&now=${now}`)).json();
  assert.deepEqual([explained.allowed, explained.role, explained.grantScope], [true, "developer", "shop-dev"]);
  const token = await (await fetch(`${base}/token`, { headers: { authorization: "Bearer rg_live_ci_0001" } })).json();
  assert.equal(token.subject, "key_ci");
});

test("every conformance query, answered in workerd", async () => {
  for (const file of queryFiles()) {
    const res = await fetch(`${base}/batch?now=${file.now}&snapshot=${file.snapshot}`, { method: "POST", body: JSON.stringify(file.queries) });
    const answers = await res.json();
    assert.equal(answers.length, file.queries.length);
    const mismatches = file.queries.filter((q, i) => answers[i] !== q[3]);
    assert.deepEqual(mismatches, [], file.name);
  }
});
