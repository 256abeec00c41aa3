// Push for snapshot refreshes: a Server-Sent Events stream whose `revision` events say a
// newer snapshot is published (`data: {"revision": 105}`). The push carries no bytes:
// the signed snapshot still comes by its URL with its ETag, so a CDN can serve it and
// there is one way bytes arrive. Read with fetch (not EventSource), so it works in Node
// and workers too and takes the caller's `fetch`; reconnects after the server's `retry:`
// (default 1 s), and on every (re)connect reports once, so a push missed while
// disconnected is caught up.

/**
 * Subscribes to `url`: `onNewer()` for each revision event newer than `serving()` (the
 * revision loaded now) and once per connection, `onError(error)` when a connection
 * fails. Returns `stop()`.
 */
export function subscribe(url, fetchImpl, serving, onNewer, onError) {
  const onRevision = (revision) => {
    if (revision === null || !(revision <= serving())) onNewer();
  };
  let stopped = false;
  let retry = 1000;
  let controller = null;
  let timer = null;

  const dispatch = (event, data) => {
    if (event !== "revision") return;
    let revision = null;
    try {
      revision = JSON.parse(data).revision;
    } catch {}
    onRevision(Number.isSafeInteger(revision) ? revision : null);
  };

  const connect = async () => {
    controller = new AbortController();
    try {
      const response = await fetchImpl(url, { headers: { accept: "text/event-stream" }, cache: "no-store", signal: controller.signal });
      if (!response.ok || !response.body) throw Object.assign(new Error(`snapshot events answered ${response.status}`), { code: "FETCH_FAILED" });
      onRevision(null);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let [buffer, event, data] = ["", "message", []];
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
          if (line === "") {
            if (data.length > 0) dispatch(event, data.join("\n"));
            [event, data] = ["message", []];
          } else if (!line.startsWith(":")) {
            const colon = line.indexOf(":");
            const [field, raw] = colon < 0 ? [line, ""] : [line.slice(0, colon), line.slice(colon + 1)];
            const text = raw.startsWith(" ") ? raw.slice(1) : raw;
            if (field === "event") event = text;
            else if (field === "data") data.push(text);
            else if (field === "retry" && /^\d+$/.test(text)) retry = Math.max(100, Number(text));
          }
          // A line past 64 KiB is no event of ours: drop the connection.
          if (buffer.length > 65536) throw Object.assign(new Error("snapshot events sent an overlong line"), { code: "FETCH_FAILED" });
        }
      }
    } catch (error) {
      if (!stopped) onError(error);
    }
    if (!stopped) timer = setTimeout(connect, retry);
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
  };
}
