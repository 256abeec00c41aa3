// Many tenants per isolate: a source of gates, one per tenant, for the edge guard and
// the Node guards (pass it as their `gate`). It finds a request's tenant (a header, the
// host, a path segment, or a function), loads that tenant's gate on first use from your
// loader (KV, R2, a URL, a file), refreshes it in the background when due, and keeps the
// gates it holds under a memory cap by closing the least recently used ones. A tenant
// that cannot load answers 503 (through the guard) and is retried after `retryAfter` ms.
//
// Memory: every gate of an isolate lives in the one engine instance (an instance per
// tenant would cost a module instance and at least a 64 KiB memory each, and wasm memory
// never shrinks, so 10,000 tenants would pin 640 MB or more). Closing a gate frees its
// memory inside the instance for the next load to reuse, so the instance's memory stays
// near its high-water mark: the cap (what the held gates count, `gate.memoryBytes`) plus
// the largest snapshot loading while the least recent is not yet closed, plus allocator
// slack. Size the cap with that in mind (docs/tenants.md has measured figures).
import { plainBytes, plainOptions } from "./plain.js";
import { deltaBuild, sameBuild } from "./snapshot-fetch.js";
import { readOptions, rolegateError, typeError } from "./errors.js";
import { deltaOption, refreshFromDelta } from "./deltas.js";

/** `(request) => tenant id | null` from the `tenant` option. */
function resolver(tenant) {
  if (typeof tenant === "function") return tenant;
  if (tenant !== null && typeof tenant === "object") {
    if (typeof tenant.header === "string") {
      const name = tenant.header.toLowerCase();
      return (request) => request.header(name);
    }
    if (typeof tenant.host === "string") {
      // `{ host: ".example.com" }`: acme.example.com is tenant `acme`.
      const suffix = tenant.host.toLowerCase();
      return (request) => {
        const host = (request.header("host") ?? "").toLowerCase().replace(/:\d+$/, "");
        return host.endsWith(suffix) && host.length > suffix.length && !host.slice(0, -suffix.length).includes(".") ? host.slice(0, -suffix.length) : null;
      };
    }
    if (Number.isInteger(tenant.path) && tenant.path >= 0) {
      // `{ path: 0 }`: /acme/projects/... is tenant `acme`.
      return (request) => {
        const path = request.path ?? new URL(request.original?.url ?? "/", "http://localhost").pathname;
        return path.split("/").filter(Boolean)[tenant.path] ?? null;
      };
    }
  }
  throw typeError('option `tenant` must be a function (request) => id, or { header }, { host: ".example.com" } or { path: index }');
}

export function tenantSourceFor(Gate, engineMemoryBytes) {
  return (options) => tenantSource(Gate, engineMemoryBytes, options);
}

