// An edge worker guarding the example API: every request is checked against the role
// snapshot before it reaches the origin. Callers are API keys (Authorization: Bearer) or
// users named by a trusted upstream authenticator in `x-rolegate-subject`.
//
// The imports name workerd modules as config.capnp lists them; with a bundler (Wrangler)
// write `from "rolegate"` and `from "rolegate/edge"`.
import { snapshotSource } from "rolegate/workerd.js";
import { guard } from "rolegate/edge.js";
import { ROUTES, SUBJECT_HEADER } from "./api/routes.js";

// One source per isolate, made on first use: the snapshot is bundled as a data binding
// (SNAPSHOT), or fetched from SNAPSHOT_URL and revalidated every REFRESH_MS.
let source = null;
function snapshots(env) {
  source ??= snapshotSource({
    keys: JSON.parse(env.ROLEGATE_KEYS),
    tenant: env.TENANT,
    ...(env.SNAPSHOT_URL ? { url: env.SNAPSHOT_URL, refresh: Number(env.REFRESH_MS || 60000) } : { snapshot: env.SNAPSHOT }),
    onError: (error) => console.warn(`snapshot refresh refused: ${error.code ?? ""} ${error.message}`),
  });
  return source;
}

async function toOrigin(request, env, ctx) {
  const forwarded = new Request(request);
  forwarded.headers.set(SUBJECT_HEADER, ctx.rolegate.subject);
  forwarded.headers.delete("authorization");
  return env.ORIGIN.fetch(forwarded);
}

export default {
  fetch: guard(toOrigin, {
    gate: (env, ctx) => snapshots(env)(env, ctx),
    routes: ROUTES,
    header: SUBJECT_HEADER,
  }),
};
