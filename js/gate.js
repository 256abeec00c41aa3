// The public API of the rolegate package, the same in every runtime. The entry files
// (node.js, browser.js, workerd.js, deno.js) initialise the wasm and re-export this.
import { WasmGate } from "./engine.js";

const EMPTY = new Uint32Array(0);

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

/**
 * A loaded, verified role snapshot answering permission checks. Emits `updated` after
 * a successful `update` and `expired` (once per snapshot) when a check finds the
 * snapshot past its expiry: from then on every check denies until `update`.
 */
export class Gate extends EventTarget {
  #wasm;
  #clock;
  #generation = 0;
  #denyFrom = 0;
  #expiredSignalled = false;
  #permissionIds = new Map();
  #scopeIds = new Map();
  #subjectIds = new Map();

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
    this.#clock = clock;
    this.#wasm = new WasmGate(bytes, options, this.#now());
    this.#index();
  }

  #now() {
    const t = this.#clock.call(undefined);
    // Anything but a number becomes NaN, which the engine treats as "expired": deny.
    return typeof t === "number" ? t : NaN;
  }

  #index() {
    this.#generation++;
    this.#permissionIds = new Map(this.#wasm.permissionNames().map((name, i) => [name, i]));
    this.#scopeIds = new Map(this.#wasm.scopeIds().map((id, i) => [id, i]));
    this.#subjectIds = new Map();
    this.#denyFrom = this.#wasm.denyFrom;
    this.#expiredSignalled = false;
  }

  #subjectId(subject) {
    let id = this.#subjectIds.get(subject);
    if (id === undefined) {
      id = this.#wasm.subjectId(subject);
      // Only known subjects are cached, so unknown names cannot grow the cache.
      if (id >= 0) this.#subjectIds.set(subject, id);
    }
    return id;
  }

  #scopeId(scope) {
    if (scope === undefined || scope === null) return this.#scopeIds.size > 0 ? 0 : -1;
    const id = this.#scopeIds.get(scope);
    return id === undefined ? -1 : id;
  }

  #live(now) {
    if (now < this.#denyFrom) return true;
    if (!this.#expiredSignalled) {
      this.#expiredSignalled = true;
      this.dispatchEvent(new Event("expired"));
    }
    return false;
  }

  /** Whether `subject` holds `permission` on `scope` (the tenant root when omitted). */
  can(subject, permission, scope) {
    checkString(subject, "subject");
    checkString(permission, "permission");
    checkScope(scope);
    const now = this.#now();
    if (!this.#live(now)) return false;
    const p = this.#permissionIds.get(permission);
    const sc = this.#scopeId(scope);
    if (p === undefined || sc < 0) return false;
    const s = this.#subjectId(subject);
    return s >= 0 && this.#wasm.canIds(s, p, sc, now);
  }

  /** The decision with its reason: `{allowed, reason, message, role, grantScope, grantExpiresAt, revision}`. */
  explain(subject, permission, scope) {
    checkString(subject, "subject");
    checkString(permission, "permission");
    checkScope(scope);
    const now = this.#now();
    this.#live(now);
    return this.#wasm.explain(subject, permission, scope ?? undefined, now);
  }

  /** The permissions `subject` holds on `scope`, in catalog order. */
  permissions(subject, scope) {
    checkString(subject, "subject");
    checkScope(scope);
    const now = this.#now();
    if (!this.#live(now)) return [];
    return this.#wasm.permissions(subject, scope ?? undefined, now);
  }

  /** The subjects holding `permission` on `scope`. */
  whoCan(permission, scope) {
    checkString(permission, "permission");
    checkScope(scope);
    const now = this.#now();
    if (!this.#live(now)) return [];
    return this.#wasm.whoCan(permission, scope ?? undefined, now);
  }

  /** The id of a permission for `Binding.canId`, or -1 when unknown. Ids change on update. */
  permissionId(permission) {
    checkString(permission, "permission");
    return this.#permissionIds.get(permission) ?? -1;
  }

  /**
   * A handle for one subject on one scope, for hot paths: the subject's permissions are
   * computed once (and again after an update or when a grant expires), so each check
   * is a map lookup and a bit test.
   */
  bind(subject, scope) {
    checkString(subject, "subject");
    checkScope(scope);
    const gate = this;
    let generation = -1;
    let words = EMPTY;
    let validUntil = -Infinity;
    const refresh = (now) => {
      generation = gate.#generation;
      const s = gate.#subjectId(subject);
      const sc = gate.#scopeId(scope);
      if (s < 0 || sc < 0) {
        words = EMPTY;
        validUntil = gate.#denyFrom;
      } else {
        const set = gate.#wasm.permissionWords(s, sc, now);
        words = set.words;
        validUntil = set.validUntil;
      }
    };
    const canId = (id, now) => {
      if (generation !== gate.#generation || !(now < validUntil)) {
        if (!gate.#live(now)) return false;
        refresh(now);
      }
      return ((words[id >>> 5] >>> (id & 31)) & 1) === 1;
    };
    return Object.freeze({
      subject,
      scope: scope ?? null,
      can(permission) {
        checkString(permission, "permission");
        const id = gate.#permissionIds.get(permission);
        return id !== undefined && canId(id, gate.#now());
      },
      canId(id) {
        if (typeof id !== "number") throw typeError(`a permission id must be a number, got ${describe(id)}`);
        return id >= 0 && canId(id, gate.#now());
      },
    });
  }

  /**
   * Swaps in a newer snapshot atomically. A refused snapshot (bad signature, another
   * tenant, a lower revision, expired, ...) throws and the current one keeps serving.
   */
  update(bytes) {
    this.#wasm.update(bytes, this.#now());
    this.#index();
    this.dispatchEvent(new Event("updated"));
  }

  /** The API-key subject whose token this is (looked up by SHA-256), or null. */
  subjectForToken(token) {
    checkString(token, "token");
    return this.#wasm.subjectForToken(token) ?? null;
  }

  /** The API-key subject for a token's SHA-256 (32 bytes, e.g. from WebCrypto), or null. */
  subjectForTokenHash(hash) {
    if (!(hash instanceof Uint8Array)) throw typeError(`a token hash must be a Uint8Array, got ${describe(hash)}`);
    return this.#wasm.subjectForTokenHash(hash) ?? null;
  }

  get tenant() {
    return this.#wasm.tenant;
  }

  get revision() {
    return this.#wasm.revision;
  }

  get issuedAt() {
    return new Date(this.#wasm.issuedAt);
  }

  get expiresAt() {
    const t = this.#wasm.expiresAt;
    return t === undefined ? null : new Date(t);
  }

  /** Whether the snapshot is past its expiry (checks deny). */
  get expired() {
    return !(this.#now() < this.#denyFrom);
  }

  get keyId() {
    return this.#wasm.keyId ?? null;
  }

  /** The subject the snapshot was sliced for, or null for a whole-tenant snapshot. */
  get sliceSubject() {
    return this.#wasm.sliceSubject ?? null;
  }
}