function tenantSource(Gate, engineMemoryBytes, options) {
  const names = ["tenant", "load", "delta", "keys", "memoryCap", "refresh", "retryAfter", "maxTenants", "onError", "onEvict", "onLoad"];
  const o = readOptions(options, names, "tenantSource's options");
  deltaOption(o.delta);
  const tenantOf = resolver(o.tenant);
  if (typeof o.load !== "function") throw typeError("option `load` must be a function (tenant, env) => snapshot bytes");
  if (!(typeof o.memoryCap === "number" && o.memoryCap > 0)) throw typeError("option `memoryCap` must be a positive number of bytes");
  const keysFor = typeof o.keys === "function" ? o.keys : () => o.keys;
  if (o.keys === undefined) throw typeError("option `keys` must be the trusted keys, or a function (tenant) => keys (per-tenant keys)");
  const refresh = o.refresh ?? 60000;
  const retryAfter = o.retryAfter ?? 1000;
  const maxTenants = o.maxTenants ?? Infinity;
  const [onError, onEvict, onLoad] = [o.onError ?? (() => {}), o.onEvict ?? (() => {}), o.onLoad ?? (() => {})];
  for (const [name, value] of [["refresh", refresh], ["retryAfter", retryAfter], ["maxTenants", maxTenants]]) if (typeof value !== "number" || !(value >= 0)) throw typeError(`option \`${name}\` must be a non-negative number`);
  // Other Gate options (grace, clock, maxBytes, ...) apply to every tenant's gate.
  const rest = Object.fromEntries(Object.entries(options).filter(([k]) => !names.includes(k)));

  // Held gates in least-recently-used order (a Map keeps insertion order: a use moves
  // the tenant to the end). Each entry: { gate, size, lastAttempt, refreshing }.
  const held = new Map();
  const loading = new Map();
  const failed = new Map(); // tenant -> time of the last failed load
  let total = 0;
  const stats = { hits: 0, loads: 0, evictions: 0, failures: 0 };

  const open = (tenant, bytes) => new Gate(bytes, { ...plainOptions({ ...rest, keys: keysFor(tenant) }), tenant });

  function account(tenant, entry) {
    const size = entry.gate.memoryBytes;
    total += size - entry.size;
    entry.size = size;
    // The least recent go first; the one just used stays even if it alone is over.
    for (const [other, e] of held) {
      if ((total <= o.memoryCap && held.size <= maxTenants) || other === tenant) break;
      evict(other, e);
    }
  }

  function evict(tenant, entry) {
    held.delete(tenant);
    total -= entry.size;
    stats.evictions++;
    entry.gate.close();
    onEvict(tenant);
  }

  /** The tenant's bytes from the loader; none is a coded refusal. */
  async function bytesOf(tenant, env) {
    const bytes = await o.load(tenant, env);
    if (bytes === null || bytes === undefined) throw rolegateError("NOT_FOUND", `no snapshot for tenant \`${tenant}\``);
    return bytes;
  }

  async function load(tenant, env) {
    try {
      const bytes = await bytesOf(tenant, env);
      const gate = open(tenant, bytes);
      stats.loads++;
      const entry = { gate, size: 0, lastAttempt: Date.now(), refreshing: null };
      held.set(tenant, entry);
      failed.delete(tenant);
      account(tenant, entry);
      onLoad(tenant, gate);
      return gate;
    } catch (error) {
      stats.failures++;
      failed.set(tenant, Date.now());
      onError(Object.assign(error, { tenant }));
      throw error;
    }
  }

  function refreshLater(tenant, entry, env, ctx) {
    entry.lastAttempt = Date.now();
    entry.refreshing = (async () => {
      const report = (error) => onError(Object.assign(error, { tenant }));
      try {
        // A delta from the revision held, when your `delta(tenant, revision, env)` has one;
        // none, or a refused one, falls back to the full snapshot.
        const delta = o.delta && ((revision) => o.delta(tenant, revision, env));
        if (await refreshFromDelta(entry.gate, delta, report, () => held.get(tenant) === entry)) {
          account(tenant, entry);
          return;
        }
        const bytes = await bytesOf(tenant, env);
        // A gate evicted meanwhile is not brought back by its refresh. An update verifies
        // the bytes and refuses a lower revision; the gate serving keeps serving if refused.
        if (held.get(tenant) !== entry) return;
        // The very build the gate holds (reached by a delta, say) is not loaded again.
        if (sameBuild(plainBytes(bytes), deltaBuild(entry.gate))) return;
        entry.gate.update(bytes);
        account(tenant, entry);
      } catch (error) {
        report(error);
      } finally {
        entry.refreshing = null;
      }
    })();
    ctx?.waitUntil?.(entry.refreshing);
  }

  /** The gate of `request`'s tenant (loading it first), or a rejection the guard answers with 503. */
  const source = async (env, ctx, request) => {
    const tenant = request === undefined ? null : tenantOf(request);
    if (typeof tenant !== "string" || tenant === "") throw rolegateError("NO_TENANT", "the request names no tenant");
    const entry = held.get(tenant);
    if (entry !== undefined) {
      stats.hits++;
      held.delete(tenant);
      held.set(tenant, entry);
      if (entry.refreshing === null && Date.now() - entry.lastAttempt >= refresh) refreshLater(tenant, entry, env, ctx);
      // The check cache grows with use: counted as it does, every so often.
      if ((stats.hits & 63) === 0) account(tenant, entry);
      return entry.gate;
    }
    if (Date.now() - (failed.get(tenant) ?? -Infinity) < retryAfter) throw rolegateError("UNAVAILABLE", `tenant \`${tenant}\` failed to load; retrying after ${retryAfter} ms`);
    let pending = loading.get(tenant);
    if (pending === undefined) {
      pending = load(tenant, env).finally(() => loading.delete(tenant));
      loading.set(tenant, pending);
    }
    return pending;
  };

  return Object.assign(source, {
    /** The gate held for `tenant`, or null (no load). */
    current: (tenant) => held.get(tenant)?.gate ?? null,
    /** The tenants held, least recently used first. */
    tenants: () => [...held.keys()],
    /** Bytes the held gates count against the cap, and the counters since start. */
    stats: () => ({ memoryBytes: total, memoryCap: o.memoryCap, engineMemoryBytes: engineMemoryBytes(), tenants: held.size, ...stats }),
    /** Closes `tenant`'s gate now (its next request loads it again). */
    evict: (tenant) => {
      const entry = held.get(tenant);
      if (entry !== undefined) evict(tenant, entry);
    },
    /** Closes every held gate. */
    close: () => {
      for (const [tenant, entry] of [...held]) evict(tenant, entry);
    },
  });
}

