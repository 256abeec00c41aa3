// rolegate/edge: a guard for fetch handlers (workerd / Cloudflare Workers, Deno, any
// Request → Response runtime). Enforcement: the same snapshot that gates the UI.
import { headersOf, requestGuard } from "./routes.js";
import { typeError } from "./errors.js";

/**
 * Wraps `handler(request, context)` so it only runs for allowed requests.
 *
 * Options: `gate` (a Gate, or a function of `(env, ctx)` returning one or a promise of
 * one, such as `snapshotSource(...)`: it must load lazily, inside a handler, since time
 * stands still at module scope in Workers; 503 while none can be loaded),
 * `routes` (`[{method, path: "/projects/:project/roles", permission | all | any, scope:
 * {param} | {header} | {fixed}}]`), `apiKey` (default true: `Authorization: Bearer`),
 * `header` (a subject id set by a trusted upstream), `identify(request)` (a callback),
 * `unmatched` (`"deny"`, the default, or `"allow"`). The handler gets `context.rolegate`
 * = `{subject, params, decision}`. Denials are JSON: 401 for missing, unknown or revoked
 * credentials, 403 naming the missing permission, 400 for malformed requests.
 */
export function guard(handler, options) {
  if (typeof handler !== "function") throw typeError("guard needs the handler to protect");
  const authorize = requestGuard(options, "guard");
  return async (request, env, ctx) => {
    // The runtime has already resolved dot segments and backslashes in `request.url`, and
    // a forwarded `request` reaches the origin with exactly this path.
    const url = new URL(request.url);
    const wrapped = { method: request.method, path: url.pathname, ...headersOf(request), original: request };
    const outcome = await authorize(wrapped, env, ctx);
    if (outcome.status !== 200) return Response.json(outcome.body, { status: outcome.status, headers: { "cache-control": "no-store" } });
    const context = ctx ?? {};
    context.rolegate = outcome;
    return handler(request, env, context);
  };
}
export { decisionLogger } from "./decision-log.js";
