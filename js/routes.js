// The request guard shared by rolegate/edge (fetch handlers) and rolegate/node: what a
// request needs (permissions and where its scope comes from), who the caller is (API
// key, a trusted upstream header or a callback), and the answer: allow, 400, 401, 403 or
// 503. Two ways in: per route, inside a framework's own router, on the params it decoded
// (`requirement`, used by rolegate/node's forExpress/forFastify/forHono); or as the
// router itself, from a route table (`requestGuard`, used by rolegate/edge's guard and
// rolegate/node's middleware), with matching defined exactly below.

import { readOptions, readSafely, typeError } from "./errors.js";

const MAX_TOKEN_LENGTH = 512;
const MAX_PATH_LENGTH = 2048;
const OVERRIDES = ["x-http-method-override", "x-http-method", "x-method-override"];
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*"]);

/** A route's literal segment and a request's, compared as `caseSensitive` says. */
function literal(part, caseSensitive) {
  if (caseSensitive) return (segment) => segment === part;
  const lower = part.toLowerCase();
  return (segment) => segment.toLowerCase() === lower;
}

/** Compiles `/projects/:project/roles/:role` into a matcher of decoded segments returning params or null. */
function compilePath(pattern, caseSensitive) {
  if (typeof pattern !== "string" || !pattern.startsWith("/")) throw typeError(`a route path must start with "/": ${pattern}`);
  const parts = pattern
    .split("/")
    .slice(1)
    .filter((part, i, all) => part !== "" || i < all.length - 1);
  const tests = parts.map((part) => (part.startsWith(":") ? part.slice(1) : literal(part, caseSensitive)));
  return (segments) => {
    if (segments.length !== tests.length) return null;
    const params = {};
    for (let i = 0; i < tests.length; i++) {
      const t = tests[i];
      if (typeof t === "string") params[t] = segments[i];
      else if (!t(segments[i])) return null;
    }
    return params;
  };
}

/** What a route needs: `{all: [...]}` or `{any: [...]}`, from `permission`, `all` or `any`. */
function needsOf(spec, where) {
  const needs = typeof spec === "string" ? { all: [spec] } : spec.permission !== undefined ? { all: [spec.permission] } : spec.all !== undefined ? { all: spec.all } : { any: spec.any };
  const list = needs.all ?? needs.any;
  if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== "string")) {
    throw typeError(`${where} needs \`permission\`, \`all\` or \`any\` naming permissions`);
  }
  return { all: needs.all && [...needs.all], any: needs.any && [...needs.any] };
}

/** Where a route's scope comes from: `{param}`, `{header}`, `{fixed}`, or null for the tenant root. */
function scopeOf(scope, where) {
  if (scope === undefined || scope === null) return null;
  if (typeof scope === "string") return { param: scope };
  if (typeof scope.param === "string") return { param: scope.param };
  if (typeof scope.header === "string") return { header: scope.header.toLowerCase() };
  if (typeof scope.fixed === "string") return { fixed: scope.fixed };
  throw typeError(`${where}: \`scope\` is a param name, {param}, {header} or {fixed}`);
}

/** Validates and compiles a route table; whatever throws while reading it is a TypeError. */
function compileRoutes(routes, caseSensitive) {
  return readSafely("`routes`", () => {
    if (!Array.isArray(routes)) throw typeError("`routes` must be an array");
    return routes.map((route, i) => {
      const where = `routes[${i}]`;
      if (route === null || typeof route !== "object") throw typeError(`${where} must be an object`);
      const methods = [route.method ?? "*"].flat().map((m) => (typeof m === "string" ? m.toUpperCase() : m));
      for (const m of methods) if (!METHODS.has(m)) throw typeError(`${where}: unknown method ${String(m)}`);
      return { methods, match: compilePath(route.path, caseSensitive), needs: needsOf(route, where), scope: scopeOf(route.scope, where), route };
    });
  });
}

