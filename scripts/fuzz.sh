#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 60), seeded with the
# golden snapshots and the conformance policies. A crash stops the run and leaves its
# input in fuzz/artifacts/TARGET/: copy it to fuzz/regressions/TARGET/ (replayed by
# `cargo test --test fuzz_regressions`) once it is fixed. Prints execs and coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
bash scripts/setup.sh > /dev/null

seed() { # target, files...
  local dir=fuzz/corpus/$1
  shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/seed-$(basename "$f")"; done
  return 0
}
seed snapshot tests/fixtures/*.snapshot fuzz/regressions/snapshot/*
seed policy examples/policies/*.json tests/conformance/*.policy.json tests/conformance/generated/*.policy.json fuzz/regressions/policy/*
seed roundtrip fuzz/regressions/roundtrip/*
seed delta tests/fixtures/*.delta fuzz/regressions/delta/*

cd fuzz
for target in snapshot policy roundtrip delta; do
  printf '\n== fuzz %s for %ss\n' "$target" "$seconds"
  cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 |
    grep -E "^Done|stat::number_of_executed_units|stat::average_exec_per_sec|(DONE|INITED) +cov:|ERROR|panicked|SUMMARY|Test unit written" || true
  if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
    echo "fuzz $target found a crash: see fuzz/artifacts/$target" >&2
    exit 1
  fi
done
