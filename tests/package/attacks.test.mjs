// An attack list against rolegate's enforcement as users deploy it: per-route guards
// inside Express, Fastify and Hono (the framework's own router and decoded params), the
// route-table middleware in front of Express, and the edge guard in front of a workerd
// origin. Every request goes out as raw bytes (no client normalisation). The invariant:
// a handler never runs for a caller who lacks the permission on the scope the handler
// itself sees; and honest clients that build URLs with encodeURIComponent get answers.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { freePort, packageModules, project, root, tools, waitFor } from "./harness.mjs";

// Scope ids with every reserved character, each also in a literal percent-encoded form
// that a different subject holds: the encoded form must never stand for the decoded one.
const RESERVED = [":", "/", "?", "#", "[", "]", "@", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", "%", " ", "\\", "."];
const decodedIds = [...RESERVED.map((c) => `p${c}q`), "ä-proj", "Proj", "proj", "..", "."];
const encodedIds = RESERVED.map((c) => `p${encodeURIComponent(c)}q`).filter((id) => !decodedIds.includes(id));
const allIds = [...new Set([...decodedIds, ...encodedIds])];

// good: admin on every decoded id; evil: admin on every literal encoded id; peek: viewer
// on every id; nobody: no grants. Permissions by method: GET/HEAD view, DELETE delete.
const policy = {
  format: "rolegate.policy/1",
  tenant: "t",
  permissions: ["projects.view", "projects.delete"],
  scopes: [{ id: "root" }, ...allIds.map((id) => ({ id, parent: "root" }))],
  roles: [
    { name: "admin", permissions: ["projects.*"] },
    { name: "viewer", permissions: ["projects.view"] },
  ],
  subjects: [
    { id: "good", kind: "user", grants: decodedIds.map((scope) => ({ role: "admin", scope })) },
    { id: "evil", kind: "user", grants: encodedIds.map((scope) => ({ role: "admin", scope })) },
    { id: "peek", kind: "user", grants: allIds.map((scope) => ({ role: "viewer", scope })) },
    { id: "nobody", kind: "user", grants: [] },
  ],
};
/** The reference answer, straight from the policy document. */
function holds(subject, permission, scope) {
  const who = policy.subjects.find((s) => s.id === subject);
  return !!who?.grants.some((g) => g.scope === scope && policy.roles.find((r) => r.name === g.role).permissions.some((p) => p === permission || p === "projects.*"));
}
const NEEDS = { GET: "projects.view", HEAD: "projects.view", DELETE: "projects.delete" };

const work = join(root, "target", "package-tests", "attacks-policy");
mkdirSync(work, { recursive: true });
const cli = join(root, "target", "release", "rolegate");
writeFileSync(join(work, "policy.json"), JSON.stringify(policy, null, 2));
execFileSync(cli, ["keygen", "--out", join(work, "key.json"), "--key-id", "t-1", "--force"]);
execFileSync(cli, ["build", join(work, "policy.json"), "--key", join(work, "key.json"), "--out", join(work, "t.snapshot")]);
const spec = execFileSync(cli, ["public-key", join(work, "key.json")], { encoding: "utf8" }).trim();
const keys = { [spec.slice(0, spec.indexOf("="))]: spec.slice(spec.indexOf("=") + 1) };

const dir = project("attacks");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate"; export * from "rolegate/node";\n');
const { Gate, forExpress, forFastify, forHono, middleware } = await import(pathToFileURL(join(dir, "entry.mjs")).href);
const require = createRequire(join(tools, "noop.js"));
const express = require("express");
const Fastify = require("fastify");
const { Hono } = require("hono");
const { serve } = require("@hono/node-server");
const { readFileSync } = await import("node:fs");
const gate = new Gate(readFileSync(join(work, "t.snapshot")), { keys, tenant: "t" });
const HEADER = "x-rolegate-subject";

/** What the handler saw: the method of the route it serves (HEAD is served by GET
 * routes) and its scope param, as a response header (HEAD responses have no body). */
const saw = (method, project) => encodeURIComponent(JSON.stringify({ method, project }));

/** An app honouring method overrides, as apps with method-override middleware do. */
function overriding(req) {
  const override = req.headers["x-http-method-override"];
  if (typeof override === "string") req.method = override.toUpperCase();
}

async function expressPerRoute() {
  const app = express();
  app.set("env", "test"); // no stack traces on stderr for the malformed requests
  app.use((req, res, next) => (overriding(req), next()));
  const rolegate = forExpress({ gate, header: HEADER });
  for (const m of ["get", "delete"]) {
    app[m]("/projects/:project", rolegate.require(NEEDS[m.toUpperCase()], { scope: "project" }), (req, res) => {
      res.set("x-ran", saw(m.toUpperCase(), req.params.project)).json({ ok: true });
    });
  }
  return listen((port) => app.listen(port, "127.0.0.1"));
}

async function expressTable() {
  const app = express();
  app.set("env", "test"); // no stack traces on stderr for the malformed requests
  const routes = ["GET", "DELETE"].map((method) => ({ method, path: "/projects/:project", permission: NEEDS[method], scope: { param: "project" } }));
  app.use(middleware({ gate, routes, header: HEADER }));
  for (const m of ["get", "delete"]) {
    app[m]("/projects/:project", (req, res) => res.set("x-ran", saw(m.toUpperCase(), req.params.project)).json({ ok: true }));
  }
  return listen((port) => app.listen(port, "127.0.0.1"));
}

async function fastifyPerRoute() {
  const app = Fastify();
  app.addHook("onRequest", async (request) => overriding(request.raw));
  const rolegate = forFastify({ gate, header: HEADER });
  for (const method of ["GET", "DELETE"]) {
    app.route({
      method,
      url: "/projects/:project",
      preHandler: rolegate.require(NEEDS[method], { scope: "project" }),
      handler: async (request, reply) => reply.header("x-ran", saw(method, request.params.project)).send({ ok: true }),
    });
  }
  const port = await freePort();
  await app.listen({ port, host: "127.0.0.1" });
  return { port, close: () => app.close() };
}

async function honoPerRoute() {
  const app = new Hono();
  const rolegate = forHono({ gate, header: HEADER });
  for (const m of ["get", "delete"]) {
    app[m]("/projects/:project", rolegate.require(NEEDS[m.toUpperCase()], { scope: "project" }), (c) => {
      c.header("x-ran", saw(m.toUpperCase(), c.req.param("project")));
      return c.json({ ok: true });
    });
  }
  const port = await freePort();
  const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
  await waitFor(`http://127.0.0.1:${port}/`);
  return { port, close: () => server.close() };
}

async function listen(start) {
  const port = await freePort();
  const server = start(port);
  await new Promise((resolve) => server.once("listening", resolve));
  return { port, close: () => server.close() };
}

const GUARD = `
import { Gate } from "rolegate/workerd.js";
import { guard } from "rolegate/edge.js";
import snapshot from "t.snapshot";
import keys from "keys.json";
let gate;
const routes = ["GET", "DELETE"].map((method) => ({ method, path: "/projects/:project", permission: ${JSON.stringify(NEEDS)}[method], scope: { param: "project" } }));
export default {
  fetch: guard((request, env) => env.ORIGIN.fetch(request), { gate: () => (gate ??= new Gate(snapshot, { keys: JSON.parse(keys), tenant: "t" })), routes, header: "${HEADER}" }),
};
`;
// The origin routes with URLPattern and decodes its params itself, as worker routers do.
const ORIGIN = `
const pattern = new URLPattern({ pathname: "/projects/:project" });
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const method = (request.headers.get("x-http-method-override") ?? request.method).toUpperCase();
    const m = pattern.exec(url);
    if (!m || !["GET", "HEAD", "DELETE"].includes(method)) return new Response("not found", { status: 404 });
    let project;
    try { project = decodeURIComponent(m.pathname.groups.project); } catch { return new Response("bad", { status: 400 }); }
    return Response.json({ ok: true }, { headers: { "x-ran": encodeURIComponent(JSON.stringify({ method, project })) } });
  },
};
`;

async function edgeGuard() {
  const edge = project("attacks-edge");
  writeFileSync(join(edge, "guard.js"), GUARD);
  writeFileSync(join(edge, "origin.js"), ORIGIN);
  writeFileSync(join(edge, "t.snapshot"), readFileSync(join(work, "t.snapshot")));
  writeFileSync(join(edge, "keys.json"), JSON.stringify(keys));
  const modules = packageModules(edge);
  const port = await freePort();
  writeFileSync(
    join(edge, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "guard", worker = .guard), (name = "origin", worker = .origin)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "guard")],
);
const guard :Workerd.Worker = (
  modules = [(name = "guard.js", esModule = embed "guard.js"), ${modules},
    (name = "t.snapshot", data = embed "t.snapshot"), (name = "keys.json", text = embed "keys.json")],
  bindings = [(name = "ORIGIN", service = "origin")],
  compatibilityDate = "2025-01-01",
);
const origin :Workerd.Worker = (modules = [(name = "origin.js", esModule = embed "origin.js")], compatibilityDate = "2025-01-01");
`,
  );
  const server = spawn(join(tools, ".bin", "workerd"), ["serve", "config.capnp"], { cwd: edge, stdio: ["ignore", "inherit", "inherit"] });
  await waitFor(`http://127.0.0.1:${port}/`);
  return { port, close: () => server.kill() };
}

