#!/usr/bin/env bash
# Installs what rolegate's build, demo and tests need on a fresh machine.
# Every step is skipped when it is already done, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "rust toolchain"
if ! command -v cargo >/dev/null; then
  echo "cargo is not installed: install Rust (https://rustup.rs) and run this again" >&2
  exit 1
fi
cargo --version

step "crates"
cargo fetch --quiet
echo "dependencies fetched"
