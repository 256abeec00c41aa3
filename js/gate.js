// The public API of the rolegate package, the same in every runtime. The entry files
// (node.js, browser.js, workerd.js, deno.js) initialise the wasm and re-export this.
import { WasmGate } from "./engine.js";

const EMPTY = new Uint32Array(0);
/** Cached permission sets (and unknown subject names), at most; past this a cache starts over. */
const MAX_CACHED_SETS = 50000;

function typeError(message) {
  const error = new TypeError(message);
  error.code = "INVALID_ARGUMENT";
  return error;
}

function checkString(value, what) {
  if (typeof value !== "string") throw typeError(`${what} must be a string, got ${describe(value)}`);
}

function checkScope(scope) {
  if (scope !== undefined && scope !== null && typeof scope !== "string") {
    throw typeError(`scope must be a string, null or undefined, got ${describe(scope)}`);
  }
}

function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

/** Whether `error` is an error thrown by rolegate for bad or refused input. */
export function isRolegateError(error) {
  return error instanceof Error && typeof error.code === "string";
}

/** The time in ms; anything but a number becomes NaN, which the engine treats as expired. */
function readClock(clock) {
  const t = clock.call(undefined);
  return typeof t === "number" ? t : NaN;
}

/** The state a gate and its bindings share: the wasm engine and the name → id maps. */
class Core {
  constructor(wasm, clock, target) {
    this.wasm = wasm;
    this.clock = clock;
    this.target = target;
    this.generation = 0;
    this.index();
  }

  now() {
    return readClock(this.clock);
  }

  /** Rebuilds the maps after a load or update; bindings see the new generation. */
  index() {
    this.generation++;
    this.permissionIds = new Map(this.wasm.permissionNames().map((name, i) => [name, i]));
    this.scopeIds = new Map(this.wasm.scopeIds().map((id, i) => [id, i]));
    this.subjectIds = new Map();
    this.unknownSubjects = new Set();
    this.sets = new Map();
    this.cachedSets = 0;
    this.denyFrom = this.wasm.denyFrom;
    this.expiredSignalled = false;
  }

  /**
   * The permissions of `subject` on `scope` (undefined: the root) at `now` as
   * `{words, validUntil}`, computed by the engine once and cached until one of its grants
   * expires or the snapshot changes. Unknown names get the empty set and are not cached.
   */
  setFor(subject, scope, now) {
    const bySubject = this.sets.get(subject);
    const cached = bySubject?.get(scope);
    if (cached !== undefined && now < cached.validUntil) return cached;
    const s = this.subjectId(subject);
    const sc = this.scopeId(scope);
    if (s < 0 || sc < 0) return { words: EMPTY, validUntil: this.denyFrom };
    const set = this.wasm.permissionWords(s, sc, now);
    if (this.cachedSets >= MAX_CACHED_SETS) {
      this.sets = new Map();
      this.cachedSets = 0;
    }
    if (bySubject === undefined || this.cachedSets === 0) {
      this.sets.set(subject, new Map([[scope, set]]));
    } else {
      bySubject.set(scope, set);
    }
    if (cached === undefined) this.cachedSets++;
    return set;
  }

  subjectId(subject) {
    let id = this.subjectIds.get(subject);
    if (id === undefined) {
      if (this.unknownSubjects.has(subject)) return -1;
      id = this.wasm.subjectId(subject);
      if (id >= 0) {
        this.subjectIds.set(subject, id);
      } else {
        // Unknown names are remembered too (callers repeat them), in a bounded set.
        if (this.unknownSubjects.size >= MAX_CACHED_SETS) this.unknownSubjects.clear();
        this.unknownSubjects.add(subject);
      }
    }
    return id;
  }

  scopeId(scope) {
    if (scope === undefined || scope === null) return this.scopeIds.size > 0 ? 0 : -1;
    const id = this.scopeIds.get(scope);
    return id === undefined ? -1 : id;
  }

  /** Whether the snapshot still serves at `now`; signals `expired` once when it stops. */
  live(now) {
    if (now < this.denyFrom) return true;
    if (!this.expiredSignalled) {
      this.expiredSignalled = true;
      this.target.dispatchEvent(new Event("expired"));
    }
    return false;
  }
}

/**
 * One subject on one scope, for hot paths: the subject's permissions there are computed
 * once (again after an update or when a grant in them expires), so a check is a map
 * lookup and a bit test.
 */
class Binding {
  #core;
  #subject;
  #scope;
  #generation = -1;
  #words = EMPTY;
  #validUntil = -Infinity;

  constructor(core, subject, scope) {
    this.#core = core;
    this.#subject = subject;
    this.#scope = scope ?? null;
  }

  get subject() {
    return this.#subject;
  }

  get scope() {
    return this.#scope;
  }

  can(permission) {
    checkString(permission, "permission");
    const id = this.#core.permissionIds.get(permission);
    return id !== undefined && this.#has(id);
  }

  /** `can` with an id from `Gate.permissionId` (ids change when the snapshot updates). */
  canId(id) {
    if (typeof id !== "number") throw typeError(`a permission id must be a number, got ${describe(id)}`);
    return id >= 0 && this.#has(id);
  }

