// rolegate/compiler: compile and sign snapshots from JavaScript (Node, Deno, Bun), on
// the compiler's own .wasm, the same Rust compiler as the CLI: the same diagnostics, and
// byte for byte the same snapshots for the same policy, key, revision and times.
// Compile once, then sign the whole tenant or any subject's slice, with a key (a key
// file's JSON, its parsed object, or `{ env: "NAME" }`) or an async `signer` (a KMS or an
// HSM holds the key). Nothing loads until the first call.
import { readFileSync } from "node:fs";
import { randomFillSync } from "node:crypto";
import * as wasm from "./compiler_wasm.js";
import { describe, readOptions, rolegateError, typeError } from "./errors.js";
import { plainBytes } from "./plain.js";

let ready = false;
function engine() {
  if (!ready) {
    wasm.initSync({ module: readFileSync(new URL("./compiler_wasm_bg.wasm", import.meta.url)) });
    ready = true;
  }
  return wasm;
}

/** A policy argument as text: a JSON string, UTF-8 bytes, or a document object. */
function policyText(policy) {
  if (typeof policy === "string") return policy;
  if (policy instanceof Uint8Array) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(policy);
    } catch {
      throw rolegateError("NOT_UTF8", "the policy bytes are not UTF-8 text: save it as UTF-8");
    }
  }
  if (policy !== null && typeof policy === "object" && !Array.isArray(policy)) {
    // Lines in diagnostics then refer to this rendering of the document.
    return JSON.stringify(policy, null, 2);
  }
  throw typeError(`a policy must be a document object, JSON text or UTF-8 bytes, got ${describe(policy)}`);
}

/** A compiled policy: sign it as often as needed (`sign`, `slices`), then `free()` it. */
export class CompiledPolicy {
  #inner;
  constructor(inner) {
    this.#inner = inner;
  }
  /** The wasm side (for this module's functions). */
  static inner(compiled) {
    if (!(compiled instanceof CompiledPolicy)) throw typeError(`expected a CompiledPolicy from compile(), got ${describe(compiled)}`);
    if (compiled.#inner === null) throw rolegateError("CLOSED", "this CompiledPolicy was freed");
    return compiled.#inner;
  }
  get tenant() {
    return CompiledPolicy.inner(this).tenant;
  }
  /** Every subject id, in the policy's order. */
  get subjects() {
    return CompiledPolicy.inner(this).subjectIds();
  }
  /** Frees its wasm memory at once (it is freed when collected otherwise). */
  free() {
    this.#inner?.free();
    this.#inner = null;
  }
  [Symbol.dispose]() {
    this.free();
  }
}

/**
 * Compiles a policy document: `{ ok: true, compiled, errors: [] }`, or `{ ok: false,
 * errors }` with every mistake as the CLI reports it (`code`, `message`, `path`, `line`,
 * `suggestion`).
 */
export function compile(policy) {
  const text = policyText(policy);
  const { diagnosePolicy, CompiledPolicy: Inner } = engine();
  const errors = JSON.parse(diagnosePolicy(text));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, compiled: new CompiledPolicy(new Inner(text)), errors: [] };
}

/** A policy argument compiled (or the CompiledPolicy given), throwing its first mistake. */
function compiled(policy) {
  if (policy instanceof CompiledPolicy) return { compiled: policy, owned: false };
  const result = compile(policy);
  if (!result.ok) {
    const [first] = result.errors;
    throw Object.assign(rolegateError(first.code, first.message), { errors: result.errors });
  }
  return { compiled: result.compiled, owned: true };
}

function withCompiled(policy, use) {
  const { compiled: c, owned } = compiled(policy);
  try {
    return use(CompiledPolicy.inner(c));
  } finally {
    if (owned) c.free();
  }
}

/** A key option as a key file's JSON text. */
function keyText(key) {
  if (typeof key === "string") return key;
  if (key !== null && typeof key === "object" && typeof key.env === "string") {
    const value = globalThis.process?.env?.[key.env];
    if (value === undefined || value === "") throw rolegateError("BAD_KEY", `the environment variable \`${key.env}\` holding the signing key is not set`);
    return value;
  }
  if (key !== null && typeof key === "object") return JSON.stringify(key);
  throw typeError(`a key must be a key file's JSON text, its parsed object or { env: "NAME" }, got ${describe(key)}`);
}

