// Fetching a snapshot URL with ETag revalidation, shared by rolegate/dom's refresher and
// the edge / Node snapshot source.

/**
 * Returns `next()`, resolving to `null` when the server answers 304 (nothing new), or to
 * `{bytes, accept()}`: call `accept()` once the bytes were loaded, so the next request
 * sends their ETag (a refused snapshot is fetched again rather than skipped).
 */
export function etagFetcher(url, fetchImpl, init = {}) {
  let etag = null;
  return async () => {
    const headers = etag ? { "if-none-match": etag } : {};
    const response = await fetchImpl(url, { ...init, headers });
    if (response.status === 304) return null;
    if (!response.ok) throw Object.assign(new Error(`snapshot fetch answered ${response.status}`), { code: "FETCH_FAILED" });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const tag = response.headers.get("etag");
    return { bytes, accept: () => (etag = tag) };
  };
}
