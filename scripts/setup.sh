#!/usr/bin/env bash
# Installs what rolegate's build, demo and tests need on a fresh machine: the wasm
# target, the pinned wasm-bindgen CLI, npm tools (wasm-opt, TypeScript, workerd, Deno,
# Playwright), Debian's Chromium with its driver, and nightly + cargo-fuzz for fuzzing.
# Every step is skipped when it is already done, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130 # must equal the wasm-bindgen pin in Cargo.toml
CARGO_FUZZ_VERSION=0.13.2

step() { printf '\n== %s\n' "$*"; }

step "rust toolchain"
if ! command -v cargo >/dev/null; then
  echo "cargo is not installed: install Rust (https://rustup.rs) and run this again" >&2
  exit 1
fi
cargo --version

step "wasm targets (the engine; the CLI for npx rolegate on WASI)"
for target in wasm32-unknown-unknown wasm32-wasip1; do
  if rustup target list --installed | grep -qx "$target"; then
    echo "$target: already installed"
  else
    rustup target add "$target"
  fi
done

step "wasm-bindgen CLI $WASM_BINDGEN_VERSION"
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  echo "already installed"
else
  # No --locked: its lockfile names a crate version the registry here lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

step "npm tools (scripts/tools)"
if ! command -v npm >/dev/null; then
  echo "node and npm are needed: install Node.js 20.19 or later and run this again" >&2
  exit 1
fi
stamp=scripts/tools/node_modules/.installed-lock
if [ -f "$stamp" ] && cmp -s scripts/tools/package-lock.json "$stamp"; then
  echo "already installed"
else
  # `npm ci` refuses this lockfile (it omits other platforms' optional binaries); an
  # install that saves nothing follows the lockfile without rewriting it.
  (cd scripts/tools && npm install --no-save --no-audit --no-fund --loglevel=error)
  cp scripts/tools/package-lock.json "$stamp"
fi

step "bundlers and frameworks for the packaging tests (tests/toolchains)"
stamp=tests/toolchains/node_modules/.installed-lock
if [ -f "$stamp" ] && cmp -s tests/toolchains/package-lock.json "$stamp"; then
  echo "already installed"
else
  (cd tests/toolchains && npm install --no-save --no-audit --no-fund --loglevel=error)
  cp tests/toolchains/package-lock.json "$stamp"
fi

step "chromium and chromedriver (browser tests)"
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  echo "already installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  chromium --version
else
  echo "install Chromium and ChromeDriver (Debian: apt-get install chromium chromium-driver) and run this again" >&2
  exit 1
fi

step "PostgreSQL server (the control-plane example's tests on PostgreSQL)"
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "already installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
else
  echo "install PostgreSQL (Debian: apt-get install postgresql) and run this again" >&2
  exit 1
fi

step "nightly toolchain and cargo-fuzz $CARGO_FUZZ_VERSION (fuzzing)"
if rustup toolchain list | grep -q '^nightly'; then
  echo "nightly: already installed"
else
  rustup toolchain install nightly --profile minimal
fi
if [ "$(cargo fuzz --version 2>/dev/null)" = "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  echo "cargo-fuzz: already installed"
else
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

step "crates"
cargo fetch --quiet
echo "dependencies fetched"
