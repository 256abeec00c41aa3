#!/usr/bin/env node
// Load through workerd with the guard and without it (not a test): the example API's
// origin behind the guard worker vs behind a plain proxy worker, same origin, same
// requests, loopback only. Bounded by a request count and a time limit per run.
//
//   node benches/http/load.mjs [--requests 20000] [--concurrency 16] [--seconds 20]
//
// Needs the CLI and the package built (scripts/test.sh or node pkg-config/build.mjs).
// Prints requests/s and p50/p99 latency per run and the guarded/unguarded ratios.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, root, tools, waitFor } from "../../tests/package/harness.mjs";

const { values } = parseArgs({ options: { requests: { type: "string", default: "20000" }, concurrency: { type: "string", default: "16" }, seconds: { type: "string", default: "20" } } });
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const SECONDS = Number(values.seconds);

// Stage the example with the built package and a freshly signed snapshot.
const dir = join(root, "target", "bench-http");
rmSync(dir, { recursive: true, force: true });
cpSync(join(root, "examples", "edge-worker"), dir, { recursive: true, filter: (src) => !/node_modules|\.data|package-lock/.test(src) });
mkdirSync(join(dir, "node_modules"), { recursive: true });
cpSync(join(root, "pkg"), join(dir, "node_modules", "rolegate"), { recursive: true });
for (const file of ["load.capnp", "direct.js"]) copyFileSync(join(root, "benches", "http", file), join(dir, file));
const cli = (...args) => execFileSync(join(root, "target", "release", "rolegate"), args, { encoding: "utf8" }).trim();
mkdirSync(join(dir, ".data"));
cli("keygen", "--key-id", "load", "--out", join(dir, ".data", "key.json"));
cli("build", join(root, "examples", "policies", "acme.json"), "--key", join(dir, ".data", "key.json"), "--ttl", "1h", "--out", join(dir, ".data", "acme.snapshot"));
const [keyId, publicKey] = cli("public-key", join(dir, ".data", "key.json")).split("=");

const [guarded, direct] = [await freePort(), await freePort()];
const env = { ...process.env, ROLEGATE_KEYS: JSON.stringify({ [keyId]: publicKey }), TENANT: "acme" };
const args = ["serve", "load.capnp", "--socket-addr", `guarded=127.0.0.1:${guarded}`, "--socket-addr", `direct=127.0.0.1:${direct}`];
const workerd = spawn(join(tools, ".bin", "workerd"), args, { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] });

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function once(port, { method, path, headers }) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve([res.statusCode, Number(process.hrtime.bigint() - start) / 1e6]));
    });
    req.on("error", reject);
    req.end();
  });
}

/** `count` requests, `CONCURRENCY` at a time, stopping at the time limit. */
async function run(port, shape, count) {
  const latencies = [];
  const statuses = new Map();
  const deadline = Date.now() + SECONDS * 1000;
  let sent = 0;
  const started = process.hrtime.bigint();
  const lane = async () => {
    while (sent < count && Date.now() < deadline) {
      sent++;
      const [status, ms] = await once(port, shape);
      latencies.push(ms);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { requests: latencies.length, rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99), statuses: Object.fromEntries(statuses) };
}

const SHAPES = {
  "user (trusted header), allowed": { method: "GET", path: "/roles", headers: { "x-rolegate-subject": "alice" } },
  "API key (SHA-256 lookup), allowed": { method: "POST", path: "/environments/internal-dev/renders", headers: { authorization: "Bearer rg_live_ci_0001" } },
};

try {
  await waitFor(`http://127.0.0.1:${direct}/`);
  console.log(`workerd on 127.0.0.1, ${REQUESTS} requests per run, ${CONCURRENCY} in flight, at most ${SECONDS} s per run`);
  const results = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    // Warm both paths (the guard loads its snapshot on the first request).
    await run(guarded, shape, 1000);
    await run(direct, shape, 1000);
    const withGuard = await run(guarded, shape, REQUESTS);
    const without = await run(direct, shape, REQUESTS);
    if (!(withGuard.statuses[200] === withGuard.requests)) throw new Error(`the guard did not allow every request: ${JSON.stringify(withGuard.statuses)}`);
    results[name] = { withGuard, without, rpsRatio: withGuard.rps / without.rps, p50Ratio: withGuard.p50 / without.p50, p99Ratio: withGuard.p99 / without.p99 };
    const row = (label, r) => `  ${label.padEnd(14)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   (${r.requests} requests)`;
    console.log(`\n${name}\n${row("with guard", withGuard)}\n${row("without", without)}`);
    const r = results[name];
    console.log(`  guarded/unguarded: throughput ${r.rpsRatio.toFixed(2)}x, p50 ${r.p50Ratio.toFixed(2)}x, p99 ${r.p99Ratio.toFixed(2)}x`);
  }
  writeFileSync(join(root, "target", "bench-http.json"), JSON.stringify(results, null, 2) + "\n");
} finally {
  agent.destroy();
  workerd.kill();
}
