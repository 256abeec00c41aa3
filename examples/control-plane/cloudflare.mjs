// Publishing to Cloudflare: each revision's snapshots (and its delta from the revision
// before) written to a Workers KV namespace through Cloudflare's REST API and to an R2
// bucket through R2's S3-compatible API, for workers that read them with tenantSource.
//
// The layout (docs/tenants.md, docs/deltas.md):
//   KV  TENANT                        the tenant snapshot
//   KV  TENANT/deltas/FROM            the delta from revision FROM to the current one
//   R2  TENANT/tenant.snapshot        the tenant snapshot
//   R2  TENANT/users/ID.snapshot      each user's slice
//   R2  TENANT/deltas/FROM.delta      the delta from revision FROM
// The delta is written before the snapshot it leads to, so a reader who sees the new
// snapshot's revision can always find the delta that reached it.
//
// S3 requests are signed (AWS Signature V4) with aws4fetch: small, maintained, and the
// library Cloudflare's own R2 examples use from workers and Node alike.
import { createHash } from "node:crypto";
import { AwsClient } from "aws4fetch";

/** `put(key, bytes)` into a KV namespace through `PUT .../storage/kv/namespaces/NS/values/KEY`. */
export function kvWriter({ accountId, namespaceId, apiToken, api = "https://api.cloudflare.com/client/v4", fetch = globalThis.fetch }) {
  for (const [name, value] of Object.entries({ accountId, namespaceId, apiToken })) if (typeof value !== "string" || value === "") throw new TypeError(`kvWriter needs \`${name}\``);
  const base = `${api.replace(/\/$/, "")}/accounts/${encodeURIComponent(accountId)}/storage/kv/namespaces/${encodeURIComponent(namespaceId)}/values/`;
  return {
    async put(key, bytes) {
      const response = await fetch(base + encodeURIComponent(key), {
        method: "PUT",
        headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/octet-stream" },
        body: bytes,
      });
      const answer = await response.json().catch(() => null);
      if (!response.ok || answer?.success !== true) {
        throw Object.assign(new Error(`KV put of \`${key}\` failed: ${response.status} ${JSON.stringify(answer?.errors ?? answer)}`), { code: "PUBLISH_FAILED" });
      }
    },
  };
}

/** `put(key, bytes)` into an S3-compatible bucket (R2: `https://ACCOUNT.r2.cloudflarestorage.com`, region `auto`). */
export function s3Writer({ endpoint, bucket, accessKeyId, secretAccessKey, region = "auto", fetch = globalThis.fetch }) {
  for (const [name, value] of Object.entries({ endpoint, bucket, accessKeyId, secretAccessKey })) if (typeof value !== "string" || value === "") throw new TypeError(`s3Writer needs \`${name}\``);
  const client = new AwsClient({ accessKeyId, secretAccessKey, service: "s3", region });
  const base = `${endpoint.replace(/\/$/, "")}/${encodeURIComponent(bucket)}/`;
  return {
    async put(key, bytes) {
      // The payload's SHA-256 is signed too (not UNSIGNED-PAYLOAD): the store checks the bytes.
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      const signed = await client.sign(base + key.split("/").map(encodeURIComponent).join("/"), {
        method: "PUT",
        headers: { "content-type": "application/octet-stream", "x-amz-content-sha256": sha256 },
        body: bytes,
      });
      const response = await fetch(signed);
      if (!response.ok) throw Object.assign(new Error(`S3 put of \`${key}\` failed: ${response.status} ${await response.text()}`), { code: "PUBLISH_FAILED" });
      await response.arrayBuffer();
    },
  };
}

/** A revision's writes in the layout above, deltas first and the tenant snapshot last. */
export function cloudflareTarget({ kv, s3 }) {
  return {
    async publish({ tenant, revision, snapshot, slices, delta }) {
      if (delta) {
        await Promise.all([kv?.put(`${tenant}/deltas/${delta.from}`, delta.bytes), s3?.put(`${tenant}/deltas/${delta.from}.delta`, delta.bytes)]);
      }
      if (s3) {
        const users = [...slices];
        for (let i = 0; i < users.length; i += 8) await Promise.all(users.slice(i, i + 8).map(([user, bytes]) => s3.put(`${tenant}/users/${user}.snapshot`, bytes)));
      }
      await Promise.all([kv?.put(tenant, snapshot), s3?.put(`${tenant}/tenant.snapshot`, snapshot)]);
      return revision;
    },
  };
}

/**
 * The Cloudflare target the environment configures, or null: KV with
 * CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN and KV_NAMESPACE_ID (CLOUDFLARE_API_URL to
 * point elsewhere); R2 with R2_ENDPOINT, R2_BUCKET, R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY.
 */
export function cloudflareFromEnv(env = process.env) {
  const kv = env.KV_NAMESPACE_ID
    ? kvWriter({ accountId: env.CLOUDFLARE_ACCOUNT_ID, namespaceId: env.KV_NAMESPACE_ID, apiToken: env.CLOUDFLARE_API_TOKEN, api: env.CLOUDFLARE_API_URL })
    : null;
  const s3 = env.R2_BUCKET ? s3Writer({ endpoint: env.R2_ENDPOINT, bucket: env.R2_BUCKET, accessKeyId: env.R2_ACCESS_KEY_ID, secretAccessKey: env.R2_SECRET_ACCESS_KEY }) : null;
  return kv || s3 ? cloudflareTarget({ kv, s3 }) : null;
}
