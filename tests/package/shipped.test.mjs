// What the tarball ships: TypeScript declarations that type-check (and reject misuse)
// under `tsc --noEmit`, and an engine .wasm within its 48 KB gzip budget.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { project, tools } from "./harness.mjs";

const dir = project("shipped");

const USAGE_ESM = `
import { engineMemoryBytes, tenantSource } from "rolegate";
import { decisionLogger, type DecisionRecord } from "rolegate/node";
import { Gate, isRolegateError, ready, type Binding, type Decision, type GateOptions, type Reason, snapshotSource, type SnapshotSource } from "rolegate";
import { gateElements, gateStore, refresher, type ElementGate } from "rolegate/dom";
import { guard } from "rolegate/edge";
import { authorizer, forExpress, forFastify, forHono, middleware } from "rolegate/node";
import { access, compile, delta, diff, keygen, lint, publicKey, sign, signSync, slices, typegen, type CompiledPolicy, type Diagnostic, type Diff, type Signer } from "rolegate/compiler";

declare const bytes: Uint8Array;
await ready;
const options: GateOptions = { keys: { "acme-a": "vUcH1ffy0j/xjeRuOM9YfeE56eXuS/zl5C1mUStCDNE=" }, tenant: "acme", clock: () => Date.now() };
const gate = new Gate(bytes, options);
const allowed: boolean = gate.can("bob", "roles.create", "shop") && gate.can("bob", "roles.view");
const decision: Decision = gate.explain("bob", "roles.create", null);
const reason: Reason = decision.reason;
const role: string | null = decision.role;
const handle: Binding = gate.bind("bob", "shop");
const fast: boolean = handle.can("roles.create") || handle.canId(gate.permissionId("roles.view"));
const names: string[] = gate.permissions("bob").concat(gate.whoCan("roles.create", "shop"));
const subject: string | null = gate.subjectForToken("rg_live_ci_0001");
const expires: Date | null = gate.expiresAt;
gate.addEventListener("expired", (event: Event) => void event.type);
new Gate(new ArrayBuffer(8), { keys: new Map([["k", new Uint8Array(32)]]) });
try {
  gate.update(bytes);
} catch (e) {
  if (isRolegateError(e)) {
    const code: "BAD_SIGNATURE" | "ROLLBACK" | string = e.code;
    void code;
  }
}
void [allowed, reason, role, fast, names, subject, expires];

const keeper: ElementGate = gateElements(gate, { subject: "bob", scope: "shop", mode: "disable", root: document.body });
keeper.addEventListener("unknown", (event) => console.warn(event.permission, event.element));
keeper.setScope(null);
const store = gateStore(gate);
const unsubscribe: () => void = store.subscribe(() => void store.getSnapshot());
unsubscribe();
const live = refresher(gate, "/snapshot", { interval: 30000, delta: async (revision: number) => (revision > 0 ? new Uint8Array(0) : null) });
live.addEventListener("error", (event) => console.warn(event.error.code));
void live.refresh().then((loaded: boolean) => loaded);
const fetchHandler = guard(async (_request, _env, context) => new Response(context.rolegate.subject), {
  gate: () => gate,
  routes: [{ method: "GET", path: "/projects/:project/roles", permission: "roles.view", scope: { param: "project" } }],
  header: "x-user",
});
void fetchHandler(new Request("http://x/projects/shop/roles"));
const authorize = authorizer({ gate, routes: [{ path: "/billing", any: ["billing.portal", "billing.cancel"] }] });
void authorize({ method: "GET", url: "/billing", headers: {} }).then((outcome) => outcome.status);
void middleware({ gate, routes: [{ path: "/x", all: ["roles.view"] }] });
void forExpress({ gate, header: "x-user" }).require("projects.delete", { scope: "project" });
void forFastify({ gate: () => gate }).require({ any: ["billing.portal", "billing.cancel"] });
void forHono({ gate }).require({ all: ["roles.view"] }, { scope: { header: "x-scope" } });
void guard(async () => new Response(""), { gate, routes: [], caseSensitive: true, trailingSlash: "strict", headAsGet: false, encodedSlash: "keep" });
// @ts-expect-error trailing slashes are ignored or strict
guard(async () => new Response(""), { gate, routes: [], trailingSlash: "sometimes" });
// @ts-expect-error a requirement names permissions
forExpress({ gate }).require(42);
const source: SnapshotSource = snapshotSource({ keys: { "acme-a": "x" }, url: "/snapshot", refresh: 5000, onError: (e) => console.warn(e.code) });
void guard(async () => new Response(""), { gate: source, routes: [{ path: "/x", permission: "roles.view" }] });
void snapshotSource({ keys: { "acme-a": "x" }, get: async (env: { KV: { get(k: string): Promise<ArrayBuffer | null> } }) => env.KV.get("acme") });
void source.refresh().then((loaded: boolean) => source.current()?.revision);
// @ts-expect-error a source needs snapshot, get or url
snapshotSource({ keys: { "acme-a": "x" } });
// @ts-expect-error a route names the permissions it needs
guard(async () => new Response(""), { gate, routes: [{ path: "/x" }] });
// @ts-expect-error only hide, disable or remove
gateElements(gate, { subject: "bob", mode: "blur" });

const compiled = compile({ format: "rolegate.policy/1", tenant: "acme", subjects: [{ id: "bob", kind: "user" }] });
if (compiled.ok) {
  const c: CompiledPolicy = compiled.compiled;
  const signer: Signer = async (b: Uint8Array) => b.slice(0, 64);
  void sign(c, { signer, keyId: "kms-1", revision: 3, ttl: "7d", issuedAt: new Date(), subject: "bob" }).then((b: Uint8Array) => b.length);
  void slices(c, { key: { env: "ROLEGATE_SIGNING_KEY" }, subjects: c.subjects }).then((m: Map<string, Uint8Array>) => m.size);
  const d: Diff = diff(c, c);
  void [d.access, lint("{}"), typegen(c, { scopes: true }), access(c, { subject: "bob" })[0].level, signSync(c, { key: keygen({ keyId: "k" }).key })];
  const patch: Uint8Array = delta(new Uint8Array(0), c, { key: keygen().key, revision: 4 });
  gate.applyDelta(patch);
  c.free();
} else {
  const first: Diagnostic = compiled.errors[0];
  void [first.code, first.line, first.suggestion];
}
void publicKey({ env: "K" });
const tenants = tenantSource({ tenant: { header: "x-tenant" }, load: async (t: string) => new Uint8Array(t.length), delta: async (t: string, revision: number) => (revision > 1 ? new Uint8Array(t.length) : null), keys: (t: string) => ({ [t]: "x" }), memoryCap: 1 << 26 });
const log = decisionLogger({ send: async (batch) => void batch.dropped, sampleAllows: 0.1 });
void guard(async () => new Response(""), { gate: tenants, routes: [], onDecision: log });
void forExpress({ gate, onDecision: (r: DecisionRecord) => void r.reason });
void [tenants.stats().memoryBytes, engineMemoryBytes(), gate.scopes, gate.memoryBytes, log.stats().dropped];
// @ts-expect-error a tenant source needs a memory cap
tenantSource({ tenant: { header: "x" }, load: async () => null, keys: {} });
// @ts-expect-error a signer needs its keyId
void sign("{}", { signer: async (b: Uint8Array) => b });
// @ts-expect-error a subject is a string
gate.can(1, "roles.create");
// @ts-expect-error trusted keys are required
new Gate(bytes, { tenant: "acme" });
// @ts-expect-error the revision is read-only
gate.revision = 3;
// @ts-expect-error no such method
gate.allow("bob");
`;