/** Unix seconds of a Date or epoch milliseconds (default now); `what` names it in the TypeError. */
function epochSeconds(value, what) {
  if (value === undefined || value === null) return Math.floor(Date.now() / 1000);
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (typeof value === "number" && Number.isFinite(value)) return Math.floor(value / 1000);
  throw typeError(`${what}, got ${describe(value)}`);
}

/** Unix seconds of `issuedAt` (a Date, an RFC 3339 string or epoch milliseconds; default now). */
function issuedSeconds(issuedAt) {
  if (typeof issuedAt !== "string") return epochSeconds(issuedAt, "issuedAt must be a Date, an RFC 3339 string or epoch milliseconds");
  const seconds = engine().parseTime(issuedAt);
  if (Number.isNaN(seconds)) throw rolegateError("USAGE", `\`issuedAt: ${JSON.stringify(issuedAt)}\` is not an RFC 3339 time such as \`2026-12-01T00:00:00Z\``);
  return seconds;
}

/** The stamp every signature takes: revision, issue time, expiry (as the CLI's build). */
function stamp(options) {
  const revision = options.revision ?? Math.floor(Date.now() / 1000);
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) {
    throw typeError(`revision must be a whole number from 0 to 2^53 - 1, got ${describe(revision)} ${String(revision)}`);
  }
  const issued = issuedSeconds(options.issuedAt);
  let expires;
  if (options.ttl !== undefined && options.ttl !== null) {
    const ttl = typeof options.ttl === "number" ? options.ttl : typeof options.ttl === "string" ? engine().parseDuration(options.ttl) : NaN;
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw rolegateError("USAGE", `\`ttl: ${JSON.stringify(options.ttl)}\` is not a duration such as \`15m\`, \`12h\` or \`7d\` (or a number of seconds)`);
    expires = issued + ttl;
  }
  if (options.subject !== undefined && options.subject !== null && typeof options.subject !== "string") throw typeError(`subject must be a string, got ${describe(options.subject)}`);
  return [revision, issued, expires, options.subject ?? undefined];
}

const SIGN_OPTIONS = ["key", "signer", "keyId", "revision", "ttl", "issuedAt", "subject"];

function signWith(inner, options, subject) {
  const [revision, issued, expires, own] = stamp(options);
  const who = subject === undefined ? own : subject;
  if ((options.key === undefined) === (options.signer === undefined)) throw typeError("sign needs exactly one of `key` and `signer`");
  if (options.key !== undefined) return inner.seal(keyText(options.key), revision, issued, expires, who);
  if (typeof options.signer !== "function") throw typeError(`signer must be a function (bytes) => signature, got ${describe(options.signer)}`);
  if (typeof options.keyId !== "string") throw typeError("a signer needs the `keyId` of its key, the id loaders trust it under");
  const signed = inner.signedPart(options.keyId, revision, issued, expires, who);
  return Promise.resolve(options.signer(signed.slice())).then((signature) => {
    const bytes = signature instanceof Uint8Array ? signature : signature instanceof ArrayBuffer ? new Uint8Array(signature) : null;
    if (bytes === null) throw typeError(`the signer must return a Uint8Array or an ArrayBuffer, got ${describe(signature)}`);
    return engine().assemble(signed, bytes);
  });
}

/**
 * Signs a compiled policy (or a policy, compiled first) into snapshot bytes: the whole
 * tenant, or `subject`'s slice. `{ key }` or `{ signer, keyId }`; `revision` (default:
 * the Unix time, so successive builds only grow), `issuedAt` (default now), `ttl`
 * (`"7d"` or seconds; default no expiry).
 */
export async function sign(policy, options) {
  const o = readOptions(options, SIGN_OPTIONS, "sign options");
  const { compiled: c, owned } = compiled(policy);
  try {
    return await signWith(CompiledPolicy.inner(c), o);
  } finally {
    if (owned) c.free();
  }
}

/** `sign` with a `key` (no signer), returning the bytes at once. */
export function signSync(policy, options) {
  const o = readOptions(options, SIGN_OPTIONS, "sign options");
  if (o.signer !== undefined) throw typeError("signSync takes a `key`; an outside signer is async: use sign()");
  return withCompiled(policy, (inner) => signWith(inner, o));
}

