// A gate fed from a snapshot source and kept fresh, for edge workers and Node services:
// bytes bundled with the code (a module or data binding), a KV-style getter, or a URL
// revalidated with its ETag.
import { plainBytes, plainOptions } from "./plain.js";
import { readOptions, typeError } from "./errors.js";
import { deltaBuild, etagFetcher, sameBuild } from "./snapshot-fetch.js";
import { subscribe } from "./snapshot-events.js";
import { deltaOption, refreshFromDelta } from "./deltas.js";

function sameBytes(a, b) {
  return a !== null && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * Where the bytes come from: `pull(env)` gives `{bytes, accept()}`, or null when unchanged
 * (the same bytes again, or the very build `held()` says the gate holds).
 */
function puller({ snapshot, get, url, fetch: fetchImpl = globalThis.fetch }, held) {
  const given = [snapshot, get, url].filter((x) => x !== undefined).length;
  if (given !== 1) throw typeError("a snapshot source needs exactly one of `snapshot`, `get` and `url`");
  if (snapshot !== undefined) {
    const bytes = plainBytes(snapshot);
    return { refreshable: false, pull: () => ({ bytes, accept() {} }) };
  }
  if (get !== undefined) {
    if (typeof get !== "function") throw typeError("`get` must be a function returning the snapshot bytes");
    let last = null;
    return {
      refreshable: true,
      pull: async (env) => {
        const value = await get(env);
        if (value === null || value === undefined) throw Object.assign(new Error("the snapshot getter found no snapshot"), { code: "NOT_FOUND" });
        const bytes = plainBytes(value);
        if (sameBuild(bytes, held())) last = bytes;
        return sameBytes(last, bytes) ? null : { bytes, accept: () => (last = bytes) };
      },
    };
  }
  if (typeof url !== "string" && !(url instanceof URL)) throw typeError("`url` must be a string or a URL");
  if (typeof fetchImpl !== "function") throw typeError("option `fetch` must be a function");
  return { refreshable: true, pull: etagFetcher(url, fetchImpl, {}, held) };
}

/** The `snapshotSource` of an entry, loading snapshots into that entry's `Gate`. */
export function sourceFor(Gate) {
  return (options) => snapshotSource(Gate, options);
}

/**
 * A snapshot source: `source(env, ctx)` resolves to a Gate, loading it on first use (in
 * Workers that is inside a handler, where the clock runs) and refreshing it in the
 * background once `refresh` ms have passed (with `ctx.waitUntil` when given). A refused
 * or failed refresh keeps the current snapshot serving and goes to `onError`; a failed
 * first load rejects, and the next call tries again.
 *
 * Options: one of `snapshot` (bytes), `get(env)` (resolving to bytes, e.g. from KV) or
 * `url` (fetched with If-None-Match); `refresh` (ms, default 60000), `fetch`,
 * `onError(error)`, `onUpdate(gate)`, `delta(revision, env)` (resolving to a signed delta
 * from that revision, or null when none is published: tried before each full fetch, and
 * a refused one falls back to it), and the Gate options (`keys`, `tenant`, ...).
 */
function snapshotSource(Gate, options) {
  const names = ["snapshot", "get", "url", "fetch", "refresh", "onError", "onUpdate", "events", "delta"];
  const { snapshot, get, url, fetch, refresh = 60000, onError = () => {}, onUpdate = () => {}, events, delta } = readOptions(options, names, "snapshotSource's options");
  deltaOption(delta);
  let gate = null;
  const gateOptions = plainOptions(options);
  if (typeof refresh !== "number" || !(refresh >= 0)) throw typeError("option `refresh` must be a number of ms");
  if (typeof onError !== "function" || typeof onUpdate !== "function") throw typeError("`onError` and `onUpdate` must be functions");
  const { refreshable, pull } = puller({ snapshot, get, url, fetch }, () => deltaBuild(gate));
  if (events !== undefined && typeof events !== "string" && !(events instanceof URL)) throw typeError("option `events` must be a string or a URL");
  if (events !== undefined && !refreshable) throw typeError("option `events` needs a source that can refresh (`get` or `url`)");

  let unsubscribe = null;
  let loading = null;
  let refreshing = null;
  let lastAttempt = 0;

  const load = async (env) => {
    const got = await pull(env);
    if (got === null) throw Object.assign(new Error("the snapshot source answered 304 before any load"), { code: "FETCH_FAILED" });
    const loaded = new Gate(got.bytes, gateOptions);
    got.accept();
    lastAttempt = Date.now();
    gate = loaded;
    onUpdate(gate);
    // Push (a Server-Sent Events URL): a published revision newer than the one serving is
    // fetched at once, in the background; the `refresh` interval stays as the fallback.
    if (events !== undefined && unsubscribe === null) {
      const fetchImpl = fetch ?? globalThis.fetch;
      unsubscribe = subscribe(
        events,
        (...args) => fetchImpl(...args),
        () => gate.revision,
        () => refreshNow(env),
        onError,
      );
    }
  };

  const refreshNow = (env) => {
    lastAttempt = Date.now();
    refreshing ??= (async () => {
      try {
        if (await refreshFromDelta(gate, delta && ((revision) => delta(revision, env)), onError)) {
          onUpdate(gate);
          return true;
        }
        const got = await pull(env);
        if (got === null) return false;
        gate.update(got.bytes);
        got.accept();
        onUpdate(gate);
        return true;
      } catch (error) {
        onError(error);
        return false;
      }
    })().finally(() => (refreshing = null));
    return refreshing;
  };

  const source = async (env, ctx) => {
    if (gate === null) {
      loading ??= load(env).finally(() => (loading = null));
      await loading;
    } else if (refreshable && refreshing === null && Date.now() - lastAttempt >= refresh) {
      const pending = refreshNow(env);
      ctx?.waitUntil?.(pending);
    }
    return gate;
  };
  return Object.assign(source, {
    /** Fetches now (loading first if nothing is loaded); resolves to whether a new snapshot loaded. */
    refresh: async (env) => (gate === null ? source(env).then(() => true) : refreshable ? refreshNow(env) : false),
    /** The gate serving now, or null before the first load. */
    current: () => gate,
    /** Stops listening for pushed revisions (`events`). */
    stop: () => {
      unsubscribe?.();
      unsubscribe = null;
    },
  });
}
