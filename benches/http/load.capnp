# The load script's workerd config: the example's guard and origin workers, plus an
# unguarded proxy to the same origin as the baseline. Copied beside a staged copy of
# examples/edge-worker by load.mjs; the sockets' addresses come from --socket-addr.
using Workerd = import "/workerd/workerd.capnp";
using Example = import "config.capnp";

const config :Workerd.Config = (
  services = [
    (name = "guard", worker = Example.guardWorker),
    (name = "origin", worker = Example.originWorker),
    (name = "loopback", network = (allow = ["local", "private"])),
    (name = "direct", worker = (
      modules = [(name = "direct.js", esModule = embed "direct.js")],
      bindings = [(name = "ORIGIN", service = "origin")],
      compatibilityDate = "2026-11-01",
    )),
  ],
  sockets = [
    (name = "guarded", address = "127.0.0.1:8788", http = (), service = "guard"),
    (name = "direct", address = "127.0.0.1:8789", http = (), service = "direct"),
  ],
);
