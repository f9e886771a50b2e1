#!/usr/bin/env bash
# GBA bootstraps per second at `mcprov bsf`, with vectors from the real osmo-hlr over GSUP, against the pace of the
# HLR itself measured in the same run; and the keys a NAF gets over Zn per second. See bench/gba_bench.cpp.
#
# Usage: bench/gba.sh [BUILD_DIR]. Environment: GBA_BOOTSTRAPS=2000, GBA_SUBSCRIBERS=64, GBA_THREADS=4.
set -euo pipefail
build=${1:-build}
count=${GBA_BOOTSTRAPS:-2000}
subscribers=${GBA_SUBSCRIBERS:-64}
threads=${GBA_THREADS:-4}
mcprov="$build/apps/mcprov/mcprov"
dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
wait_for() { # file pattern: the pattern appears in the file within 20 s
    for _ in $(seq 200); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "gba.sh: timed out waiting for '$2' in $1" >&2
    cat "$1" >&2
    exit 1
}
hlr=127.0.11.1
cat >"$dir/osmo-hlr.cfg" <<CFG
log stderr
 logging filter all 1
 logging color 0
 logging level main notice
line vty
 bind $hlr 4258
ctrl
 bind $hlr
hlr
 gsup
  bind ip $hlr
CFG
osmo-hlr -c "$dir/osmo-hlr.cfg" -l "$dir/hlr.db" >"$dir/osmo-hlr.log" 2>&1 &
pids+=($!)
wait_for "$dir/osmo-hlr.log" "Available via telnet"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$dir/bsf.key" -out "$dir/bsf.crt" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=naf.bench.example.org \
    -addext "subjectAltName=DNS:naf.bench.example.org" -keyout "$dir/naf.key" -out "$dir/naf.crt" 2>/dev/null
cat >"$dir/bsf.toml" <<CFG
[server]
listen = "127.0.0.1:0"
[tls]
certificate = "bsf.crt"
private_key = "bsf.key"
client_ca = "naf.crt"
[store]
path = "bsf.db"
[hlr]
gsup = "$hlr:4222"
[bsf]
name = "bsf.bench.example.org"
[zn]
nafs = ["naf.bench.example.org"]
[log]
level = "info"
CFG
"$mcprov" bsf --config "$dir/bsf.toml" >"$dir/bsf.log" 2>&1 &
pids+=($!)
wait_for "$dir/bsf.log" 'on https://127\.0\.0\.1:[0-9]+/'
port=$(grep -oE 'on https://127\.0\.0\.1:[0-9]+/' "$dir/bsf.log" | head -1 | grep -oE '[0-9]+/$' | tr -d /)
echo "== GBA: $count bootstraps by $threads clients, $subscribers subscribers, osmo-hlr on $hlr"
"$build/bench/gba_bench" "$hlr" "https://127.0.0.1:$port/" "$dir/bsf.crt" "$dir/naf.crt" "$dir/naf.key" \
    001019900000000 "$subscribers" "$count" "$threads" "$dir/dm"