/** Header access for a node:http IncomingMessage (lowercase keys) or a WHATWG Request. */
export function headersOf(request) {
  if (typeof request.headers?.get === "function") {
    // Fetch joins a repeated header's values with ", ".
    const get = (name) => request.headers.get(name);
    return { header: get, repeated: (name) => (get(name) ?? "").includes(", ") };
  }
  return {
    header: (name) => {
      const value = request.headers?.[name.toLowerCase()];
      return Array.isArray(value) ? value.join(", ") : (value ?? null);
    },
    repeated: (name) => (request.headersDistinct?.[name.toLowerCase()]?.length ?? 1) > 1,
  };
}

function answer(status, body) {
  return { status, body };
}

const badRequest = (message) => answer(400, { error: "bad_request", message });

/**
 * The path's segments, each decoded with `decodeURIComponent`, or a 400 answer. Refused:
 * bad percent-encoding, NUL, over-long paths, empty segments (`//`), segments that are or
 * decode to `.` or `..`, raw backslashes (some servers read them as `/`), and (unless `encodedSlash: "keep"`) a `/` inside a
 * segment (`%2F`). A trailing `/` is dropped unless `trailingSlash: "strict"`.
 */
function segmentsOf(path, matching) {
  if (typeof path !== "string") return badRequest("the request has no path");
  if (path.length > MAX_PATH_LENGTH) return badRequest("the path is too long");
  if (!path.startsWith("/")) return badRequest("the path must start with /");
  const raw = path.split("/").slice(1);
  if (raw.length > 1 && raw[raw.length - 1] === "" && matching.trailingSlash !== "strict") raw.pop();
  const segments = [];
  for (const [i, part] of raw.entries()) {
    if (part.includes("\\")) return badRequest("the path holds a backslash");
    let segment;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return badRequest("the path is not valid percent-encoding");
    }
    if (segment.includes("\0")) return badRequest("the path holds a NUL");
    if (segment === "." || segment === "..") return badRequest("the path holds a dot segment");
    // Empty: `//` inside the path; a trailing one is left (strict) and matches no route.
    if (segment === "" && raw.length > 1 && i < raw.length - 1) return badRequest("the path holds an empty segment");
    if (segment.includes("/") && matching.encodedSlash !== "keep") return badRequest("a path segment holds an encoded /");
    segments.push(segment);
  }
  return segments;
}

/** The first route of the table matching `method` and `segments`: `{r, params}` or null. */
function route(routes, method, segments, matching) {
  const methods = method === "HEAD" && matching.headAsGet !== false ? ["HEAD", "GET", "*"] : [method, "*"];
  for (const r of routes) {
    if (!r.methods.some((m) => methods.includes(m))) continue;
    const params = r.match(segments);
    if (params) return { r, params };
  }
  return null;
}

/**
 * Judges a request the caller of `judge` has matched to `needs` and `scope`: the gate
 * must be live (503 EXPIRED otherwise), the caller known and active (401), the scope
 * named (400) and every needed permission (or one of `any`) held there (403). Resolves
 * to `{status: 200, subject, params, decision, route}` or `{status, body}`; bodies name
 * what is missing, nothing internal.
 */
