// rolegate/node in Express, Fastify and Hono, written as docs/enforcement.md shows them, each
// served on 127.0.0.1: an allowed request reaches the handler with the subject, a denied
// one gets 403 naming the permission, a revoked key 401.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { fixture, keys, project, root, tools } from "./harness.mjs";

const dir = project("frameworks");
writeFileSync(join(dir, "entry.mjs"), 'export * from "rolegate"; export * from "rolegate/node";\n');
const { Gate, authorizer, middleware } = await import(pathToFileURL(join(dir, "entry.mjs")).href);
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

test("Express: app.use(middleware(...))", async () => {
  const app = express();
  app.use(middleware(options));
  app.all("/{*path}", (req, res) => res.json({ subject: req.rolegate.subject }));
  const server = app.listen(0, "127.0.0.1");
  try {
    await check(await listening(server));
  } finally {
    server.close();
  }
});

test("Fastify: an onRequest hook with authorizer(...)", async () => {
  const app = Fastify();
  const authorize = authorizer(options);
  app.addHook("onRequest", async (request, reply) => {
    const outcome = await authorize(request.raw);
    if (outcome.status !== 200) return reply.code(outcome.status).send(outcome.body);
    request.rolegate = outcome;
  });
  app.all("/*", async (request) => ({ subject: request.rolegate.subject }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  try {
    await check(`http://127.0.0.1:${app.server.address().port}`);
  } finally {
    await app.close();
  }
});

test("Hono: a middleware with authorizer(...) on the WHATWG request", async () => {
  const app = new Hono();
  const authorize = authorizer(options);
  app.use(async (c, next) => {
    const outcome = await authorize(c.req.raw);
    if (outcome.status !== 200) return c.json(outcome.body, outcome.status);
    c.set("rolegate", outcome);
    await next();
  });
  app.all("*", (c) => c.json({ subject: c.get("rolegate").subject }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  try {
    await check(await listening(server));
  } finally {
    server.close();
  }
});
