// The example API as a Node service: rolegate/node's middleware guards every request
// before the handler runs. Same routes and callers as examples/edge-worker.
//
//   node server.mjs --keys '{"KEY_ID":"BASE64"}' --snapshot FILE | --snapshot-url URL
//                   [--tenant acme] [--refresh MS] [--port 8789]
//
// --snapshot re-reads the file every --refresh ms (a KV-style getter); --snapshot-url
// revalidates the URL with its ETag. A refused refresh keeps the current snapshot serving.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { snapshotSource } from "rolegate";
import { middleware } from "rolegate/node";
import { originAnswer } from "../edge-worker/api/origin.js";
import { ROUTES, SUBJECT_HEADER } from "../edge-worker/api/routes.js";

const { values: args } = parseArgs({
  options: {
    keys: { type: "string" },
    tenant: { type: "string", default: "acme" },
    snapshot: { type: "string" },
    "snapshot-url": { type: "string" },
    refresh: { type: "string", default: "60000" },
    port: { type: "string", default: "8789" },
  },
});

const source = snapshotSource({
  keys: JSON.parse(args.keys),
  tenant: args.tenant,
  refresh: Number(args.refresh),
  ...(args["snapshot-url"] ? { url: args["snapshot-url"] } : { get: () => readFile(args.snapshot) }),
  onError: (error) => console.warn(`snapshot refresh refused: ${error.code ?? ""} ${error.message}`),
});
const guard = middleware({ gate: source, routes: ROUTES, header: SUBJECT_HEADER });

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  guard(req, res, (error) => {
    if (error) return send(res, 500, { error: "internal" });
    send(res, 200, originAnswer(req.method, new URL(req.url, "http://localhost").pathname, req.rolegate.subject));
  });
});

// Load before listening, so a bad snapshot or key stops the service at start.
await source();
server.listen(Number(args.port), "127.0.0.1", () => {
  console.log(`rolegate node-service on http://127.0.0.1:${server.address().port}`);
});