/** One raw HTTP/1.1 request (path bytes exactly as given); resolves to `{status, headers}`. */
function raw(port, method, path, headers) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => (data += chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const [head] = data.split("\r\n\r\n");
      const [statusLine, ...lines] = head.split("\r\n");
      const status = Number(statusLine.split(" ")[1]);
      const parsed = {};
      for (const line of lines) {
        const i = line.indexOf(":");
        parsed[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers: parsed });
    });
    const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...headers.map(([k, v]) => `${k}: ${v}`), "", ""];
    socket.end(Buffer.from(lines.join("\r\n"), "latin1"));
  });
}

/** Every spelling of a scope id in a path segment an attacker might try. */
function spellings(id) {
  const enc = encodeURIComponent(id);
  const out = new Set([enc, id, enc.toLowerCase(), enc.replace(/%25/g, "%2525"), encodeURI(id), escape(id)]);
  out.add(enc.replace(/\./g, "%2e").replace(/\./g, "%2E"));
  out.add([...id].map((c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
  return [...out].filter((s) => /^[\x21-\x7e]+$/.test(s));
}

/** Paths that might reach `/projects/:project` for spelling `s`. */
function paths(s) {
  return [
    `/projects/${s}`,
    `/projects/${s}/`,
    `/PROJECTS/${s}`,
    `/Projects/${s}`,
    `//projects/${s}`,
    `/projects//${s}`,
    `/x/../projects/${s}`,
    `/x/%2e%2e/projects/${s}`,
    `/projects/./${s}`,
    `/projects/${s}/.`,
    `/projects%2F${s}`,
    `/projects\\${s}`,
    `/projects/${s};x=1`,
    `/projects/${s}?q=1`,
    `/projects/${s}#frag`,
  ];
}

const CALLERS = [
  ["good", [[HEADER, "good"]]],
  ["evil", [[HEADER, "evil"]]],
  ["peek", [[HEADER, "peek"]]],
  ["nobody", [[HEADER, "nobody"]]],
  [null, []],
  // Two subject headers: not one credential; judged as nobody, whatever the handler sees.
  [null, [[HEADER, "nobody"], [HEADER, "good"]]],
  [null, [[HEADER, "good, evil"]]],
];
const METHODS = [
  ["GET", []],
  ["HEAD", []],
  ["DELETE", []],
  ["POST", [["X-HTTP-Method-Override", "DELETE"]]],
  ["GET", [["X-HTTP-Method-Override", "DELETE"]]],
];

const targets = {};
before(async () => {
  targets["Express (per route)"] = await expressPerRoute();
  targets["Express (route table)"] = await expressTable();
  targets["Fastify (per route)"] = await fastifyPerRoute();
  targets["Hono (per route)"] = await honoPerRoute();
  targets["workerd origin behind the edge guard"] = await edgeGuard();
});
after(() => Object.values(targets).forEach((t) => t.close()));

for (const name of ["Express (per route)", "Express (route table)", "Fastify (per route)", "Hono (per route)", "workerd origin behind the edge guard"]) {
  test(`${name}: no handler runs for a caller without the permission on the scope it sees`, async () => {
    const { port } = targets[name];
    const wrong = [];
    let sent = 0;
    let ran = 0;
    // Every spelling × path, with a rotating quarter of the caller × method pairs (all of
    // them over the whole list), sixteen requests in flight.
    const combos = CALLERS.flatMap((c) => METHODS.map((m) => [c, m]));
    const jobs = [];
    [...new Set(allIds.flatMap(spellings))].forEach((s, si) =>
      paths(s).forEach((path, pi) => combos.forEach((combo, k) => (k + si + pi) % 4 === 0 && jobs.push([path, ...combo]))),
    );
    const one = async ([path, [caller, creds], [method, extra]]) => {
      const res = await raw(port, method, path, [...creds, ...extra]);
      sent++;
      if (!res.headers["x-ran"]) return;
      ran++;
      const seen = JSON.parse(decodeURIComponent(res.headers["x-ran"]));
      const needed = NEEDS[seen.method];
      if (!caller || !needed || !holds(caller, needed, seen.project)) wrong.push({ method, path, caller, creds, seen });
    };
    const queue = jobs.slice();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (queue.length) await one(queue.shift());
    }));
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} handler runs without the permission (of ${sent} requests)`);
    assert.ok(ran > 100, `the handler ran for authorised callers (${ran} of ${sent})`);
  });

  test(`${name}: honest clients using encodeURIComponent get their answers`, async () => {
    const { port } = targets[name];
    const router = name.includes("edge") || name.includes("table");
    for (const id of allIds) {
      const path = `/projects/${encodeURIComponent(id)}`;
      for (const caller of ["good", "evil", "peek", "nobody"]) {
        for (const method of ["GET", "DELETE"]) {
          const res = await raw(port, method, path, [[HEADER, caller]]);
          const allowed = holds(caller, NEEDS[method], id);
          // The guard as router refuses an encoded "/" by default (documented); "." and
          // ".." ids are refused or routed by each framework's own rules.
          if ((router && id.includes("/")) || id === "." || id === "..") {
            assert.ok(res.status >= 400 || allowed, `${method} ${path} as ${caller}: ${res.status}`);
            continue;
          }
          assert.equal(res.status, allowed ? 200 : 403, `${name}: ${method} ${path} as ${caller}`);
          if (allowed) assert.equal(JSON.parse(decodeURIComponent(res.headers["x-ran"])).project, id);
        }
      }
    }
  });
}
