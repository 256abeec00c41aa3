// rolegate/node: enforcement inside Node frameworks. The recommended way is per route,
// inside the framework's own router, on the params the framework decoded, so the check
// and the handler cannot disagree about the route or the scope: forExpress (also
// Connect-style routers), forFastify (a preHandler) and forHono (route middleware).
// `middleware()` / `authorizer()` judge a request against a route table instead (the
// guard as router), for servers without a router of their own.
import { headersOf, requestGuard, requirements } from "./routes.js";

function wrap(request, path) {
  return { method: request.method, path, ...headersOf(request), original: request };
}

function sendJson(res, outcome) {
  res.statusCode = outcome.status;
  res.setHeader("content-type", "application/json");
  res.setHeader("cache-control", "no-store");
  res.end(JSON.stringify(outcome.body));
}

/**
 * Express / Connect: `const rolegate = forExpress({ gate, header })`, then
 * `app.delete("/projects/:project", rolegate.require("projects.delete", { scope: "project" }), handler)`.
 * Allowed requests get `req.rolegate = {subject, params, decision}`; others a JSON 4xx/503.
 */
export function forExpress(options) {
  const require = requirements(options, "forExpress");
  return {
    require(spec, more) {
      const check = require(spec, more);
      return (req, res, next) => {
        check(wrap(req, null), req.params).then((outcome) => {
          if (outcome.status !== 200) return sendJson(res, outcome);
          req.rolegate = outcome;
          next();
        }, next);
      };
    },
  };
}

/**
 * Fastify: `app.delete("/projects/:project", { preHandler: rolegate.require("projects.delete", { scope: "project" }) }, handler)`.
 * Allowed requests get `request.rolegate`.
 */
export function forFastify(options) {
  const require = requirements(options, "forFastify");
  return {
    require(spec, more) {
      const check = require(spec, more);
      return async (request, reply) => {
        const outcome = await check(wrap(request.raw ?? request, null), request.params);
        if (outcome.status !== 200) {
          return reply.code(outcome.status).header("cache-control", "no-store").send(outcome.body);
        }
        request.rolegate = outcome;
      };
    },
  };
}

/** Hono's execution context where there is one (Workers); its getter throws elsewhere. */
function executionContext(c) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/**
 * Hono: `app.delete("/projects/:project", rolegate.require("projects.delete", { scope: "project" }), handler)`.
 * Allowed requests get `c.get("rolegate")`.
 */
export function forHono(options) {
  const require = requirements(options, "forHono");
  return {
    require(spec, more) {
      const check = require(spec, more);
      return async (c, next) => {
        const outcome = await check(wrap(c.req.raw, null), c.req.param(), c.env, executionContext(c));
        if (outcome.status !== 200) return c.json(outcome.body, outcome.status, { "cache-control": "no-store" });
        c.set("rolegate", outcome);
        await next();
      };
    },
  };
}

/**
 * `authorize(request)` resolves to `{status: 200, subject, params, decision}` or
 * `{status, body}` to send, judged against a route table (options as in rolegate/edge's
 * `guard`). The path is the one the server received, before any normalisation.
 */
export function authorizer(options) {
  const authorize = requestGuard(options, "authorizer");
  return (request) => {
    const raw = request.originalUrl ?? request.url ?? "";
    const path = raw.startsWith("/") ? raw.split("?")[0].split("#")[0] : new URL(raw, "http://localhost").pathname;
    return authorize(wrap(request, path));
  };
}

/** Connect/Express middleware over a route table: denies with JSON, or sets `req.rolegate` and calls `next()`. */
export function middleware(options) {
  const authorize = authorizer(options);
  return (req, res, next) => {
    authorize(req).then((outcome) => {
      if (outcome.status !== 200) return sendJson(res, outcome);
      req.rolegate = outcome;
      next();
    }, next);
  };
}
export { decisionLogger } from "./decision-log.js";
