#!/usr/bin/env node
// The control plane: the admin backend of the seed consoles. Tenants, permissions,
// scopes, roles, members and API keys live in a database (SQLite in DATA_DIR by default,
// PostgreSQL when DATABASE_URL is set); every change is one transaction that compiles,
// signs (rolegate/compiler) and then publishes the tenant's snapshot and every user's
// slice atomically, with an ETag per revision, and pushes the revision to open event
// streams. The admin API is itself guarded by rolegate, per route, on the tenant's own
// snapshot. Binds 127.0.0.1 only.
//
//   node server.mjs [--port N]     (PORT, DATA_DIR, DATABASE_URL, TENANT, ROLEGATE_SIGNING_KEY,
//                                   and Cloudflare KV / R2 targets: see cloudflare.mjs)
//
// Callers say who they are with an `x-user` header: a stand-in for the session or token
// check a real deployment puts in front (see README).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { Gate } from "rolegate";
import { keygen, publicKey } from "rolegate/compiler";
import { decisionLogger, forExpress } from "rolegate/node";
import { open } from "./db.mjs";
import { cloudflareFromEnv } from "./cloudflare.mjs";
import { publisher } from "./publish.mjs";
import { AdminError, change, keys, members, ops, policyOf, roles, seed } from "./store.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const flag = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const dataDir = process.env.DATA_DIR ?? join(here, ".data");
mkdirSync(dataDir, { recursive: true });
const tenant = process.env.TENANT ?? "acme";
const seedFile = process.env.SEED ?? join(here, "..", "policies", `${tenant}.json`);

// The signing key: from the environment (a KMS would sign instead: see docs/npm.md), or
// made once and kept beside the data, readable by the owner only.
const keyFile = join(dataDir, "signing-key.json");
if (!process.env.ROLEGATE_SIGNING_KEY && !existsSync(keyFile)) writeFileSync(keyFile, keygen({ keyId: `${tenant}-cp` }).key, { mode: 0o600 });
const key = process.env.ROLEGATE_SIGNING_KEY ? { env: "ROLEGATE_SIGNING_KEY" } : readFileSync(keyFile, "utf8");
const [keyId, keyBase64] = (([id, ...rest]) => [id, rest.join("=")])(publicKey(key).split("="));
// Each change also signs a delta from the revision published before: this process's last,
// or, at the first publish after a restart, the snapshot an earlier run left, when it
// verifies with this key (its revision read from the signed bytes, not from a file beside
// them), so that readers holding it still get a delta rather than the whole snapshot.
const signing = { key, previous: () => published.last(tenant) ?? earlierRun() };
function earlierRun() {
  const snapshot = published.stored(tenant, "tenant.snapshot");
  if (snapshot === null) return null;
  let earlier;
  try {
    earlier = new Gate(snapshot, { keys: { [keyId]: keyBase64 }, tenant });
    return { revision: earlier.revision, snapshot };
  } catch {
    return null;
  } finally {
    earlier?.close();
  }
}

const db = await open({ url: process.env.DATABASE_URL, file: join(dataDir, "control-plane.sqlite") });
await seed(db, JSON.parse(readFileSync(seedFile, "utf8")));
const cloudflare = cloudflareFromEnv();
const published = publisher(join(dataDir, "published"), { remotes: cloudflare ? [cloudflare] : [] });

// The guard's gate: the tenant's own snapshot, updated as each change publishes.
let gate = null;
async function publish(revision) {
  if (gate === null) gate = new Gate(revision.snapshot, { keys: { [keyId]: keyBase64 }, tenant });
  else gate.update(revision.snapshot);
  await published.publish(revision);
}
// At start, publish what the database holds (a new revision, so it supersedes any file
// left by an earlier run with another key).
await publish((await change(db, signing, tenant, async () => null)).published);

// Every decision the guard makes goes to the decision log (kept here in memory, the
// latest 1,000; a real deployment posts batches to its log store with `url`).
const decisions = [];
let evicted = 0;
const log = decisionLogger({
  send: (batch) => {
    decisions.push(...batch.decisions);
    evicted += batch.dropped + Math.max(0, decisions.length - 1000);
    decisions.splice(0, Math.max(0, decisions.length - 1000));
  },
  batchSize: 1,
});
const rolegate = forExpress({ gate: () => gate, header: "x-user", onDecision: log });
// What any member can do: see who they are and fetch their own slice.
const MEMBER = { any: ["organization.view", "roles.view", "folders.view", "renders.retrieve"] };
const guard = (permission, scope) => rolegate.require(permission, scope ? { scope } : undefined);
const app = express();
app.disable("x-powered-by");
app.use(express.json({ limit: "1mb" }));

/** Runs a change and publishes it; answers `status` with its result. */
const changing =
  (status, run) =>
  async (req, res, next) => {
    try {
      const { result, published: revision } = await change(db, signing, tenant, (q) => run(q, req));
      // Answered once it is published everywhere (files, event streams, Cloudflare).
      await publish(revision);
      res.status(status).json({ ...result, revision: revision.revision });
    } catch (error) {
      next(error);
    }
  };
const reading = (run) => async (req, res, next) => {
  try {
    res.json(await run(req));
  } catch (error) {
    next(error);
  }
};

app.get("/keys.json", (req, res) => res.json({ [keyId]: keyBase64 }));
app.get("/api/me", guard(MEMBER), (req, res) => res.json({ subject: req.rolegate.subject, revision: gate.revision, tenant }));

