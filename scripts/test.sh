#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite: formatting, lints, unit and
# integration tests (conformance vectors, golden fixtures, tampering, the CLI) and a
# compile of the benchmarks. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --check

step "lints (clippy, warnings are errors)"
cargo clippy --all-targets --quiet -- -D warnings

step "the library builds without the CLI"
cargo build --lib --no-default-features --quiet

step "benchmarks compile"
cargo bench --no-run --quiet

step "tests"
cargo test --all-targets
cargo test --doc
