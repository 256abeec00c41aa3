#!/usr/bin/env node
// The admin console example: serves the page, the rolegate package (pkg/) and, per user,
// a snapshot slice built with the rolegate CLI from the acme policy, signed with a key
// made at start. Binds 127.0.0.1 only.
//
//   node examples/console/server.mjs [--port N] [--issued-at RFC3339]
//   (after `node pkg-config/build.mjs` and `cargo build --release`; scripts/console.sh
//   does all three)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const cli = join(root, "target", "release", "rolegate");
const policyPath = join(root, "examples", "policies", "acme.json");
const work = mkdtempSync(join(tmpdir(), "rolegate-console-"));
const rolegate = (...args) => execFileSync(cli, args, { encoding: "utf8" }).trim();
const flag = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);

const keyFile = join(work, "signing-key.json");
rolegate("keygen", "--out", keyFile, "--key-id", "console");
const [keyId, publicKey] = (([id, ...rest]) => [id, rest.join("=")])(rolegate("public-key", keyFile).split("="));

// The policy can change while serving (POST /admin/revoke?subject=ID drops a subject's
// grants): every change is a new revision, and slices are rebuilt on demand.
let policy = JSON.parse(readFileSync(policyPath, "utf8"));
// Slices are issued now, or at a fixed time (tests replaying the conformance `now`).
const issuedAt = flag("--issued-at");
let revision = Math.floor(Date.now() / 1000);
const slices = new Map();

function slice(subject, ttl) {
  const key = `${subject}\u0000${ttl ?? ""}\u0000${revision}`;
  if (!slices.has(key)) {
    const file = join(work, `policy-${revision}.json`);
    writeFileSync(file, JSON.stringify(policy));
    const out = join(work, `slice-${slices.size}.snapshot`);
    const args = ["build", file, "--key", keyFile, "--subject", subject, "--revision", String(revision), "--out", out];
    if (issuedAt) args.push("--issued-at", issuedAt);
    if (ttl) args.push("--ttl", ttl);
    rolegate(...args);
    slices.set(key, readFileSync(out));
  }
  return slices.get(key);
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };

function serveFile(res, base, path) {
  const clean = normalize(path).replace(/^(\.\.[/\\])+/, "");
  try {
    const body = readFileSync(join(base, clean));
    res.writeHead(200, { "content-type": TYPES[extname(clean)] ?? "application/octet-stream", "cache-control": "no-cache" });
    res.end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
}

const server = createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  const subject = url.searchParams.get("subject") ?? "";
  if (url.pathname === "/config.json") {
    const users = policy.subjects.filter((s) => s.kind === "user").map((s) => s.id);
    const scopes = policy.scopes.map((s) => ({ id: s.id, name: s.name ?? s.id, kind: s.kind, parent: s.parent ?? null }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: { [keyId]: publicKey }, tenant: policy.tenant, users, scopes }));
  } else if (url.pathname === "/snapshot") {
    if (!policy.subjects.some((s) => s.id === subject)) return res.writeHead(404).end("unknown subject");
    const bytes = Buffer.from(slice(subject, url.searchParams.get("ttl")));
    if (url.searchParams.has("tamper")) bytes[bytes.length - 5] ^= 1;
    const etag = `"${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag) return res.writeHead(304, { etag }).end();
    res.writeHead(200, { "content-type": "application/octet-stream", etag, "cache-control": "no-cache" }).end(bytes);
  } else if (url.pathname === "/admin/revoke" && req.method === "POST") {
    policy = structuredClone(policy);
    const target = policy.subjects.find((s) => s.id === subject);
    if (!target) return res.writeHead(404).end("unknown subject");
    target.grants = [];
    revision++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ revision }));
  } else if (url.pathname.startsWith("/rolegate/")) {
    serveFile(res, join(root, "pkg"), url.pathname.slice("/rolegate/".length));
  } else {
    serveFile(res, here, url.pathname === "/" ? "index.html" : url.pathname);
  }
});

const port = Number(flag("--port") ?? process.env.PORT ?? 8787);
server.listen(port, "127.0.0.1", () => {
  console.log(`rolegate admin console: http://127.0.0.1:${server.address().port}/?user=bob`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