app.get("/api/roles", guard("roles.view"), reading(() => roles(db, tenant)));
app.get("/api/scopes/:scope/roles", guard("roles.view", "scope"), reading(() => roles(db, tenant)));
app.post("/api/roles", guard("roles.create"), changing(201, (q, req) => ops.createRole(q, tenant, req.body ?? {})));
app.patch("/api/roles/:name", guard("roles.update"), changing(200, (q, req) => ops.updateRole(q, tenant, req.params.name, req.body ?? {})));
app.delete("/api/roles/:name", guard("roles.delete"), changing(200, (q, req) => ops.deleteRole(q, tenant, req.params.name)));

app.get("/api/members", guard("organization.view"), reading(() => members(db, tenant)));
app.post("/api/members", guard("organization.invite"), changing(201, (q, req) => ops.invite(q, tenant, req.body ?? {})));
app.post("/api/members/:id/deactivate", guard("organization.update"), changing(200, (q, req) => ops.setActive(q, tenant, req.params.id, false)));
app.post("/api/members/:id/activate", guard("organization.update"), changing(200, (q, req) => ops.setActive(q, tenant, req.params.id, true)));
app.post("/api/scopes/:scope/grants", guard("roles.assign", "scope"), changing(201, (q, req) => ops.assign(q, tenant, req.params.scope, req.body ?? {})));
app.delete("/api/scopes/:scope/grants/:subject/:role", guard("roles.revoke", "scope"), changing(200, (q, req) => ops.revoke(q, tenant, req.params.scope, req.params.subject, req.params.role)));

app.get("/api/keys", guard("api.key.view"), reading(() => keys(db, tenant)));
app.get("/api/scopes/:scope/keys", guard("api.key.view", "scope"), reading((req) => keys(db, tenant, req.params.scope)));
app.post("/api/scopes/:scope/keys", guard("api.key.create", "scope"), changing(201, (q, req) => ops.createKey(q, tenant, req.params.scope, req.body ?? {})));
app.delete("/api/scopes/:scope/keys/:id", guard("api.key.revoke", "scope"), changing(200, (q, req) => ops.revokeKey(q, tenant, req.params.scope, req.params.id)));

app.post("/api/ownership", guard("organization.update"), changing(200, (q, req) => ops.transferOwnership(q, tenant, req.rolegate.subject, req.body?.to)));
app.get("/api/settings", guard("organization.view"), reading(() => db.tx(async (q) => q.get("SELECT id, name, billing_plan AS plan FROM tenants WHERE id = ?", [tenant]))));
app.patch("/api/settings", guard("organization.update"), changing(200, (q, req) => ops.settings(q, tenant, req.body)));
app.get("/api/billing", guard("billing.portal"), reading(() => db.tx(async (q) => q.get("SELECT billing_plan AS plan FROM tenants WHERE id = ?", [tenant]))));

// Snapshots: each user fetches their own slice (and revalidates with its ETag); the
// whole tenant's goes to those who may see every member.
app.get("/snapshots/me", guard(MEMBER), (req, res) => published.serve(req, res, tenant, join("users", `${encodeURIComponent(req.rolegate.subject)}.snapshot`)));
app.get("/snapshots/user/:id", (req, res) => {
  // For pages that name their user (the console's user switcher): the slice of `:id`, to
  // `:id` only.
  if (req.get("x-user") !== req.params.id) return res.status(403).json({ error: "forbidden", message: "a slice goes to its own user" });
  published.serve(req, res, tenant, join("users", `${encodeURIComponent(req.params.id)}.snapshot`));
});
app.get("/snapshots/tenant", guard("organization.view"), (req, res) => published.serve(req, res, tenant, "tenant.snapshot"));
// The delta from revision `:from` to the current one (404 when there is none: fetch in full).
app.get("/snapshots/tenant/deltas/:from", guard("organization.view"), (req, res) => published.serve(req, res, tenant, join("deltas", `${Number(req.params.from)}.delta`)));
app.get("/events", (req, res) => published.stream(req, res, tenant));
app.get("/api/policy", guard("roles.view"), reading(() => db.tx((q) => policyOf(q, tenant))));
app.get("/api/logs", guard("logs.read"), (req, res) => res.json({ decisions: decisions.slice(-200), dropped: evicted }));

// The admin console (console/), with the rolegate package it imports.
app.use("/rolegate", express.static(dirname(createRequire(import.meta.url).resolve("rolegate/package.json"))));
app.get(
  "/console/config.json",
  reading(() =>
    db.tx(async (q) => {
      const doc = await policyOf(q, tenant);
      const { name } = await q.get("SELECT name FROM tenants WHERE id = ?", [tenant]);
      // The user switcher (a stand-in for a login) lists the active users.
      const users = doc.subjects.filter((s) => s.kind === "user" && s.active !== false).map((s) => s.id);
      return { tenant, name, keys: { [keyId]: keyBase64 }, users, scopes: doc.scopes };
    }),
  ),
);
app.get("/favicon.ico", (req, res) => res.status(204).end());
app.use(express.static(join(here, "console")));

app.use((req, res) => res.status(404).json({ error: "not_found", message: `no route ${req.method} ${req.path}` }));
app.use((error, req, res, _next) => {
  if (error instanceof AdminError) return res.status(error.status).json({ error: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}) });
  if (error?.type === "entity.parse.failed") return res.status(400).json({ error: "bad_json", message: "the body is not JSON" });
  console.error(error);
  res.status(500).json({ error: "internal", message: "the change failed and nothing was written" });
});

const port = Number(flag("--port") ?? process.env.PORT ?? 0);
const server = app.listen(port, "127.0.0.1", () => console.log(`control plane (${db.kind}) listening on http://127.0.0.1:${server.address().port}`));
const stop = () => {
  published.close();
  server.close(() => db.close().then(() => process.exit(0)));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
