// examples/edge-worker (the real workerd binary) and examples/node-service (Node), over
// real HTTP on 127.0.0.1, both fetching their snapshot from a local URL that the test
// changes: every route answers 200/401/403 as the acme conformance answers say, for
// users and API keys; refreshes take effect live; a bad snapshot at refresh keeps the old
// one serving; a key rotation is accepted once the key set holds the new key; malformed
// requests get clean 4xx answers.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, request } from "node:http";
import { connect } from "node:net";
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { conformance, fixture, freePort, keys, project, root, tools, waitFor, work } from "./harness.mjs";

const examples = join(root, "examples");
const { ROUTES, SUBJECT_HEADER } = await import(pathToFileURL(join(examples, "edge-worker", "api", "routes.js")).href);
const { queries } = JSON.parse(readFileSync(join(conformance, "acme.queries.json"), "utf8"));
const answers = new Map(queries.map(([s, p, sc, expected]) => [`${s} ${p} ${sc}`, expected]));
const policy = JSON.parse(readFileSync(join(conformance, "acme.policy.json"), "utf8"));
const active = new Map(policy.subjects.map((s) => [s.id, s.active !== false]));
const tokens = new Map(JSON.parse(readFileSync(join(conformance, "acme.tokens.json"), "utf8")).tokens.filter(([, s]) => s).map(([t, s]) => [s, t]));

// The examples staged side by side (node-service imports ../edge-worker/api), each with
// the packed tarball installed.
const staged = join(work, "examples");
for (const name of ["edge-worker", "node-service"]) {
  const dir = project(join("examples", name));
  cpSync(join(examples, name), dir, { recursive: true, filter: (src) => !/node_modules|\.data|package(-lock)?\.json$/.test(src) });
  mkdirSync(join(dir, ".data"), { recursive: true });
}
// The bundled snapshot workerd's config embeds (the tests fetch from SNAPSHOT_URL instead).
cpSync(join(work, "fixtures", "acme.snapshot"), join(staged, "edge-worker", ".data", "acme.snapshot"));

/** The snapshot server: serves `current` with an ETag of its revision tag, counts fetches. */
const snapshots = { current: fixture("acme.snapshot"), tag: "rev100", fetches: 0 };
function serveSnapshot(name, tag) {
  snapshots.current = typeof name === "string" ? fixture(name) : name;
  snapshots.tag = tag;
}

/** Requests: [caller, headers] where the caller is a conformance subject or null. */
const CALLERS = [
  ...["alice", "bob", "carol", "dave", "frank", "grace", "nobody"].map((s) => [s, { [SUBJECT_HEADER]: s }]),
  ...["key_ci", "key_old"].map((s) => [s, { authorization: `Bearer ${tokens.get(s)}` }]),
  ["anonymous", {}],
];
const SCOPES = ["shop", "shop-dev", "shop-prod", "internal", "internal-dev", "nowhere"];

/** Every route with its params filled in: `{method, path, route, scope}`. */
function requests() {
  const out = [];
  for (const route of ROUTES) {
    const scopes = route.scope ? SCOPES : [null];
    for (const scope of scopes) {
      const path = route.path.replace(/:(\w+)/g, (_, name) => (name === route.scope?.param ? scope : `${name}-1`));
      out.push({ method: route.method, path, route, scope });
    }
  }
  return out;
}

/** What the conformance semantics say `caller` gets (erin is left out: her grant expires). */
function expected(caller, { route, scope }) {
  if (!active.get(caller)) return 401;
  const list = route.permission ? [route.permission] : (route.all ?? route.any);
  const held = list.map((p) => answers.get(`${caller} ${p} ${scope}`));
  assert.ok(held.every((h) => typeof h === "boolean"), `no conformance answer for ${caller} ${list} ${scope}`);
  return (route.any ? held.some(Boolean) : held.every(Boolean)) ? 200 : 403;
}

