#!/usr/bin/env bash
# Complete authenticated DM sessions per second (package 1 with MD5 credentials, package 2 with a queued Get, package 3
# with its Status and Results, the server's closing message: two HTTP exchanges on loopback), in XML and in WBXML, with
# DM_DEVICES enrolled, then with ten times as many, to show how the cost per session grows with the devices enrolled.
# Each run also measures the same exchanges against a route that only decodes and encodes (the transport's limit);
# "ratio" is sessions per second over that limit's. See bench/dm_sessions_bench.cpp for what each row does.
#
# Usage: bench/dm.sh [BUILD_DIR]
# Environment: DM_DEVICES=100000, DM_SESSIONS=5000 (per encoding), DM_THREADS=4 (client threads; the server has 2).
set -euo pipefail
build=${1:-build}
devices=${DM_DEVICES:-100000}
sessions=${DM_SESSIONS:-5000}
threads=${DM_THREADS:-4}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for n in "$devices" $((devices * 10)); do
    echo "== DM sessions, $n devices enrolled"
    "$build/bench/dm_sessions_bench" "$n" "$sessions" "$threads" "$dir/store"
done