async function judge(gate, identify, request, needs, scope, params, route, seen = {}) {
  const list = needs.all ?? needs.any;
  seen.permission = list[0];
  if (gate.expired) {
    seen.reason = "snapshot_expired";
    return answer(503, { error: "unavailable", code: "EXPIRED", message: "the role snapshot has expired and is being refreshed; try again shortly" });
  }
  const subject = await identify(request, gate);
  const status = typeof subject === "string" ? gate.subjectStatus(subject) : "unknown";
  seen.subject = typeof subject === "string" ? subject : null;
  if (status === "unknown") {
    seen.reason = "unknown_subject";
    return answer(401, { error: "unauthenticated", message: "missing or unknown credentials" });
  }
  if (status !== "active") {
    seen.reason = "inactive_subject";
    return answer(401, { error: "unauthenticated", message: "the credentials are revoked or deactivated" });
  }

  const at = scope === null ? undefined : scope.fixed ?? (scope.param !== undefined ? params?.[scope.param] : request.header(scope.header) ?? undefined);
  if (scope !== null && (typeof at !== "string" || at === "")) {
    seen.reason = "no_scope";
    return badRequest("the request names no scope");
  }
  seen.scope = at ?? null;
  const { all } = needs;
  const held = list.filter((p) => gate.can(subject, p, at));
  const allowed = all ? held.length === list.length : held.length > 0;
  if (!allowed) {
    const missing = list.filter((p) => !held.includes(p));
    seen.permission = missing[0];
    seen.reason = () => gate.explain(subject, missing[0], at).reason;
    const needed = all ? missing.join(" and ") : `one of ${missing.join(", ")}`;
    return answer(403, { error: "forbidden", message: `this needs ${missing.length === 1 ? missing[0] : needed}${at === undefined ? "" : ` on ${at}`}`, missing, scope: at ?? null });
  }
  seen.permission = held[0];
  // The decision (which role and grant allowed it) is worked out only when read.
  let decision;
  return {
    status: 200,
    subject,
    params,
    get decision() {
      return (decision ??= gate.explain(subject, held[0], at));
    },
    route,
  };
}

/**
 * Builds the `identify(request)` function from options: `apiKey` (Authorization: Bearer
 * TOKEN, looked up by SHA-256 with WebCrypto), `header` (a subject id set by a trusted
 * upstream), `callback(request)`; tried in that order. A subject header sent twice is
 * not one credential: the caller is unknown.
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
      if (subject) return request.repeated(header) ? null : subject;
    }
    if (callback) return (await callback(request.original)) ?? null;
    return null;
  };
}

/** The gate of a request: `options.gate`, or what the function there returns (503 while it fails). */
function gateGetter(gate) {
  const get = typeof gate === "function" ? gate : () => gate;
  // The request goes too: a tenant source picks the tenant's gate by it.
  return async (env, ctx, request) => {
    try {
      return await get(env, ctx, request);
    } catch {
      return null;
    }
  };
}

const unavailable = () => answer(503, { error: "unavailable", message: "no role snapshot is loaded" });

const CALLER_OPTIONS = ["gate", "apiKey", "header", "identify", "onDecision"];

/**
 * `judge`, reporting each decision to `onDecision(record, ctx)` when given: `{time,
 * tenant, revision, keyId, subject, permission, scope, allowed, reason, route, status}`.
 * The hook never breaks a request: what it throws is logged once and ignored.
 */
function judging(onDecision) {
  if (onDecision === undefined) return (gate, identify, request, needs, scope, params, route) => judge(gate, identify, request, needs, scope, params, route);
  if (typeof onDecision !== "function") throw typeError("`onDecision` must be a function (record, ctx) => void");
  let warned = false;
  return async (gate, identify, request, needs, scope, params, route, ctx) => {
    const seen = {};
    const outcome = await judge(gate, identify, request, needs, scope, params, route, seen);
    try {
      onDecision(
        {
          time: Date.now(),
          tenant: gate.tenant,
          revision: gate.revision,
          keyId: gate.keyId,
          subject: seen.subject ?? null,
          permission: seen.permission ?? null,
          scope: seen.scope ?? null,
          allowed: outcome.status === 200,
          // An allow's reason is its decision's, worked out once for the handler too.
          reason: outcome.status === 200 ? outcome.decision.reason : typeof seen.reason === "function" ? seen.reason() : (seen.reason ?? null),
          route: route?.path ?? null,
          status: outcome.status,
        },
        ctx,
      );
    } catch (error) {
      if (!warned) console.error("rolegate: onDecision threw (ignored):", error);
      warned = true;
    }
    return outcome;
  };
}

/**
 * Per-route enforcement inside a framework's router: `options` name the gate and how to
 * find the caller; `require(spec, {scope})` returns `check(request, params, env, ctx)`
 * for one route, judging the params the framework decoded. `spec` is a permission name,
 * or `{permission}`, `{all: [...]}`, `{any: [...]}`; `scope` a param name, `{param}`,
 * `{header}` or `{fixed}` (none: the tenant root).
 */
