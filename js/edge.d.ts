// Types of rolegate/edge.
import type { Decision, Gate } from "./index.js";

export type Scope = { param: string } | { header: string } | { fixed: string };

export type Route = {
  method?: string | string[];
  /** `/projects/:project/roles`: `:name` segments become params. */
  path: string;
  scope?: Scope;
} & ({ permission: string } | { all: string[] } | { any: string[] });

export interface GuardOptions {
  /**
   * The gate, or a (possibly async) function of `(env, ctx)` returning it, such as a
   * `snapshotSource(...)`: create it lazily in Workers. While it rejects, requests get 503.
   */
  gate: Gate | ((env?: any, ctx?: any) => Gate | Promise<Gate>);
  routes: Route[];
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
