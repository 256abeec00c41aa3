// Decision logs: a batching logger for the guards' `onDecision` hook. It keeps every
// denial (by default) and a sample of allows, holds at most `maxBuffer` records, and
// posts batches to a URL or hands them to `send(batch)`. Nothing is dropped silently:
// a record that finds the buffer full is counted, and the next batch says how many
// (`dropped`); a batch that fails to send is counted too and goes to `onError`. In
// Workers a pending flush is handed to `ctx.waitUntil`; call `close()` on shutdown.
import { readOptions, typeError } from "./errors.js";

/**
 * `decisionLogger({ url | send, batchSize, flushInterval, sampleAllows, keepDenials,
 * maxBuffer, fetch, onError, random })` returns `log(record, ctx)`, usable as a guard's
 * `onDecision`, with `flush()`, `close()` and `stats()`.
 */
export function decisionLogger(options) {
  const names = ["url", "send", "fetch", "batchSize", "flushInterval", "sampleAllows", "keepDenials", "maxBuffer", "onError", "random", "headers"];
  const o = readOptions(options, names, "decisionLogger's options");
  if ((o.url === undefined) === (o.send === undefined)) throw typeError("decisionLogger needs exactly one of `url` and `send`");
  if (o.send !== undefined && typeof o.send !== "function") throw typeError("`send` must be a function (batch) => void | Promise");
  const fetchImpl = o.fetch ?? globalThis.fetch;
  if (o.url !== undefined && typeof fetchImpl !== "function") throw typeError("option `fetch` must be a function");
  const batchSize = o.batchSize ?? 100;
  const flushInterval = o.flushInterval ?? 5000;
  const sampleAllows = o.sampleAllows ?? 1;
  const maxBuffer = o.maxBuffer ?? 10000;
  const keepDenials = o.keepDenials ?? true;
  const random = o.random ?? Math.random;
  const onError = o.onError ?? ((error) => console.error("rolegate decision log:", error));
  for (const [name, value, min] of [["batchSize", batchSize, 1], ["flushInterval", flushInterval, 0], ["maxBuffer", maxBuffer, 1]]) {
    if (typeof value !== "number" || !(value >= min)) throw typeError(`option \`${name}\` must be a number of at least ${min}`);
  }
  if (typeof sampleAllows !== "number" || !(sampleAllows >= 0 && sampleAllows <= 1)) throw typeError("option `sampleAllows` must be a fraction from 0 to 1");

  let buffer = [];
  let dropped = 0;
  let timer = null;
  let waiting = null;
  const inflight = new Set();
  const totals = { logged: 0, sampledOut: 0, dropped: 0, sent: 0, failed: 0 };

  const flush = () => {
    clearTimeout(timer);
    timer = null;
    if (buffer.length === 0 && dropped === 0) return Promise.resolve();
    const batch = { decisions: buffer, dropped, sampleAllows };
    buffer = [];
    dropped = 0;
    const sending = (async () => {
      try {
        if (o.send !== undefined) await o.send(batch);
        else {
          const response = await fetchImpl(o.url, { method: "POST", headers: { "content-type": "application/json", ...(o.headers ?? {}) }, body: JSON.stringify(batch) });
          if (!response.ok) throw Object.assign(new Error(`the decision log endpoint answered ${response.status}`), { code: "FETCH_FAILED" });
        }
        totals.sent += batch.decisions.length;
      } catch (error) {
        totals.failed += batch.decisions.length;
        onError(error, batch);
      }
    })();
    inflight.add(sending);
    sending.finally(() => inflight.delete(sending));
    return sending;
  };

  const later = (ctx) => {
    if (typeof ctx?.waitUntil === "function") {
      // Workers: no timer outlives the request; the flush rides on waitUntil.
      if (waiting === null) {
        waiting = new Promise((resolve) => setTimeout(resolve, Math.min(flushInterval, 1000))).then(() => {
          waiting = null;
          return flush();
        });
        ctx.waitUntil(waiting);
      }
    } else if (timer === null && flushInterval > 0) {
      timer = setTimeout(flush, flushInterval);
      timer.unref?.();
    }
  };

  const log = (record, ctx) => {
    const keep = record.allowed ? random() < sampleAllows : keepDenials || random() < sampleAllows;
    if (!keep) {
      totals.sampledOut++;
      return;
    }
    if (buffer.length >= maxBuffer) {
      dropped++;
      totals.dropped++;
      return;
    }
    buffer.push(record);
    totals.logged++;
    if (buffer.length >= batchSize) {
      const sending = flush();
      ctx?.waitUntil?.(sending);
    } else later(ctx);
  };

  return Object.assign(log, {
    /** Sends what is buffered now. */
    flush,
    /** Flushes and waits for every batch in flight (call on shutdown). */
    close: async () => {
      await flush();
      await Promise.all([...inflight]);
    },
    /** Records logged, sampled out, dropped (buffer full), sent and failed; and buffered now. */
    stats: () => ({ ...totals, buffered: buffer.length }),
  });
}
