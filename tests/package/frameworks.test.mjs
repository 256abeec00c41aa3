// rolegate/node in Express, Fastify and Hono (per-route guards, as docs/enforcement.md
// shows them) and over plain node:http (the route-table middleware), each served on
// 127.0.0.1: an allowed request reaches the handler with the subject, a denied one gets
// 403 naming the permission, a revoked key 401.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { fixture, keys, project, root, tools } from "./harness.mjs";

const dir = project("frameworks");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate"; export * from "rolegate/node";\n');
const { Gate, forExpress, forFastify, forHono, middleware } = await import(pathToFileURL(join(dir, "entry.mjs")).href);
const { ROUTES } = await import(pathToFileURL(join(root, "examples", "edge-worker", "api", "routes.js")).href);
const require = createRequire(join(tools, "noop.js"));
const express = require("express");
const Fastify = require("fastify");
const { Hono } = require("hono");
const { serve } = require("@hono/node-server");

const gate = new Gate(fixture("acme.snapshot"), { keys: keys() });
const options = { gate, routes: ROUTES, header: "x-rolegate-subject" };

/** The same four requests against every framework. */
async function check(base) {
  const ask = async (method, path, headers) => {
    const res = await fetch(base + path, { method, headers });
    return [res.status, await res.json()];
  };
  const [ok, body] = await ask("GET", "/roles", { "x-rolegate-subject": "alice" });
  assert.deepEqual([ok, body.subject], [200, "alice"]);
  const [denied, why] = await ask("POST", "/roles", { "x-rolegate-subject": "frank" });
  assert.deepEqual([denied, why.missing], [403, ["roles.create"]]);
  const [revoked] = await ask("GET", "/roles", { authorization: "Bearer rg_live_old_0002" });
  assert.equal(revoked, 401);
  const [scoped, env] = await ask("POST", "/environments/internal-dev/renders", { authorization: "Bearer rg_live_ci_0001" });
  assert.deepEqual([scoped, env.subject], [200, "key_ci"]);
}

async function listening(server) {
  await new Promise((resolve) => (server.listening ? resolve() : server.once("listening", resolve)));
  return `http://127.0.0.1:${server.address().port}`;
}

// Each framework registers the example API's routes itself, with rolegate's per-route
// guard on each (the way docs/enforcement.md recommends).
const caller = { gate, header: "x-rolegate-subject" };

test("Express: rolegate.require(...) on each route", async () => {
  const app = express();
  const rolegate = forExpress(caller);
  for (const route of ROUTES) {
    app[route.method.toLowerCase()](route.path, rolegate.require(route, { scope: route.scope }), (req, res) => res.json({ subject: req.rolegate.subject }));
  }
  const server = app.listen(0, "127.0.0.1");
  try {
    await check(await listening(server));
  } finally {
    server.close();
  }
});

test("Fastify: rolegate.require(...) as each route's preHandler", async () => {
  const app = Fastify();
  const rolegate = forFastify(caller);
  for (const route of ROUTES) {
    app.route({ method: route.method, url: route.path, preHandler: rolegate.require(route, { scope: route.scope }), handler: async (request) => ({ subject: request.rolegate.subject }) });
  }
  await app.listen({ port: 0, host: "127.0.0.1" });
  try {
    await check(`http://127.0.0.1:${app.server.address().port}`);
  } finally {
    await app.close();
  }
});

test("Hono: rolegate.require(...) as each route's middleware", async () => {
  const app = new Hono();
  const rolegate = forHono(caller);
  for (const route of ROUTES) {
    app.on(route.method, route.path, rolegate.require(route, { scope: route.scope }), (c) => c.json({ subject: c.get("rolegate").subject }));
  }
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  try {
    await check(await listening(server));
  } finally {
    server.close();
  }
});

test("node:http: middleware(...) over the route table, for servers without a router", async () => {
  const { createServer } = await import("node:http");
  const guard = middleware(options);
  const server = createServer((req, res) => guard(req, res, () => res.setHeader("content-type", "application/json").end(JSON.stringify({ subject: req.rolegate.subject }))));
  server.listen(0, "127.0.0.1");
  try {
    await check(await listening(server));
  } finally {
    server.close();
  }
});
