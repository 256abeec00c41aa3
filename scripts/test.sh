#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite: formatting, lints, the native
# tests (conformance vectors, golden fixtures, tampering, the CLI), the wasm bindings in
# Node and headless Chromium, the packed npm tarball in Node (ESM and CommonJS), workerd,
# Deno, Chromium and tsc, the example services over HTTP, and a short fuzzing pass. CI
# runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }
wasm=(--target wasm32-unknown-unknown --no-default-features --features wasm)

step "format"
cargo fmt --check

step "lints (clippy, warnings are errors; native and wasm)"
cargo clippy --all-targets --quiet -- -D warnings
cargo clippy --lib --quiet "${wasm[@]}" -- -D warnings
cargo clippy --lib --quiet "${wasm[@]}",compiler -- -D warnings

step "each layer builds alone: engine + verifier without the compiler, then the compiler without the CLI"
cargo build --lib --no-default-features --quiet
cargo build --lib --no-default-features --features compiler --quiet

step "benchmarks compile"
cargo bench --no-run --quiet

step "native tests"
cargo test --all-targets
cargo test --doc

step "wasm bindings in Node and headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}" cargo test "${wasm[@]}",compiler --test wasm_node --test wasm_browser

step "the README's quick start, block by block (builds the CLI and packs the npm package, as a user does)"
node --test tests/package/readme.mjs

step "npm package: test as installed (Node ESM/CJS, workerd, Deno, Chromium, rolegate/dom, tsc)"
node tests/package/fixtures.mjs
node --test tests/package/*.test.mjs

step "npx rolegate: the CLI test suites again, against the bin of the installed tarball"
rm -rf target/npx-cli && mkdir -p target/npx-cli
(cd target/npx-cli && echo '{"private": true}' > package.json && npm install --no-audit --no-fund --loglevel=error ../npm/rolegate-*.tgz)
ROLEGATE_CLI="$PWD/target/npx-cli/node_modules/.bin/rolegate" cargo test --test cli --test cli_input --test admin_cli

step "fuzzing: a short pass of every target (scripts/fuzz.sh SECONDS runs longer)"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}"

step "the demo (scripts/demo.sh), which must end with every conformance expectation passing"
bash scripts/demo.sh | tee target/demo.log | tail -3
grep -Eq '^[0-9]+ passed, 0 failed$' target/demo.log
