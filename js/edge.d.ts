// Types of rolegate/edge.
import type { Decision, Gate } from "./index.js";

export type Scope = { param: string } | { header: string } | { fixed: string };

export type Route = {
  method?: string | string[];
  /** `/projects/:project/roles`: `:name` segments become params. */
  path: string;
  scope?: Scope;
} & ({ permission: string } | { all: string[] } | { any: string[] });

/** One decision of a guard, for decision logs. */
export interface DecisionRecord {
  time: number;
  tenant: string;
  revision: number;
  keyId: string | null;
  subject: string | null;
  /** The permission that decided (the first missing one for a denial). */
  permission: string | null;
  scope: string | null;
  allowed: boolean;
  /** `granted`, `no_grant`, `unknown_subject`, `inactive_subject`, `grant_expired`, `snapshot_expired`, `no_scope`, ... */
  reason: string | null;
  /** The route pattern that matched (null inside a framework's router). */
  route: string | null;
  status: number;
}

export interface DecisionBatch {
  decisions: DecisionRecord[];
  /** Records lost to a full buffer since the previous batch: never dropped silently. */
  dropped: number;
  sampleAllows: number;
}

export interface DecisionLogger {
  (record: DecisionRecord, ctx?: { waitUntil?(promise: Promise<unknown>): void }): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): { logged: number; sampledOut: number; dropped: number; sent: number; failed: number; buffered: number };
}

/** A batching decision logger: pass it as a guard's `onDecision`. */
export declare function decisionLogger(options: ({ url: string | URL; fetch?: typeof fetch; headers?: Record<string, string> } | { send: (batch: DecisionBatch) => void | Promise<void> }) & {
  /** Records per batch (default 100). */
  batchSize?: number;
  /** Ms before a partial batch is sent (default 5000; in Workers at most 1000, through ctx.waitUntil). */
  flushInterval?: number;
  /** The fraction of allows kept (default 1). */
  sampleAllows?: number;
  /** Keep every denial (default true). */
  keepDenials?: boolean;
  /** Records held at most; more are counted as dropped (default 10000). */
  maxBuffer?: number;
  onError?: (error: Error, batch: DecisionBatch) => void;
  random?: () => number;
}): DecisionLogger;

export interface GuardOptions {
  /**
   * The gate, or a (possibly async) function of `(env, ctx)` returning it, such as a
   * `snapshotSource(...)`: create it lazily in Workers. While it rejects, requests get 503.
   */
  gate: Gate | ((env?: any, ctx?: any, request?: any) => Gate | Promise<Gate>);
  routes: Route[];
  /** Called with every decision the guard makes (see `decisionLogger`); what it throws is ignored. */
  onDecision?: (record: DecisionRecord, ctx?: { waitUntil?(promise: Promise<unknown>): void }) => void;
  /** Look up `Authorization: Bearer TOKEN` by SHA-256 (default true). */
  apiKey?: boolean;
  /** A header carrying the subject id, set by a trusted upstream authenticator. */
  header?: string;
  identify?: (request: Request) => string | null | undefined | Promise<string | null | undefined>;
  /**
   * Requests no route matches: denied (403) by default. `"allow"` lets them through
   * unchecked, which is unsafe in front of an origin that routes differently; the guard
   * warns when it is configured.
   */
  unmatched?: "deny" | "allow";
  /** Literal path segments compared case-sensitively (default false, as Express). */
  caseSensitive?: boolean;
  /** `"ignore"` (default): `/roles/` is `/roles`; `"strict"`: it matches no route. */
  trailingSlash?: "ignore" | "strict";
  /** HEAD requests judged by GET routes (default true, as most frameworks serve them). */
  headAsGet?: boolean;
  /** A `%2F` inside a segment: `"refuse"` (default, 400) or `"keep"` (a literal `/` in the param). */
  encodedSlash?: "refuse" | "keep";
}

export interface Allowed {
  status: 200;
  subject: string | null;
  params: Record<string, string>;
  decision: Decision | null;
  route: Route | null;
}

/** What a Workers runtime passes as the third argument: `waitUntil` keeps background work (a snapshot refresh) alive. */
export interface ExecutionContextLike {
  waitUntil?(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

export declare function guard<Env = unknown, Context extends ExecutionContextLike = ExecutionContextLike>(
  handler: (request: Request, env: Env, context: Context & { rolegate: Allowed }) => Response | Promise<Response>,
  options: GuardOptions,
): (request: Request, env?: Env, context?: Context) => Promise<Response>;
