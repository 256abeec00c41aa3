#!/usr/bin/env bash
# Builds the CLI and the npm package, then serves the admin console example on
# 127.0.0.1 (prints the URL; Ctrl-C stops it). PORT=8787 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin rolegate
node pkg-config/build.mjs > /dev/null
exec node examples/console/server.mjs --port "${PORT:-8787}"
