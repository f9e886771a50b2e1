#!/usr/bin/env bash
# A device switched on and off with a smart card, CYCLES times: `mcprov agent switch-on` (card read with PIN1, the
# (device, card) pair authenticated by the DMS with a vector from osmo-hlr over GSUP, the card's objects read, put into
# the tree and stored, the MC client provisioned) and `mcprov agent switch-off`, with the real pcscd, the vpcd reader
# and a `mcprov card insert` card. Prints the median of each step in milliseconds and its share of the switch-on, and
# the median switch-off. The times are the agent's own (process start-up is not in them).
#
# Usage: bench/switch_on.sh [BUILD_DIR]. Environment: CYCLES=50. Needs no other pcscd running (its socket is the
# machine's).
set -euo pipefail
build=${1:-build}
cycles=${CYCLES:-50}
mcprov="$build/apps/mcprov/mcprov"
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
if pgrep -x pcscd >/dev/null; then
    echo "switch_on.sh: a pcscd is running already; stop it first (its socket is the machine's)" >&2
    exit 1
fi
wait_for() { # file pattern: the pattern appears in the file within 20 s
    for _ in $(seq 200); do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "switch_on.sh: timed out waiting for '$2' in $1" >&2
    cat "$1" >&2
    exit 1
}

cp "$root"/config/cards/card-a.* "$dir"/
chmod 600 "$dir"/card-a.toml
"$mcprov" card build --description "$dir/card-a.toml" --image "$dir/card-a.json" >/dev/null

hlr=127.0.0.77
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
 store-imei
 gsup
  bind ip $hlr
CFG
osmo-hlr -c "$dir/osmo-hlr.cfg" -l "$dir/hlr.db" >"$dir/hlr.log" 2>&1 &
pids+=($!)
wait_for "$dir/hlr.log" "Available via telnet"
"$mcprov" card hlr --image "$dir/card-a.json" --vty "$hlr:4258" >/dev/null

port=35990
cat >"$dir/reader.conf" <<CFG
FRIENDLYNAME "mcprov bench vpcd"
DEVICENAME /dev/null:$port
LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID $port
CFG
pcscd -f -d -c "$dir/reader.conf" >"$dir/pcscd.log" 2>&1 &
pids+=($!)
wait_for "$dir/pcscd.log" "daemon ready"
"$mcprov" card insert --image "$dir/card-a.json" --reader "127.0.0.1:$port" >"$dir/card.log" 2>&1 &
pids+=($!)
wait_for "$dir/card.log" "inserted"

openssl ecparam -name prime256v1 -genkey -noout -out "$dir/idms.key" 2>/dev/null
openssl ec -in "$dir/idms.key" -pubout -out "$dir/idms.pub" 2>/dev/null
cat >"$dir/dms.toml" <<CFG
[server]
listen = "127.0.0.1:0"
plain_http = true
[store]
path = "dms.db"
[auth]
issuer = "https://idms.example.org"
audience = "dms"
public_key = "idms.pub"
[dm]
server_id = "dms.bench.example"
[hlr]
gsup = "$hlr:4222"
[log]
level = "warn"
CFG
"$mcprov" dms --config "$dir/dms.toml" >"$dir/dms.log" 2>&1 &
pids+=($!)
# The DMS logs its address at warn level only when asked: find it from its listening socket instead.
for _ in $(seq 200); do
    dms_port=$(ss -ltnp 2>/dev/null | awk -v pid="${pids[-1]}" '$0 ~ "pid=" pid "," {split($4, a, ":"); print a[2]}' | head -1)
    [ -n "$dms_port" ] && break
    sleep 0.1
done
[ -n "$dms_port" ] || { echo "switch_on.sh: the DMS did not start" >&2; cat "$dir/dms.log" >&2; exit 1; }
cat >"$dir/device.toml" <<CFG
[device]
id = "IMEI:352099001761481"
[store]
path = "device.db"
[ui]
confirm = "yes"
[mc_client]
directory = "mc-client"
[card]
network = "http://127.0.0.1:$dms_port/dms/v1/switch-on"
reader = "mcprov bench vpcd"
pin = "1234"
locked = ["./Vendor/acme/Corporate"]
[log]
level = "warn"
CFG

on_file="$dir/on.txt"
off_file="$dir/off.txt"
for _ in $(seq "$cycles"); do
    "$mcprov" agent --config "$dir/device.toml" switch-on | sed -n 's/.*steps (ms): //p' >>"$on_file"
    "$mcprov" agent --config "$dir/device.toml" switch-off | sed -n 's/.*steps (ms): switch-off=//p' >>"$off_file"
done
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
echo "== switch-on and switch-off, $cycles cycles (medians, ms)"
total=$(awk '{s=0; for (i=1; i<=NF; i++) {split($i, kv, "="); s+=kv[2]} print s}' "$on_file" | median)
for step in card network objects tree applications sessions; do
    m=$(grep -o "$step=[0-9.e+-]*" "$on_file" | cut -d= -f2 | median)
    printf '%-14s %8.2f ms  %5.1f%% of switch-on\n' "$step" "$m" "$(echo "100 * $m / $total" | bc -l)"
done
printf '%-14s %8.2f ms\n' "switch-on" "$total"
printf '%-14s %8.2f ms\n' "switch-off" "$(median <"$off_file")"