/**
 * A signed delta from the snapshot bytes `oldSnapshot` to `policy` (compiled or not),
 * stamped and signed as `signSync` does (`key`, `revision`, `issuedAt`, `ttl`, `subject`:
 * the same tenant and slice as the old snapshot, a higher revision). A gate holding the
 * old snapshot applies it with `gate.applyDelta` and then holds exactly what the full
 * snapshot `signSync(policy, options)` gives. `rolegate build --delta-from` in JS.
 */
export function delta(oldSnapshot, policy, options) {
  const o = readOptions(options, SIGN_OPTIONS, "delta options");
  if (o.key === undefined || o.signer !== undefined) throw typeError("delta takes a `key` (the signing key of the snapshots)");
  const old = plainBytes(oldSnapshot, "the old snapshot");
  return withCompiled(policy, (inner) => {
    const [revision, issued, expires, subject] = stamp(o);
    return inner.sealDelta(keyText(o.key), old, revision, issued, expires, subject);
  });
}

/**
 * Every subject's slice (or those in `subjects`) from one compile, as a Map from subject
 * id to snapshot bytes; options as `sign` (`subject` aside).
 */
export async function slices(policy, options) {
  const o = readOptions(options, [...SIGN_OPTIONS, "subjects"], "slices options");
  const { compiled: c, owned } = compiled(policy);
  try {
    const inner = CompiledPolicy.inner(c);
    const ids = o.subjects ?? inner.subjectIds();
    if (!Array.isArray(ids)) throw typeError(`subjects must be an array of subject ids, got ${describe(ids)}`);
    const out = new Map();
    for (const id of ids) {
      if (typeof id !== "string") throw typeError(`a subject id must be a string, got ${describe(id)}`);
      out.set(id, await signWith(inner, o, id));
    }
    return out;
  } finally {
    if (owned) c.free();
  }
}

/** Unix seconds of `now` (a Date or epoch milliseconds; default now). */
const nowSeconds = (now) => epochSeconds(now, "now must be a Date or epoch milliseconds");

/** What changed from `oldPolicy` to `newPolicy`: access gained and lost per subject and scope, the catalog, roles. */
export function diff(oldPolicy, newPolicy, options = {}) {
  const { now } = readOptions(options, ["now"], "diff options");
  return withCompiled(oldPolicy, (old) => withCompiled(newPolicy, (fresh) => JSON.parse(fresh.diffFrom(old, nowSeconds(now)))));
}

/** Best-practice warnings on a policy (an empty array when there are none). */
export function lint(policy) {
  return JSON.parse(engine().lintPolicy(policyText(policy)));
}

/** TypeScript types of a policy's permission names (and scope ids, with `scopes: true`) and a typed Gate. */
export function typegen(policy, options = {}) {
  const { scopes, name } = readOptions(options, ["scopes", "name"], "typegen options");
  return withCompiled(policy, (inner) => inner.typegen(scopes === true, typeof name === "string" ? name : "policy"));
}

/** Each subject's access level: tenant-wide, per scope (per project, ...) or mixed, with its roles. */
export function access(policy, options = {}) {
  const { subject, now } = readOptions(options, ["subject", "now"], "access options");
  return withCompiled(policy, (inner) => JSON.parse(inner.access(subject ?? undefined, nowSeconds(now))));
}

/** A new Ed25519 signing key: `{ key }` (the key file's JSON, as `rolegate keygen` writes), `keyId`, `publicKey` (`KEY_ID=BASE64`). */
export function keygen(options = {}) {
  const { keyId } = readOptions(options, ["keyId"], "keygen options");
  if (keyId !== undefined && typeof keyId !== "string") throw typeError(`keyId must be a string, got ${describe(keyId)}`);
  const seed = randomFillSync(new Uint8Array(32));
  const key = engine().keyFromSeed(seed, keyId);
  seed.fill(0);
  const publicKey = engine().publicKeyOf(key);
  return { key, keyId: publicKey.slice(0, publicKey.indexOf("=")), publicKey };
}

/** A signing key's public key as `KEY_ID=BASE64`, the form loaders trust. */
export function publicKey(key) {
  return engine().publicKeyOf(keyText(key));
}