async function checkMatrix(base, label) {
  let checked = 0;
  for (const [caller, headers] of CALLERS) {
    for (const request of requests()) {
      const res = await fetch(base + request.path, { method: request.method, headers });
      const body = await res.json();
      const want = expected(caller, request);
      assert.equal(res.status, want, `${label}: ${caller} ${request.method} ${request.path}`);
      if (want === 200) assert.deepEqual([body.ok, body.subject, body.path], [true, caller, request.path]);
      // A denial names what is missing and nothing internal (no roles, no grants).
      if (want === 403) assert.deepEqual(Object.keys(body).sort(), ["error", "message", "missing", "scope"]);
      if (want === 403) assert.ok(body.missing.length > 0 && body.missing.every((p) => body.message.includes(p)), body.message);
      checked++;
    }
  }
  return checked;
}

/** The status of a request sent with its path exactly as given (fetch would normalise it). */
function status(base, path, headers = {}, method = "GET") {
  return new Promise((resolve, reject) => {
    const req = request(base + "/", { method, path, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The status line of a raw request, even when the server resets the connection after it. */
function rawStatus(base, text) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    let got = "";
    const socket = connect(Number(port), hostname, () => socket.end(text));
    socket.on("data", (d) => (got += d));
    const done = () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(got);
      match ? resolve(Number(match[1])) : reject(new Error(`no answer: ${got.slice(0, 80)}`));
    };
    socket.on("close", done);
    socket.on("error", () => {});
  });
}

const bobAssigns = (base) => status(base, "/projects/shop/members/m-1/roles/agent", { [SUBJECT_HEADER]: "bob" }, "PUT");

/** Polls until bob's answer is `want` (a refresh landed) or 10 s pass. */
async function untilBob(base, want) {
  const deadline = Date.now() + 10000;
  let got;
  while (Date.now() < deadline) {
    got = await bobAssigns(base);
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`bob still gets ${got}, expected ${want}`);
}

/** Waits for `fetches` more snapshot fetches (refreshes attempted), then a little more. */
async function refreshesSeen(base, count) {
  const target = snapshots.fetches + count;
  const deadline = Date.now() + 10000;
  while (snapshots.fetches < target && Date.now() < deadline) {
    await status(base, "/roles", { [SUBJECT_HEADER]: "alice" });
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(snapshots.fetches >= target, "the service did not refresh");
}

let snapshotServer;
let snapshotUrl;
before(async () => {
  snapshotServer = createServer((req, res) => {
    snapshots.fetches++;
    if (req.headers["if-none-match"] === `"${snapshots.tag}"`) return res.writeHead(304).end();
    res.writeHead(200, { etag: `"${snapshots.tag}"`, "content-type": "application/octet-stream" }).end(snapshots.current);
  });
  await new Promise((resolve) => snapshotServer.listen(0, "127.0.0.1", resolve));
  snapshotUrl = `http://127.0.0.1:${snapshotServer.address().port}/acme.snapshot`;
});
after(() => snapshotServer.close());

/** Starts a runtime trusting `keyIds`; resolves to `{base, stop, log}`. */
const RUNTIMES = {
  async workerd(keyIds) {
    const port = await freePort();
    const env = { ...process.env, ROLEGATE_KEYS: JSON.stringify(pick(keyIds)), TENANT: "acme", SNAPSHOT_URL: snapshotUrl, REFRESH_MS: "100" };
    const child = spawn(join(tools, ".bin", "workerd"), ["serve", "config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], { cwd: join(staged, "edge-worker"), env, stdio: ["ignore", "pipe", "pipe"] });
    return started(child, `http://127.0.0.1:${port}`);
  },
  async node(keyIds) {
    const port = await freePort();
    const args = [join(staged, "node-service", "server.mjs"), "--keys", JSON.stringify(pick(keyIds)), "--snapshot-url", snapshotUrl, "--refresh", "100", "--port", String(port)];
    return started(spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] }), `http://127.0.0.1:${port}`);
  },
};

function pick(keyIds) {
  const all = keys();
  return Object.fromEntries(keyIds.map((id) => [id, all[id]]));
}

async function started(child, base) {
  const log = [];
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  await waitFor(`${base}/roles`);
  return {
    base,
    log,
    stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once("exit", resolve), child.kill()))),
  };
}

