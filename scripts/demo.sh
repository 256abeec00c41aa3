#!/usr/bin/env bash
# Sets everything up, then shows rolegate at work: compile the acme policy, sign it,
# inspect and verify the snapshot, answer permission checks with the CLI, and load the
# same snapshot with the npm package in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

printf '\n== building the rolegate CLI\n'
cargo build --release --quiet --bin rolegate
rolegate() { ./target/release/rolegate "$@"; }
run() { printf '\n$ rolegate %s\n' "$*"; rolegate "$@" || printf '(exit %s)\n' "$?"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
policy=examples/policies/acme.json

run keygen --out "$work/signing-key.json" --key-id acme-2026
public=$(rolegate public-key "$work/signing-key.json")
run public-key "$work/signing-key.json"
run build "$policy" --key "$work/signing-key.json" --ttl 7d --out "$work/acme.snapshot"
run inspect "$work/acme.snapshot"
run verify "$work/acme.snapshot" --public-key "$public" --tenant acme
run check "$work/acme.snapshot" bob roles.create --scope shop-dev --public-key "$public"
run check "$work/acme.snapshot" bob roles.create --scope internal --public-key "$public"
run explain "$work/acme.snapshot" carol folders.create --scope shop-dev --public-key "$public"
run explain "$work/acme.snapshot" bob roles.craete --scope shop --public-key "$public"
run explain "$work/acme.snapshot" dave folders.view --public-key "$public"
run who-can "$work/acme.snapshot" billing.portal --scope shop --public-key "$public"
run build "$policy" --key "$work/signing-key.json" --subject bob --ttl 1h --out "$work/bob.snapshot"
run explain "$work/bob.snapshot" alice roles.view --public-key "$public"

printf '\n== a tampered snapshot is refused\n'
cp "$work/acme.snapshot" "$work/tampered.snapshot"
printf '\x01' | dd of="$work/tampered.snapshot" bs=1 seek=100 conv=notrunc status=none
run verify "$work/tampered.snapshot" --public-key "$public"

printf '\n== the npm package in Node (examples/node-quickstart)\n'
node pkg-config/build.mjs | tail -1
(cd examples/node-quickstart && npm install --no-audit --no-fund --loglevel=error >/dev/null)
node examples/node-quickstart/index.mjs "$work/acme.snapshot" "$public"

printf '\n== the conformance expectations, through compile, sign, verify and load\n'
# Not through `run`: a mismatch here must fail the demo.
conformance=tests/conformance
set -- "$policy" "$conformance/acme.queries.json" "$conformance/acme-later.queries.json" "$conformance/acme.tokens.json"
printf '\n$ rolegate test %s\n' "$*"
rolegate test "$@"
