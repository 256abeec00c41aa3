#!/usr/bin/env bash
# Builds the npm package, installs the control plane's dependencies (skipped when done),
# then starts the control plane and its admin console on 127.0.0.1 (prints the URL;
# Ctrl-C stops it). SQLite in examples/control-plane/.data by default; PostgreSQL when
# DATABASE_URL is set. PORT=8788 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
node pkg-config/build.mjs > /dev/null
dir=examples/control-plane
stamp=$dir/node_modules/.installed-lock
if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
  echo "control-plane dependencies: already installed"
else
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
fi
exec node "$dir/server.mjs" --port "${PORT:-8788}"