for (const runtime of Object.keys(RUNTIMES)) {
  describe(`examples over HTTP: ${runtime}`, () => {
    let server;
    before(async () => {
      serveSnapshot("acme.snapshot", "rev100");
      server = await RUNTIMES[runtime](["acme-a"]);
    });
    after(() => server?.stop());

    test("every route answers as the conformance semantics say, for users and API keys", async () => {
      const checked = await checkMatrix(server.base, runtime);
      assert.ok(checked >= 400, `${checked} requests`);
      // Revoked API key and deactivated user: 401, whatever the route.
      assert.equal(await status(server.base, "/roles", { authorization: `Bearer ${tokens.get("key_old")}` }), 401);
    });

    test("malformed requests get clean 4xx answers", async () => {
      const alice = { [SUBJECT_HEADER]: "alice" };
      for (const [path, headers, method] of [
        ["/roles", { authorization: "Bearer " + "x".repeat(4000) }],
        ["/roles", { authorization: "Bearer a b" }],
        ["/roles", { authorization: "Basic YWxpY2U6cHc=" }],
        ["/roles", { authorization: "Bearer" }],
        ["/projects/%E0%A4%A/members/m/roles/r", alice, "PUT"],
        ["/projects/%00/members/m/roles/r", alice, "PUT"],
        ["/projects//members/m/roles/r", alice, "PUT"],
        ["/projects/shop%2Fdev/members/m/roles/r", alice, "PUT"],
        ["//roles", alice],
        ["/roles", alice, "PROPFIND"],
        ["/" + "a/".repeat(3000), alice],
      ]) {
        const got = await status(server.base, path, headers, method);
        assert.ok(got >= 400 && got < 500, `${method ?? "GET"} ${path.slice(0, 60)}: ${got}`);
      }
      // A header too large for the server is its own clean 4xx (431 in Node, 400 in workerd),
      // sent whole before the answer is read (the server may close as soon as it answers).
      const huge = await rawStatus(server.base, `GET /roles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"x".repeat(100000)}\r\n\r\n`);
      assert.ok(huge >= 400 && huge < 500, `huge token: ${huge}`);
      assert.equal(await status(server.base, "/roles", alice), 200, "still serving");
      // Dot segments: workerd resolves them before the guard sees the URL, and forwards the
      // resolved path, so the guard judges what the origin gets; node:http passes them on
      // raw, so the guard refuses them rather than guess how the server will route.
      for (const [caller, headers] of CALLERS) {
        for (const odd of ["/roles/../billing", "/roles/%2e%2e/billing", "/x/./../billing"]) {
          const want = runtime === "workerd" ? await status(server.base, "/billing", headers) : 400;
          assert.equal(await status(server.base, odd, headers), want, `${caller} ${odd}`);
        }
      }
    });

    test("a refresh takes effect live; bad snapshots at refresh keep the old one serving", async () => {
      assert.equal(await bobAssigns(server.base), 200);
      serveSnapshot("acme-rev103-without-bob.snapshot", "rev103");
      await untilBob(server.base, 403);

      const tampered = fixture("acme.snapshot");
      tampered[tampered.length - 10] ^= 1;
      for (const [bytes, tag] of [[tampered, "tampered"], ["acme-rev99.snapshot", "rev99"], ["acme-rev104-key-b.snapshot", "rev104"], [new Uint8Array(0), "empty"]]) {
        serveSnapshot(bytes, tag);
        await refreshesSeen(server.base, 2);
        assert.equal(await bobAssigns(server.base), 403, `after ${tag}, revision 103 still serves`);
        assert.equal(await status(server.base, "/roles", { [SUBJECT_HEADER]: "alice" }), 200);
      }
      if (runtime === "node") {
        const log = server.log.join("");
        for (const code of ["BAD_SIGNATURE", "ROLLBACK", "UNKNOWN_KEY"]) assert.match(log, new RegExp(code));
      }
    });

    test("a snapshot signed with a rotated key is accepted once the key set holds the key", async () => {
      serveSnapshot("acme-rev104-key-b.snapshot", "rev104");
      await refreshesSeen(server.base, 2);
      assert.equal(await bobAssigns(server.base), 403, "key B is not trusted yet");
      await server.stop();
      server = await RUNTIMES[runtime](["acme-a", "acme-b"]);
      assert.equal(await bobAssigns(server.base), 200, "revision 104, signed with key B, serves");
      serveSnapshot("acme-rev103-without-bob.snapshot", "rev103");
      await refreshesSeen(server.base, 2);
      assert.equal(await bobAssigns(server.base), 200, "and a lower revision is a rollback");
    });
  });
}
