// Publishing: each revision's snapshots are written under a temporary name and renamed
// into place (a reader sees the old file or the new one, never half of one), with the
// revision as their ETag; then every open event stream of the tenant is told.
//
// Push is Server-Sent Events rather than long-poll: one plain HTTP response that stays
// open, native to browsers, proxies pass it, reconnects are part of the protocol, and a
// push is one line; the client then fetches the signed bytes by their URL and ETag.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Publishes into `dir` (served by the control plane) and to each of `remotes` (say the
 * Cloudflare target of cloudflare.mjs): `publish` resolves once every remote has it.
 */
export function publisher(dir, { remotes = [] } = {}) {
  const streams = new Map(); // tenant -> Set of responses
  const current = new Map(); // tenant -> revision
  const last = new Map(); // tenant -> { revision, snapshot }

  const write = (file, bytes) => {
    mkdirSync(join(file, ".."), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
  };

  return {
    /**
     * Writes a revision's delta from the one before (if any), user slices and tenant
     * snapshot, uploads them to the remotes, then pushes the revision.
     */
    async publish(published) {
      const { tenant, revision, snapshot, slices, delta } = published;
      const base = join(dir, tenant);
      if (delta) write(join(base, "deltas", `${delta.from}.delta`), delta.bytes);
      for (const [user, bytes] of slices) write(join(base, "users", `${encodeURIComponent(user)}.snapshot`), bytes);
      write(join(base, "tenant.snapshot"), snapshot);
      write(join(base, "revision"), String(revision));
      current.set(tenant, revision);
      last.set(tenant, { revision, snapshot });
      await Promise.all(remotes.map((remote) => remote.publish(published)));
      for (const res of streams.get(tenant) ?? []) res.write(`event: revision\ndata: ${JSON.stringify({ revision })}\n\n`);
    },
    /** The last tenant snapshot published in this process: `{ revision, snapshot }`, or null. */
    last(tenant) {
      return last.get(tenant) ?? null;
    },
    /** The bytes of a file published for `tenant` (an earlier run's, say), or null. */
    stored(tenant, file) {
      try {
        return readFileSync(join(dir, tenant, file));
      } catch {
        return null;
      }
    },
    revision(tenant) {
      if (!current.has(tenant)) {
        try {
          current.set(tenant, Number(readFileSync(join(dir, tenant, "revision"), "utf8")));
        } catch {
          return null;
        }
      }
      return current.get(tenant);
    },
    /** Serves a published file with its revision's ETag (304 when the caller has it). */
    serve(req, res, tenant, file) {
      const revision = this.revision(tenant);
      const bytes = this.stored(tenant, file);
      if (bytes === null) return res.status(404).json({ error: "not_found", message: "nothing published here" });
      const etag = `"r${revision}"`;
      res.set({ etag, "cache-control": "no-cache" });
      if (req.headers["if-none-match"] === etag) return res.status(304).end();
      res.type("application/octet-stream").send(bytes);
    },
    /** An event stream of the tenant's revisions. */
    stream(req, res, tenant) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 500\n\nevent: revision\ndata: ${JSON.stringify({ revision: this.revision(tenant) })}\n\n`);
      const set = streams.get(tenant) ?? new Set();
      streams.set(tenant, set.add(res));
      const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15000);
      req.on("close", () => {
        clearInterval(keepAlive);
        set.delete(res);
      });
    },
    close() {
      for (const set of streams.values()) for (const res of set) res.end();
    },
  };
}
