#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on a copy of its seed corpus, FUZZ_JOBS targets at a time (default: one
# per core); fails if any target crashed. Crashing inputs are kept in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail
build=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:-20}
parallel=${FUZZ_JOBS:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

run_one() {
  local name=$1 corpus="$work/$1" seeds="$root/tests/fuzz/corpus/${1%_fuzzer}"
  mkdir -p "$corpus"
  [ -d "$seeds" ] && cp -r "$seeds"/. "$corpus"/
  # -timeout: an input that takes 30 s is a hang, reported at once rather than after libFuzzer's default 20 minutes.
  if "$build/tests/fuzz/$name" -max_total_time="$seconds" -timeout=30 -max_len=65536 -rss_limit_mb=2048 \
       -artifact_prefix="$artifacts/$name-" -print_final_stats=1 "$corpus" >"$work/$name.log" 2>&1; then
    echo ok >"$work/$name.status"
  else
    echo failed >"$work/$name.status"
  fi
}

names=()
for src in "$root"/tests/fuzz/*_fuzzer.cpp; do
  name=$(basename "$src" .cpp)
  names+=("$name")
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n || true
  done
  echo "fuzz: $name for ${seconds}s"
  run_one "$name" &
done
wait

status=0
for name in "${names[@]}"; do
  if [ "$(cat "$work/$name.status" 2>/dev/null)" != ok ]; then
    echo "fuzz: $name FAILED"; tail -n 60 "$work/$name.log"; status=1
  else
    echo "fuzz: $name: $(grep -E "stat::number_of_executed_units" "$work/$name.log" || true)"
  fi
done
exit $status
