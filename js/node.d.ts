// Types of rolegate/node (the middleware; the package's Node entry is "rolegate").
import type { Allowed, GuardOptions } from "./edge.js";
export { decisionLogger, type DecisionBatch, type DecisionLogger, type DecisionRecord } from "./edge.js";

export type Denied = { status: 400 | 401 | 403 | 503; body: { error: string; message?: string; missing?: string[]; scope?: string | null; code?: "EXPIRED" } };

/** What one route needs: a permission name, or all / any of a list. */
export type Requirement = string | { permission: string } | { all: string[] } | { any: string[] };

/** Where the route's scope comes from: a param name (`"project"`), `{param}`, `{header}` or `{fixed}`; none: the tenant root. */
export type RequirementOptions = { scope?: string | { param: string } | { header: string } | { fixed: string } };

/** The gate and how to find the caller, for per-route guards. */
export type CallerOptions = Pick<GuardOptions, "gate" | "apiKey" | "header" | "onDecision"> & {
  identify?: (request: any) => string | null | undefined | Promise<string | null | undefined>;
};

/** Express / Connect: `app.delete("/projects/:project", rolegate.require("projects.delete", { scope: "project" }), handler)`; sets `req.rolegate`. */
export declare function forExpress(options: CallerOptions): {
  require(requirement: Requirement, options?: RequirementOptions): (req: any, res: any, next: (error?: unknown) => void) => void;
};

/** Fastify: `{ preHandler: rolegate.require("projects.delete", { scope: "project" }) }`; sets `request.rolegate`. */
export declare function forFastify(options: CallerOptions): {
  require(requirement: Requirement, options?: RequirementOptions): (request: any, reply: any) => Promise<unknown>;
};

/** Hono: `app.delete("/projects/:project", rolegate.require("projects.delete", { scope: "project" }), handler)`; sets `c.get("rolegate")`. */
export declare function forHono(options: CallerOptions): {
  require(requirement: Requirement, options?: RequirementOptions): (c: any, next: () => Promise<void>) => Promise<Response | void>;
};

export interface NodeRequestLike {
  method: string;
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined> | Headers;
}

export declare function authorizer(options: Omit<GuardOptions, "identify"> & { identify?: (request: any) => string | null | undefined | Promise<string | null | undefined> }): (request: NodeRequestLike) => Promise<Allowed | Denied>;

export declare function middleware(options: Parameters<typeof authorizer>[0]): (req: any, res: any, next: (error?: unknown) => void) => void;

declare global {
  // Express's Request (from @types/express, when present) carries what a guard decided.
  namespace Express {
    interface Request {
      /** Set by `forExpress(...).require(...)` or `middleware(...)` for an allowed request. */
      rolegate?: Allowed;
    }
  }
}