  #has(id) {
    const core = this.#core;
    const now = core.now();
    if (this.#generation !== core.generation || !(now < this.#validUntil)) {
      if (!core.live(now)) return false;
      this.#refresh(now);
    }
    return ((this.#words[id >>> 5] >>> (id & 31)) & 1) === 1;
  }

  #refresh(now) {
    const core = this.#core;
    this.#generation = core.generation;
    const set = core.setFor(this.#subject, this.#scope ?? undefined, now);
    this.#words = set.words;
    this.#validUntil = set.validUntil;
  }
}

/**
 * A loaded, verified role snapshot answering permission checks. Emits `updated` after
 * a successful `update` and `expired` (once per snapshot) when a check finds the
 * snapshot past its expiry: from then on every check denies until `update`.
 */
export class Gate extends EventTarget {
  #core;

  /**
   * Verifies and loads snapshot bytes. Throws a `TypeError` for wrong argument types and
   * an `Error` with a `code` (`BAD_SIGNATURE`, `EXPIRED`, ...) for a refused snapshot.
   */
  constructor(bytes, options) {
    super();
    if (options === null || typeof options !== "object") {
      throw typeError("options must be an object with at least `keys`");
    }
    const clock = options.clock ?? Date.now;
    if (typeof clock !== "function") throw typeError("option `clock` must be a function returning milliseconds");
    this.#core = new Core(new WasmGate(bytes, options, readClock(clock)), clock, this);
  }

  /** Whether `subject` holds `permission` on `scope` (the tenant root when omitted). */
  can(subject, permission, scope) {
    checkString(subject, "subject");
    checkString(permission, "permission");
    checkScope(scope);
    const core = this.#core;
    const now = core.now();
    if (!core.live(now)) return false;
    const p = core.permissionIds.get(permission);
    if (p === undefined) return false;
    const words = core.setFor(subject, scope ?? undefined, now).words;
    return ((words[p >>> 5] >>> (p & 31)) & 1) === 1;
  }

  /** The decision with its reason: `{allowed, reason, message, role, grantScope, grantExpiresAt, revision}`. */
  explain(subject, permission, scope) {
    checkString(subject, "subject");
    checkString(permission, "permission");
    checkScope(scope);
    const now = this.#core.now();
    this.#core.live(now);
    return this.#core.wasm.explain(subject, permission, scope ?? undefined, now);
  }

  /** The permissions `subject` holds on `scope`, in catalog order. */
  permissions(subject, scope) {
    checkString(subject, "subject");
    checkScope(scope);
    const now = this.#core.now();
    if (!this.#core.live(now)) return [];
    return this.#core.wasm.permissions(subject, scope ?? undefined, now);
  }

  /** The subjects holding `permission` on `scope`. */
  whoCan(permission, scope) {
    checkString(permission, "permission");
    checkScope(scope);
    const now = this.#core.now();
    if (!this.#core.live(now)) return [];
    return this.#core.wasm.whoCan(permission, scope ?? undefined, now);
  }

  /** The id of a permission for `Binding.canId`, or -1 when unknown. Ids change on update. */
  permissionId(permission) {
    checkString(permission, "permission");
    return this.#core.permissionIds.get(permission) ?? -1;
  }

  /** A handle for one subject on one scope, for checking many permissions fast. */
  bind(subject, scope) {
    checkString(subject, "subject");
    checkScope(scope);
    return new Binding(this.#core, subject, scope);
  }

  /**
   * Swaps in a newer snapshot atomically. A refused snapshot (bad signature, another
   * tenant, a lower revision, expired, ...) throws and the current one keeps serving.
   */
  update(bytes) {
    this.#core.wasm.update(bytes, this.#core.now());
    this.#core.index();
    this.dispatchEvent(new Event("updated"));
  }

  /** The API-key subject whose token this is (looked up by SHA-256), or null. */
  subjectForToken(token) {
    checkString(token, "token");
    return this.#core.wasm.subjectForToken(token) ?? null;
  }

  /** The API-key subject for a token's SHA-256 (32 bytes, e.g. from WebCrypto), or null. */
  subjectForTokenHash(hash) {
    if (!(hash instanceof Uint8Array)) throw typeError(`a token hash must be a Uint8Array, got ${describe(hash)}`);
    return this.#core.wasm.subjectForTokenHash(hash) ?? null;
  }

  get tenant() {
    return this.#core.wasm.tenant;
  }

  get revision() {
    return this.#core.wasm.revision;
  }

  get issuedAt() {
    return new Date(this.#core.wasm.issuedAt);
  }

  get expiresAt() {
    const t = this.#core.wasm.expiresAt;
    return t === undefined ? null : new Date(t);
  }

  /** Whether the snapshot is past its expiry (checks deny). */
  get expired() {
    return !(this.#core.now() < this.#core.denyFrom);
  }

  get keyId() {
    return this.#core.wasm.keyId ?? null;
  }

  /** The subject the snapshot was sliced for, or null for a whole-tenant snapshot. */
  get sliceSubject() {
    return this.#core.wasm.sliceSubject ?? null;
  }
}
