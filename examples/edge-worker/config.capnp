# workerd config for the edge-worker example: the guard worker on one socket, the stub
# origin behind it as a service binding. Run by scripts/edge-worker.sh, which signs
# .data/acme.snapshot and sets ROLEGATE_KEYS; tests and the load script start it with
# `workerd serve config.capnp --socket-addr http=127.0.0.1:PORT`.
#
# Environment: ROLEGATE_KEYS (JSON: key id -> base64 public key), TENANT, and optionally
# SNAPSHOT_URL + REFRESH_MS to fetch the snapshot instead of the bundled one.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "guard", worker = .guardWorker),
    (name = "origin", worker = .originWorker),
    # Lets the guard fetch SNAPSHOT_URL from this machine (and only this machine).
    (name = "loopback", network = (allow = ["local", "private"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:8788", http = (), service = "guard")],
);

const guardWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "api/routes.js", esModule = embed "api/routes.js"),
    # The package's modules, named as the worker imports them.
    (name = "rolegate/workerd.js", esModule = embed "node_modules/rolegate/workerd.js"),
    (name = "rolegate/engine.js", esModule = embed "node_modules/rolegate/engine.js"),
    (name = "rolegate/engine_bg.wasm", wasm = embed "node_modules/rolegate/engine_bg.wasm"),
    (name = "rolegate/init.js", esModule = embed "node_modules/rolegate/init.js"),
    (name = "rolegate/gate.js", esModule = embed "node_modules/rolegate/gate.js"),
    (name = "rolegate/suggest.js", esModule = embed "node_modules/rolegate/suggest.js"),
    (name = "rolegate/errors.js", esModule = embed "node_modules/rolegate/errors.js"),
    (name = "rolegate/plain.js", esModule = embed "node_modules/rolegate/plain.js"),
    (name = "rolegate/source.js", esModule = embed "node_modules/rolegate/source.js"),
    (name = "rolegate/snapshot-fetch.js", esModule = embed "node_modules/rolegate/snapshot-fetch.js"),
    (name = "rolegate/snapshot-events.js", esModule = embed "node_modules/rolegate/snapshot-events.js"),
    (name = "rolegate/tenants.js", esModule = embed "node_modules/rolegate/tenants.js"),
    (name = "rolegate/deltas.js", esModule = embed "node_modules/rolegate/deltas.js"),
    (name = "rolegate/edge.js", esModule = embed "node_modules/rolegate/edge.js"),
    (name = "rolegate/routes.js", esModule = embed "node_modules/rolegate/routes.js"),
    (name = "rolegate/decision-log.js", esModule = embed "node_modules/rolegate/decision-log.js"),
  ],
  bindings = [
    (name = "ORIGIN", service = "origin"),
    (name = "SNAPSHOT", data = embed ".data/acme.snapshot"),
    (name = "ROLEGATE_KEYS", fromEnvironment = "ROLEGATE_KEYS"),
    (name = "TENANT", fromEnvironment = "TENANT"),
    (name = "SNAPSHOT_URL", fromEnvironment = "SNAPSHOT_URL"),
    (name = "REFRESH_MS", fromEnvironment = "REFRESH_MS"),
  ],
  globalOutbound = "loopback",
  compatibilityDate = "2026-11-01",
);

const originWorker :Workerd.Worker = (
  modules = [
    (name = "origin-worker.js", esModule = embed "origin-worker.js"),
    (name = "api/origin.js", esModule = embed "api/origin.js"),
    (name = "api/routes.js", esModule = embed "api/routes.js"),
  ],
  compatibilityDate = "2026-11-01",
);