export function requirements(options, caller) {
  options = readOptions(options, CALLER_OPTIONS, `${caller}'s options (\`gate\`, \`header\`, ...)`);
  const getGate = gateGetter(options.gate);
  const identify = identifier({ apiKey: options.apiKey, header: options.header, callback: options.identify });
  const decide = judging(options.onDecision);
  return (spec, more = {}) => {
    const where = `require(${typeof spec === "string" ? JSON.stringify(spec) : "..."})`;
    const { needs, scope } = readSafely(where, () => {
      if (spec === null || (typeof spec !== "string" && typeof spec !== "object")) throw typeError(`${where} needs a permission name or {permission | all | any}`);
      if (more === null || typeof more !== "object") throw typeError(`${where}: the options must be an object`);
      return { needs: needsOf(spec, where), scope: scopeOf(more.scope, where) };
    });
    return async (request, params, env, ctx) => {
      const gate = await getGate(env, ctx, request);
      if (gate === null) return unavailable();
      return decide(gate, identify, request, needs, scope, params ?? {}, null, ctx);
    };
  };
}

/**
 * The guard as router, for fetch handlers and table-driven middleware: validates
 * `options` (`gate`, or a function of `(env, ctx)` returning one, such as a
 * `snapshotSource`; `routes`, `apiKey`, `header`, `identify`, `unmatched`, and matching:
 * `caseSensitive` (default false), `trailingSlash` ("ignore", the default, or "strict"),
 * `headAsGet` (default true), `encodedSlash` ("refuse", the default, or "keep")) and
 * returns `authorize({method, path, header(name), original}, env, ctx)`.
 */
export function requestGuard(options, caller) {
  const names = [...CALLER_OPTIONS, "routes", "unmatched", "caseSensitive", "trailingSlash", "headAsGet", "encodedSlash"];
  options = readOptions(options, names, `${caller}'s options (\`gate\`, \`routes\`, ...)`);
  const matching = {
    trailingSlash: options.trailingSlash ?? "ignore",
    headAsGet: options.headAsGet ?? true,
    encodedSlash: options.encodedSlash ?? "refuse",
  };
  if (!["ignore", "strict"].includes(matching.trailingSlash)) throw typeError('`trailingSlash` is "ignore" or "strict"');
  if (!["refuse", "keep"].includes(matching.encodedSlash)) throw typeError('`encodedSlash` is "refuse" or "keep"');
  if (!["deny", "allow", undefined].includes(options.unmatched)) throw typeError('`unmatched` is "deny" or "allow"');
  if (options.unmatched === "allow") {
    console.warn(
      `rolegate ${caller}: unmatched: "allow" lets every request no route matches through unchecked; ` +
        "unsafe in front of an origin that routes differently (case, trailing slashes, HEAD, encodings). " +
        "Prefer per-route checks in the origin's own router, or list every route.",
    );
  }
  const routes = compileRoutes(options.routes, options.caseSensitive === true);
  const getGate = gateGetter(options.gate);
  const identify = identifier({ apiKey: options.apiKey, header: options.header, callback: options.identify });
  const decide = judging(options.onDecision);
  return async (request, env, ctx) => {
    // An origin that honours a method override would run another route than the one judged.
    if (OVERRIDES.some((name) => request.header(name) !== null)) return badRequest("method-override headers are not accepted");
    const segments = segmentsOf(request.path, matching);
    if (!Array.isArray(segments)) return segments;
    const found = route(routes, request.method.toUpperCase(), segments, matching);
    if (!found) {
      return options.unmatched === "allow" ? { status: 200, subject: null, params: {}, decision: null, route: null } : answer(403, { error: "forbidden", message: "no route allows this request" });
    }
    const gate = await getGate(env, ctx, request);
    if (gate === null) return unavailable();
    return decide(gate, identify, request, found.r.needs, found.r.scope, found.params, found.r.route, ctx);
  };
}
