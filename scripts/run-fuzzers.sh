#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on a copy of its seed corpus; fails if any target crashed.
# Crashing inputs are kept in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail
build=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
status=0
for src in "$root"/tests/fuzz/*_fuzzer.cpp; do
  name=$(basename "$src" .cpp)
  corpus="$work/$name"
  mkdir -p "$corpus"
  seeds="$root/tests/fuzz/corpus/${name%_fuzzer}"
  [ -d "$seeds" ] && cp -r "$seeds"/. "$corpus"/
  echo "fuzz: $name for ${seconds}s"
  if ! "$build/tests/fuzz/$name" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
       -artifact_prefix="$artifacts/$name-" -print_final_stats=1 "$corpus" >"$work/$name.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -n 60 "$work/$name.log"; status=1
  else
    grep -E "stat::number_of_executed_units" "$work/$name.log" || true
  fi
done
exit $status
