// Fetching a snapshot URL with ETag revalidation, shared by rolegate/dom's refresher and
// the edge / Node snapshot source.

/**
 * The revision and issue time (seconds) a snapshot's first bytes name, unverified: they
 * only decide whether the rest is worth downloading. `undefined` while the header is not
 * all there, `null` when the bytes are no snapshot.
 */
export function snapshotStamp(bytes) {
  const magic = [0x52, 0x47, 0x53, 0x4e]; // "RGSN"
  for (let i = 0; i < 4; i++) if (i < bytes.length && bytes[i] !== magic[i]) return null;
  let at = 7 + (bytes[6] ?? 0);
  const varint = () => {
    let value = 0;
    for (let shift = 0; shift < 56; shift += 7) {
      if (at >= bytes.length) return undefined;
      const b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return null;
  };
  if (bytes.length < 7) return undefined;
  const tenantLength = varint();
  if (tenantLength === undefined || tenantLength === null) return tenantLength;
  at += tenantLength;
  const revision = varint();
  if (revision === undefined || revision === null) return revision;
  const issued = varint(); // zigzag
  if (issued === undefined || issued === null) return issued;
  return { revision, issuedAt: issued % 2 === 0 ? issued / 2 : -(issued + 1) / 2 };
}

/** What a delta built `gate` to, `{revision, issuedAt}` (seconds), or null (see Gate). */
export function deltaBuild(gate) {
  return gate?.[Symbol.for("rolegate.deltaBuild")] ?? null;
}

/** Whether `bytes` begin the very build `held` ({revision, issuedAt} in seconds) is. */
export function sameBuild(bytes, held) {
  const stamp = snapshotStamp(bytes);
  return typeof stamp === "object" && stamp !== null && held !== null && stamp.revision === held.revision && stamp.issuedAt === held.issuedAt;
}

/** The body, unless its header names the build `held` is: then null, and the rest is not downloaded. */
async function newerBody(response, held) {
  const reader = held === null ? undefined : response.body?.getReader?.();
  if (reader === undefined) return new Uint8Array(await response.arrayBuffer());
  const chunks = [];
  let length = 0;
  let decided = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (!decided) {
      const head = chunks.length === 1 ? value : concat(chunks, length);
      if (snapshotStamp(head) !== undefined) decided = true;
      if (sameBuild(head, held)) {
        await reader.cancel().catch(() => {});
        return null;
      }
    }
  }
  return concat(chunks, length);
}

function concat(chunks, length) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Returns `next()`, resolving to `null` when there is nothing new (a 304, or a body whose
 * header names the very build `held()` = `{revision, issuedAt}` in seconds says a delta
 * gave the gate, which is then not downloaded further), or to `{bytes, accept()}`: call `accept()` once the bytes were loaded,
 * so the next request sends their ETag (a refused snapshot is fetched again rather than
 * skipped). An older revision is downloaded, so that loading it reports `ROLLBACK`.
 */
export function etagFetcher(url, fetchImpl, init = {}, held = () => null) {
  let etag = null;
  return async () => {
    const headers = etag ? { "if-none-match": etag } : {};
    const response = await fetchImpl(url, { ...init, headers });
    if (response.status === 304) return null;
    if (!response.ok) throw Object.assign(new Error(`snapshot fetch answered ${response.status}`), { code: "FETCH_FAILED" });
    const tag = response.headers.get("etag");
    const bytes = await newerBody(response, held() ?? null);
    if (bytes === null) {
      etag = tag;
      return null;
    }
    return { bytes, accept: () => (etag = tag) };
  };
}
