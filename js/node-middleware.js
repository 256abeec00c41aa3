// rolegate/node: the request guard as Connect/Express-style middleware, and a plain
// `authorize(request)` for other frameworks (Fastify, Hono, raw node:http).
import { requestGuard } from "./routes.js";

function headerOf(request) {
  // node:http IncomingMessage (lowercase keys), or a WHATWG Request.
  if (typeof request.headers?.get === "function") return (name) => request.headers.get(name);
  return (name) => {
    const value = request.headers?.[name.toLowerCase()];
    return Array.isArray(value) ? value.join(", ") : (value ?? null);
  };
}

/**
 * `authorize(request)` resolves to `{status: 200, subject, params, decision}` or
 * `{status, body}` to send. Options as in rolegate/edge's `guard`.
 */
export function authorizer(options) {
  const authorize = requestGuard(options, "authorizer");
  return (request) => {
    const url = new URL(request.originalUrl ?? request.url, "http://localhost");
    return authorize({ method: request.method, path: url.pathname, header: headerOf(request), original: request });
  };
}

/** Connect/Express middleware: denies with JSON, or sets `req.rolegate` and calls `next()`. */
export function middleware(options) {
  const authorize = authorizer(options);
  return (req, res, next) => {
    authorize(req).then(
      (outcome) => {
        if (outcome.status === 200) {
          req.rolegate = outcome;
          next();
        } else {
          res.statusCode = outcome.status;
          res.setHeader("content-type", "application/json");
          res.setHeader("cache-control", "no-store");
          res.end(JSON.stringify(outcome.body));
        }
      },
      (error) => next(error),
    );
  };
}