const USAGE_CJS = `
import rolegate = require("rolegate");
declare const bytes: Uint8Array;
const gate: rolegate.Gate = new rolegate.Gate(bytes, { keys: [["acme-a", "x"]] });
const allowed: boolean = gate.can("alice", "billing.cancel");
void allowed;
`;

test("the shipped declarations type-check and reject misuse", () => {
  writeFileSync(join(dir, "usage.mts"), USAGE_ESM);
  writeFileSync(join(dir, "usage.cts"), USAGE_CJS);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom"], types: [], noEmit: true, skipLibCheck: false },
      files: ["usage.mts", "usage.cts"],
    }),
  );
  execFileSync(join(tools, ".bin", "tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: dir, stdio: "inherit" });
  // And a misuse without its expect-error marker fails the build.
  writeFileSync(join(dir, "usage.mts"), USAGE_ESM.replace("// @ts-expect-error a subject is a string\n", ""));
  assert.throws(() => execFileSync(join(tools, ".bin", "tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: dir, stdio: "pipe" }));
});

test("the engine .wasm is at most 48 KB gzipped", () => {
  const wasm = readFileSync(join(dir, "node_modules", "rolegate", "engine_bg.wasm"));
  const gz = gzipSync(wasm, { level: 9 }).length;
  console.log(`engine_bg.wasm: ${wasm.length} bytes raw, ${gz} gzip -9`);
  assert.ok(gz <= 48 * 1024, `${gz} bytes gzipped is over the 49152-byte budget`);
});
