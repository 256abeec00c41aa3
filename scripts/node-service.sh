#!/usr/bin/env bash
# Runs examples/node-service: signs the acme policy with a local key, then serves the
# guarded API with Node on 127.0.0.1 (PORT, 8789 by default; Ctrl-C stops it).
set -euo pipefail
source "$(dirname "$0")/example-setup.sh" node-service Node "${PORT:-8789}"
exec node "$example/server.mjs" --keys "$keys" --snapshot "$example/.data/acme.snapshot" --port "$port"
