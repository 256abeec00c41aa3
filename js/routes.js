// The request guard shared by rolegate/edge (fetch handlers) and rolegate/node
// (Connect/Express middleware): a route table maps method + path to the permissions a
// caller needs and where the scope comes from; a caller is found by API key, a trusted
// upstream header or a callback; the answer is allow, 401 or 403.

import { readOptions, readSafely, typeError } from "./errors.js";

const MAX_TOKEN_LENGTH = 512;
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*"]);

/** Compiles `/projects/:project/roles/:role` into a matcher of path segments returning params or null. */
function compilePath(pattern) {
  if (typeof pattern !== "string" || !pattern.startsWith("/")) throw typeError(`a route path must start with "/": ${pattern}`);
  const parts = pattern.split("/").slice(1);
  return (segments) => {
    if (segments.length !== parts.length) return null;
    const params = {};
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const segment = segments[i];
      if (part.startsWith(":")) {
        if (segment === "") return null;
        params[part.slice(1)] = segment;
      } else if (part !== segment) {
        return null;
      }
    }
    return params;
  };
}

/** Validates and compiles a route table; whatever throws while reading it is a TypeError. */
function compileRoutes(routes) {
  return readSafely("`routes`", () => compileEach(routes));
}

function compileEach(routes) {
  if (!Array.isArray(routes)) throw typeError("`routes` must be an array");
  return routes.map((route, i) => {
    const where = `routes[${i}]`;
    if (route === null || typeof route !== "object") throw typeError(`${where} must be an object`);
    const methods = [route.method ?? "*"].flat().map((m) => (typeof m === "string" ? m.toUpperCase() : m));
    for (const m of methods) if (!METHODS.has(m)) throw typeError(`${where}: unknown method ${String(m)}`);
    const needs = route.permission !== undefined ? { all: [route.permission] } : route.all !== undefined ? { all: route.all } : { any: route.any };
    const list = needs.all ?? needs.any;
    if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== "string")) {
      throw typeError(`${where} needs \`permission\`, \`all\` or \`any\` naming permissions`);
    }
    const scope = route.scope ?? null;
    if (scope !== null && !(typeof scope.param === "string" || typeof scope.header === "string" || typeof scope.fixed === "string")) {
      throw typeError(`${where}: \`scope\` is {param}, {header} or {fixed}`);
    }
    return { methods, match: compilePath(route.path), needs, scope, route };
  });
}

function json(status, body) {
  return { status, body };
}

/**
 * Decides a request. `request` is `{method, path, header(name)}`. Resolves to
 * `{status: 200, subject, params, decision, route}` when allowed, or
 * `{status: 400 | 401 | 403, body}` otherwise (bodies name what is missing, nothing internal).
 */
async function decide(gate, routes, identify, request, unmatched = "deny") {
  let path;
  try {
    path = decodeURI(request.path);
  } catch {
    return json(400, { error: "bad_request", message: "the path is not valid percent-encoding" });
  }
  if (path.includes("\0") || path.length > 2048) return json(400, { error: "bad_request", message: "unacceptable path" });
  const method = request.method.toUpperCase();
  const segments = path.split("/").slice(1);
  let found = null;
  for (const r of routes) {
    if (!r.methods.includes(method) && !r.methods.includes("*")) continue;
    const params = r.match(segments);
    if (params) {
      found = { r, params };
      break;
    }
  }
  if (!found) {
    return unmatched === "allow" ? { status: 200, subject: null, params: {}, decision: null, route: null } : json(403, { error: "forbidden", message: "no route allows this request" });
  }

  const subject = await identify(request, gate);
  const status = subject === null || subject === undefined ? "unknown" : gate.subjectStatus(subject);
  if (status === "unknown") return json(401, { error: "unauthenticated", message: "missing or unknown credentials" });
  if (status !== "active") return json(401, { error: "unauthenticated", message: "the credentials are revoked or deactivated" });

  const { scope } = found.r;
  const at = scope === null ? undefined : scope.fixed ?? (scope.param !== undefined ? found.params[scope.param] : request.header(scope.header) ?? undefined);
  if (scope !== null && (at === undefined || at === "")) return json(400, { error: "bad_request", message: "the request names no scope" });
  const { all, any } = found.r.needs;
  const list = all ?? any;
  const held = list.filter((p) => gate.can(subject, p, at));
  const allowed = all ? held.length === list.length : held.length > 0;
  if (!allowed) {
    return json(403, { error: "forbidden", missing: list.filter((p) => !held.includes(p)), scope: at ?? null });
  }
  // The decision (which role and grant allowed it) is worked out only when read.
  let decision;
  return {
    status: 200,
    subject,
    params: found.params,
    get decision() {
      return (decision ??= gate.explain(subject, held[0], at));
    },
    route: found.r.route,
  };
}

/**
 * Builds the `identify(request)` function from options: `apiKey` (Authorization: Bearer
 * TOKEN, looked up by SHA-256 with WebCrypto), `header` (a subject id set by a trusted
 * upstream), `callback(request)`; tried in that order.
 */
function identifier(options) {
  const { apiKey = true, header, callback } = options;
  if (header !== undefined && typeof header !== "string") throw typeError("`header` must be a header name");
  if (callback !== undefined && typeof callback !== "function") throw typeError("`identify` must be a function");
  return async (request, gate) => {
    const authorization = request.header("authorization");
    if (apiKey && authorization) {
      const match = /^Bearer ([\x21-\x7e]+)$/.exec(authorization);
      if (!match || match[1].length > MAX_TOKEN_LENGTH) return null;
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(match[1])));
      return gate.subjectForTokenHash(digest);
    }
    if (header) {
      const subject = request.header(header);
      if (subject) return subject;
    }
    if (callback) return (await callback(request.original)) ?? null;
    return null;
  };
}

/**
 * The guard both layers share: validates `options` (`gate`, or a function of `(env, ctx)`
 * returning one, such as a `snapshotSource`; `routes`, `apiKey`, `header`, `identify`,
 * `unmatched`) and returns `authorize({method, path, header(name), original}, env, ctx)`,
 * resolving as `decide` does, or to 503 while no snapshot can be loaded.
 */
export function requestGuard(options, caller) {
  options = readOptions(options, ["gate", "routes", "apiKey", "header", "identify", "unmatched"], `${caller}'s options (\`gate\`, \`routes\`, ...)`);
  const routes = compileRoutes(options.routes);
  const getGate = typeof options.gate === "function" ? options.gate : () => options.gate;
  const identify = identifier({ apiKey: options.apiKey, header: options.header, callback: options.identify });
  return async (request, env, ctx) => {
    let gate;
    try {
      gate = await getGate(env, ctx);
    } catch {
      // No snapshot could be loaded (the source reports why): deny, and say it is temporary.
      return json(503, { error: "unavailable", message: "no role snapshot is loaded" });
    }
    return decide(gate, routes, identify, request, options.unmatched);
  };
}
