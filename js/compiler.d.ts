// rolegate/compiler: compile and sign snapshots from JavaScript (see docs/npm.md).

/** A policy document, `rolegate.policy/1` (docs/policy.md). */
export interface PolicyDocument {
  format: "rolegate.policy/1";
  tenant: string;
  permissions?: Array<{ name: string; group?: string; description?: string }>;
  /** The scope tree: the first scope without a parent is the tenant root. */
  scopes?: Array<{ id: string; parent?: string; kind?: string; name?: string }>;
  roles?: Array<{
    name: string;
    /** System roles cannot be edited or deleted by tenants (seed 002). */
    system?: boolean;
    description?: string;
    extends?: string[];
    /** Permission names, `resource.*` and `*` wildcards. */
    permissions?: string[];
    min_holders?: number;
    max_holders?: number;
  }>;
  subjects?: Array<{
    id: string;
    kind: "user" | "api_key";
    active?: boolean;
    /** An API key's token hash (hex SHA-256); only its hash is ever stored. */
    token_sha256?: string;
    grants?: Array<{ role: string; scope: string; expires_at?: string }>;
  }>;
}

/** One mistake in a policy, as the CLI reports it. */
export interface Diagnostic {
  code: string;
  message: string;
  /** The JSON path of the mistake (`subjects[1].grants[0].role`). */
  path?: string;
  /** Its 1-based line (of the text given, or of `JSON.stringify(document, null, 2)`). */
  line?: number;
  /** The name meant, when one is close. */
  suggestion?: string;
}

export type CompileResult = { ok: true; compiled: CompiledPolicy; errors: [] } | { ok: false; errors: Diagnostic[] };

export declare class CompiledPolicy {
  private constructor();
  readonly tenant: string;
  /** Every subject id, in the policy's order. */
  readonly subjects: string[];
  /** Frees its wasm memory at once. */
  free(): void;
  /** `Symbol.dispose` also frees it (`using compiled = ...`). */
}

export type PolicyInput = PolicyDocument | string | Uint8Array;
export type PolicyOrCompiled = PolicyInput | CompiledPolicy;

/** A key file as `rolegate keygen` writes it (JSON text or parsed), or an environment variable holding one. */
export type SigningKeyInput = string | { format: string; key_id: string; secret_key: string; public_key: string } | { env: string };

/** Signs the bytes given (the signed part of a snapshot) with Ed25519: 64 bytes. */
export type Signer = (bytes: Uint8Array) => Uint8Array | ArrayBuffer | Promise<Uint8Array | ArrayBuffer>;

interface StampOptions {
  /** Default: the Unix time in seconds, so successive builds only grow. */
  revision?: number;
  /** Default: now. */
  issuedAt?: Date | string | number;
  /** `"15m"`, `"12h"`, `"7d"`, `"1h30m"` or seconds; default no expiry. */
  ttl?: string | number;
}

export type SignOptions = StampOptions & {
  /** Cut the snapshot to this subject's slice (what a browser should get). */
  subject?: string;
} & ({ key: SigningKeyInput; signer?: undefined; keyId?: string } | { signer: Signer; keyId: string; key?: undefined });

export interface SliceOptions extends StampOptions {
  key?: SigningKeyInput;
  signer?: Signer;
  keyId?: string;
  /** Default: every subject. */
  subjects?: string[];
}

export interface Diff {
  permissions_added: string[];
  permissions_removed: string[];
  roles_added: string[];
  roles_removed: string[];
  roles_changed: Array<{ name: string; system: boolean; gained: string[]; lost: string[]; system_flag_changed: boolean }>;
  access: Array<{ subject: string; scope: string | null; gained: string[]; lost: string[] }>;
  warnings: string[];
}

export interface LintWarning {
  code: string;
  message: string;
  path: string;
  line: number | null;
}

export interface AccessLevel {
  subject: string;
  kind: "user" | "api_key";
  active: boolean;
  level: "none" | "tenant_wide" | "per_scope" | "mixed";
  grants: Array<{ role: string; scope: string; kind: string | null; expires_at: number | null }>;
}

/** Compiles a policy: `{ ok, compiled }` or `{ ok: false, errors }` with every mistake. */
export declare function compile(policy: PolicyInput): CompileResult;
/** Signs the whole tenant or `subject`'s slice into snapshot bytes. */
export declare function sign(policy: PolicyOrCompiled, options: SignOptions): Promise<Uint8Array>;
/** `sign` with a `key`, synchronously. */
export declare function signSync(policy: PolicyOrCompiled, options: StampOptions & { key: SigningKeyInput; subject?: string }): Uint8Array;
/**
 * A signed delta from `oldSnapshot` to `policy` (same tenant and slice, a higher revision),
 * for `gate.applyDelta`: what it builds equals `signSync(policy, options)`'s payload.
 */
export declare function delta(oldSnapshot: Uint8Array | ArrayBuffer, policy: PolicyOrCompiled, options: StampOptions & { key: SigningKeyInput; subject?: string }): Uint8Array;
/** Every subject's slice (or those in `subjects`) from one compile. */
export declare function slices(policy: PolicyOrCompiled, options: SliceOptions): Promise<Map<string, Uint8Array>>;
export declare function diff(oldPolicy: PolicyOrCompiled, newPolicy: PolicyOrCompiled, options?: { now?: Date | number }): Diff;
export declare function lint(policy: PolicyInput): LintWarning[];
export declare function typegen(policy: PolicyOrCompiled, options?: { scopes?: boolean; name?: string }): string;
export declare function access(policy: PolicyOrCompiled, options?: { subject?: string; now?: Date | number }): AccessLevel[];
/** A new signing key: the key file's JSON (`key`), its `keyId` and `publicKey` (`KEY_ID=BASE64`). */
export declare function keygen(options?: { keyId?: string }): { key: string; keyId: string; publicKey: string };
/** A signing key's public key as `KEY_ID=BASE64`. */
export declare function publicKey(key: SigningKeyInput): string;
