// Types of the rolegate package (every runtime entry exports the same API).

/** A trusted Ed25519 public key: base64 (standard or URL-safe) or 32 raw bytes. */
export type PublicKeyInput = string | Uint8Array;

/** Trusted public keys by key id. */
export type TrustedKeys =
  | { readonly [keyId: string]: PublicKeyInput }
  | ReadonlyMap<string, PublicKeyInput>
  | ReadonlyArray<readonly [string, PublicKeyInput]>;

export interface GateOptions {
  /** Trusted public keys by key id; a snapshot signed by any other key is refused. */
  keys: TrustedKeys;
  /** Refuse snapshots of any other tenant (`WRONG_TENANT`). */
  tenant?: string;
  /** Accept only a slice cut for this subject (`WRONG_SUBJECT`). */
  subject?: string;
  /** Refuse revisions below this (`ROLLBACK`); updates also refuse revisions below the loaded one. */
  minRevision?: number;
  /** Refuse snapshots larger than this many bytes (`TOO_LARGE`); default 32 MiB. */
  maxBytes?: number;
  /** Accept an issue time up to this many seconds in the future; default 60. */
  clockSkew?: number;
  /** Keep serving this many seconds past the snapshot's expiry; default 0. */
  expiryGrace?: number;
  /** The current time in milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
}

export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "TOO_LARGE"
  | "BAD_MAGIC"
  | "UNSUPPORTED_VERSION"
  | "UNKNOWN_KEY"
  | "BAD_SIGNATURE"
  | "MALFORMED"
  | "WRONG_TENANT"
  | "WRONG_SUBJECT"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "ROLLBACK"
  | "DELTA_BASE"
  | "DELTA_MISMATCH"
  | "BAD_KEY"
  | "LIMIT_EXCEEDED"
  | "NOT_READY"
  | "CLOSED";

/** What rolegate throws: a `TypeError` (code `INVALID_ARGUMENT`) or an `Error` named `RolegateError`. */
export interface RolegateError extends Error {
  readonly code: ErrorCode;
}

export declare function isRolegateError(error: unknown): error is RolegateError;

export type Reason =
  | "granted"
  | "snapshot_expired"
  | "unknown_subject"
  | "not_in_slice"
  | "unknown_permission"
  | "unknown_scope"
  | "inactive_subject"
  | "grant_expired"
  | "no_grant";

export interface Decision {
  allowed: boolean;
  reason: Reason;
  /** The reason in words. */
  message: string;
  /** The granting role (or the role of the expired grant). */
  role: string | null;
  /** The grant's scope id, or `*` for every scope below the root. */
  grantScope: string | null;
  /** When the granting grant expires (ms since the epoch), if it does. */
  grantExpiresAt: number | null;
  /** The revision of the snapshot that decided. */
  revision: number;
  /** For an unknown permission or scope: the nearest known name, if one is close. */
  suggestion: string | null;
}

/** A subject bound to a scope, for checking many permissions fast. */
export interface Binding {
  readonly subject: string;
  readonly scope: string | null;
  can(permission: string): boolean;
  /** `can` with an id from `Gate.permissionId` (ids change when the snapshot updates). */
  canId(permissionId: number): boolean;
}

/**
 * Where the engine's .wasm comes from, for `init` or `Gate.load`'s `wasm` option: a URL,
 * a `Response` (or a promise of one), its bytes, or a compiled `WebAssembly.Module`.
 */
export type WasmSource = string | URL | ArrayBuffer | ArrayBufferView | object;

/** A gate's event, as delivered to its listeners. */
export interface GateEvent {
  readonly type: string;
}

/** A listener; declared as a method so that DOM code may type its event as `Event`. */
export type GateListener = { bivarianceHack(event: GateEvent): void }["bivarianceHack"] | { handleEvent(event: GateEvent): void };

export declare class Gate {
  /**
   * Verifies and loads snapshot bytes; throws a `RolegateError` with a code when refused.
   * Works at once in every entry but `rolegate/slim`, which needs `await init(wasm)` first.
   */
  constructor(bytes: Uint8Array | ArrayBuffer, options: GateOptions);
  /** Initialises the engine if needed (from `options.wasm` when given), then loads: the one way that works everywhere. */
  static load(bytes: Uint8Array | ArrayBuffer, options: GateOptions & { wasm?: WasmSource }): Promise<Gate>;
  /** Whether `subject` holds `permission` on `scope` (default: the tenant root). Unknown names deny. */
  can(subject: string, permission: string, scope?: string | null): boolean;
  explain(subject: string, permission: string, scope?: string | null): Decision;
  permissions(subject: string, scope?: string | null): string[];
  whoCan(permission: string, scope?: string | null): string[];
  permissionId(permission: string): number;
  bind(subject: string, scope?: string | null): Binding;
  /** Atomically swaps in a newer snapshot; a refused one throws and the old one keeps serving. */
  update(bytes: Uint8Array | ArrayBuffer): void;
  /**
   * Applies a signed delta (`rolegate build --delta-from OLD`) built on exactly the snapshot
   * serving; refused with `DELTA_BASE` (fetch the full snapshot), `DELTA_MISMATCH`,
   * `BAD_SIGNATURE`, ... while the old one keeps serving.
   */
  applyDelta(bytes: Uint8Array | ArrayBuffer): void;
  /** Whether a subject is in the snapshot and active (a revoked key is "inactive"). */
  subjectStatus(subject: string): "active" | "inactive" | "unknown";
  subjectForToken(token: string): string | null;
  subjectForTokenHash(sha256: Uint8Array): string | null;
  readonly tenant: string;
  readonly revision: number;
  readonly issuedAt: Date;
  readonly expiresAt: Date | null;
  readonly expired: boolean;
  readonly keyId: string | null;
  readonly sliceSubject: string | null;
  /** The snapshot's scope ids, root first (a copy). */
  readonly scopes: string[];
  /** About how many bytes the gate holds (snapshot and indexes in wasm memory, check cache, name maps); 0 once closed. */
  readonly memoryBytes: number;
  /** Frees the gate's wasm memory now; afterwards checks deny and other calls throw `CLOSED`. `Symbol.dispose` does the same (`using gate = ...`). */
  close(): void;
  readonly closed: boolean;
  /** `updated` after a successful `update`; `expired` once, when a check finds the snapshot expired. A throwing listener is reported, never rethrown. */
  addEventListener(type: "updated" | "expired" | (string & {}), listener: GateListener | null, options?: boolean | { once?: boolean; signal?: unknown }): void;
  removeEventListener(type: string, listener: GateListener | null, options?: boolean | { capture?: boolean }): void;
}

/** Initialises the engine once: from `wasm` when given, else from the entry's own .wasm. */
export declare function init(wasm?: WasmSource | PromiseLike<WasmSource>): Promise<void>;

/** `await ready` initialises the engine from the entry's own .wasm. */
export declare const ready: PromiseLike<void>;

export type SnapshotBytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** Where a snapshot source reads from: exactly one of these. */
export type SnapshotOrigin =
  | { /** Bytes bundled with the code (a module or data binding): no refresh. */ snapshot: SnapshotBytes }
  | { /** A KV-style getter, called again every `refresh` ms; identical bytes are skipped. */ get: (env?: any) => SnapshotBytes | null | undefined | Promise<SnapshotBytes | null | undefined> }
  | { /** A URL revalidated with If-None-Match every `refresh` ms. */ url: string | URL; fetch?: typeof fetch };

export type SnapshotSourceOptions = GateOptions &
  SnapshotOrigin & {
    /** Ms between refreshes (default 60000); checked on use, refreshed in the background. */
    refresh?: number;
    /** A refused or failed refresh (the current snapshot keeps serving). */
    onError?: (error: Error & { code?: string }) => void;
    onUpdate?: (gate: Gate) => void;
    /** A Server-Sent Events URL whose `revision` events push new revisions (needs `get` or `url`). */
    events?: string | URL;
    /** A signed delta from `revision` (`rolegate build --delta-from`), or null when none is published: tried before each full fetch; a refused one falls back to it. */
    delta?: (revision: number, env?: any) => SnapshotBytes | null | undefined | Promise<SnapshotBytes | null | undefined>;
  };

export interface SnapshotSource {
  /** The gate, loaded on first call (rejects while none can load) and refreshed when due. */
  (env?: any, ctx?: { waitUntil?(promise: Promise<unknown>): void }): Promise<Gate>;
  /** Fetches now; resolves to whether a new snapshot loaded. */
  refresh(env?: any): Promise<boolean>;
  /** The gate serving now, or null before the first load. */
  current(): Gate | null;
  /** Stops listening for pushed revisions. */
  stop(): void;
}

/** A gate fed from a snapshot source and kept fresh: pass it as the guard's `gate`. */
export declare function snapshotSource(options: SnapshotSourceOptions): SnapshotSource;

/** The request a guard hands a gate getter: its method, path (null inside a framework's router), headers, and the original request. */
export interface GuardRequest {
  method: string;
  path: string | null;
  header(name: string): string | null;
  original: unknown;
}

export type TenantSourceOptions = Omit<GateOptions, "keys" | "tenant"> & {
  /** Where a request names its tenant: a header, the host (`{ host: ".example.com" }`: acme.example.com is `acme`), a path segment, or a function. */
  tenant: { header: string } | { host: string } | { path: number } | ((request: GuardRequest) => string | null);
  /** The tenant's snapshot bytes (KV, R2, a URL, a file); null when there is none. */
  load: (tenant: string, env?: any) => SnapshotBytes | null | undefined | Promise<SnapshotBytes | null | undefined>;
  /** A signed delta of the tenant from `revision`, or null when none is published: tried before each background refresh's full load; a refused one falls back to it. */
  delta?: (tenant: string, revision: number, env?: any) => SnapshotBytes | null | undefined | Promise<SnapshotBytes | null | undefined>;
  /** The trusted keys, or per tenant (keys rotate per tenant). */
  keys: GateOptions["keys"] | ((tenant: string) => GateOptions["keys"]);
  /** Bytes the held gates may count (`gate.memoryBytes`); the least recently used are closed to stay under. */
  memoryCap: number;
  /** Ms between background refreshes of a held tenant (default 60000). */
  refresh?: number;
  /** Ms before a tenant that failed to load is tried again (default 1000; meanwhile 503). */
  retryAfter?: number;
  /** At most this many tenants held (default: no limit but the cap). */
  maxTenants?: number;
  onError?: (error: Error & { code?: string; tenant: string }) => void;
  onEvict?: (tenant: string) => void;
  onLoad?: (tenant: string, gate: Gate) => void;
};

export interface TenantSource {
  /** The gate of the request's tenant, loaded on first use: pass the source as a guard's `gate`. */
  (env: any, ctx: { waitUntil?(promise: Promise<unknown>): void } | undefined, request: GuardRequest): Promise<Gate>;
  current(tenant: string): Gate | null;
  /** Held tenants, least recently used first. */
  tenants(): string[];
  stats(): { memoryBytes: number; memoryCap: number; engineMemoryBytes: number; tenants: number; hits: number; loads: number; evictions: number; failures: number };
  evict(tenant: string): void;
  close(): void;
}

/** Gates for many tenants in one isolate, under a memory cap (docs/tenants.md). */
export declare function tenantSource(options: TenantSourceOptions): TenantSource;
/** The engine instance's memory in bytes: every gate of the isolate lives in it (it never shrinks). */
export declare function engineMemoryBytes(): number;
