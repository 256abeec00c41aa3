#!/usr/bin/env bash
# Runs examples/edge-worker: signs the acme policy with a local key, then serves the
# guarded API with workerd on 127.0.0.1 (PORT, 8788 by default; Ctrl-C stops it).
set -euo pipefail
source "$(dirname "$0")/example-setup.sh" edge-worker workerd "${PORT:-8788}"
cd "$example"
export ROLEGATE_KEYS="$keys" TENANT=acme
exec ../../scripts/tools/node_modules/.bin/workerd serve config.capnp --socket-addr "http=127.0.0.1:$port"
