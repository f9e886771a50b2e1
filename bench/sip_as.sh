#!/usr/bin/env bash
# CPU time per INVITE at `mcprov sip-as`, forwarding a private call and answering one with a KMS Redirect Response
# (unsigned and signed), against Debian's Kamailio forwarding the same INVITEs, measured in the same run. SIPp sends
# the calls (its INVITE carries the Streamwide PCK I_MESSAGE in the SDP of a multipart/mixed body) and, for the
# forwarded ones, answers them 488 without a body (each call is one INVITE, its response and the hop-by-hop ACK). The
# callee takes UDP only, so the AS's server.udp_mtu is raised as Kamailio's is by default (its INVITE is ~1.4 KB).
#
# Usage: bench/sip_as.sh [BUILD_DIR]. Environment: SIP_CALLS=4000, SIP_RATE=400 (calls per second).
set -euo pipefail
build=${1:-build}
calls=${SIP_CALLS:-4000}
rate=${SIP_RATE:-400}
mcprov="$(cd "$build" && pwd)/apps/mcprov/mcprov"
root="$(cd "$(dirname "$0")/.." && pwd)"
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
    echo "sip_as.sh: timed out waiting for '$2' in $1" >&2
    cat "$1" >&2
    exit 1
}
# The CPU time (clock ticks, user + system) of a process and its children processes.
cpu_ticks() {
    local total=0 pid
    for pid in "$1" $(pgrep -P "$1" || true); do
        if [ -r "/proc/$pid/stat" ]; then
            total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
        fi
    done
    echo "$total"
}
ticks_per_second=$(getconf CLK_TCK)

uas=127.0.12.3
uac=127.0.12.4
mikey=$(cat "$root/tests/data/interop/streamwide/pck-i-message.b64")
kms=kms.mydev.streamwide.com

cat >"$dir/caller.xml" <<XML
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller">
  <send retrans="500"><![CDATA[
INVITE sip:bob@example.org SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:alice@example.org>;tag=[pid]SIPpTag00[call_number]
To: <sip:bob@example.org>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:alice@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: multipart/mixed;boundary=boundary1
Content-Length: [len]

--boundary1
Content-Type: application/sdp

v=0
o=alice 53655765 2353687637 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/SAVP 0
a=key-mgmt:mikey $mikey
--boundary1
Content-Type: application/vnd.3gpp.mcptt-info+xml

<mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params><session-type>private</session-type></mcptt-Params></mcpttinfo>
--boundary1--
]]></send>
  <recv response="100" optional="true"/>
  <recv response="488"/>
  <send><![CDATA[
ACK sip:bob@example.org SIP/2.0
[last_Via:]
From: <sip:alice@example.org>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
</scenario>
XML
cat >"$dir/callee.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="callee">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 488 Not Acceptable Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
XML

start_callee() {
    sipp -sf "$dir/callee.xml" -i "$uas" -p 5060 -t u1 -nostdin -bg >/dev/null 2>&1 || true
    callee_pid=$(pgrep -f "sipp -sf $dir/callee.xml" | head -1)
    pids+=("$callee_pid")
}
stop_callee() {
    kill "$callee_pid" 2>/dev/null || true
}
# Sends the calls to $1 and prints the CPU ticks process $2 used meanwhile.
measure() {
    local before after
    before=$(cpu_ticks "$2")
    (cd "$dir" && sipp -sf "$dir/caller.xml" -i "$uac" -p 5060 -t u1 -nostdin -m "$calls" -r "$rate" -l 1000 \
        -timeout 120s -timeout_error "$1" >/dev/null 2>"$dir/caller.err") || {
        echo "sip_as.sh: the calls to $1 did not all complete" >&2
        cat "$dir/caller.err" >&2
        exit 1
    }
    after=$(cpu_ticks "$2")
    echo $((after - before))
}
per_call_us() { echo "scale=1; $1 * 1000000 / $ticks_per_second / $calls" | bc; }

# Kamailio forwarding to the callee.
kamailio_addr=127.0.12.1
mkdir -p "$dir/kamailio-run"
cat >"$dir/kamailio.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=2
auto_aliases=no
listen=udp:$kamailio_addr:5060
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (has_totag()) {
    if (loose_route()) { route(RELAY); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { route(RELAY); } exit; }
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { route(RELAY); } exit; }
  t_check_trans();
  \$du = "sip:$uas:5060";
  route(RELAY);
}
route[RELAY] { if (!t_relay()) { sl_reply_error(); } exit; }
CFG
kamailio -f "$dir/kamailio.cfg" -DD -E -Y "$dir/kamailio-run" >"$dir/kamailio.out" 2>"$dir/kamailio.err" &
kamailio_pid=$!
pids+=("$kamailio_pid")
wait_for "$dir/kamailio.out" "udp: $kamailio_addr"
start_callee
kamailio_ticks=$(measure "$kamailio_addr:5060" "$kamailio_pid")
stop_callee
kill "$kamailio_pid"

# mcprov sip-as: forwarding (bob is in the I_MESSAGE's KMS), redirecting (he is not), redirecting with signed KRRs.
openssl ecparam -name prime256v1 -genkey -noout -out "$dir/as.key" 2>/dev/null
openssl req -new -x509 -key "$dir/as.key" -subj "/CN=as.example.org" -days 1 -out "$dir/as.crt" 2>/dev/null
as_addr=127.0.12.2
run_as() { # name, bob's domain, extra configuration; prints the CPU ticks
    cat >"$dir/$1.toml" <<TOML
[server]
listen = "$as_addr:5060"
udp_mtu = 65535
[as]
uri = "sip:as.example.org"
next_hop = "sip:$uas:5060"
[[domain]]
kms_uri = "$2"
members = ["sip:bob@example.org"]
[log]
level = "warn"
$3
TOML
    "$mcprov" sip-as --config "$dir/$1.toml" >"$dir/$1.out" 2>"$dir/$1.err" &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 200); do
        ss -lun | grep -q "$as_addr:5060" && break
        sleep 0.1
    done
    measure "$as_addr:5060" "$pid"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}
start_callee
forward_ticks=$(run_as forward "$kms" "")
stop_callee
redirect_ticks=$(run_as redirect "kms.elsewhere.example.org" "")
signed_ticks=$(run_as signed "kms.elsewhere.example.org" "[krr]
certificate = \"$dir/as.crt\"
private_key = \"$dir/as.key\"")

kamailio_us=$(per_call_us "$kamailio_ticks")
echo "CPU per INVITE over $calls calls at $rate/s (clock ticks of $((1000 / ticks_per_second)) ms, so +-$(per_call_us 1) us):"
printf '  %-46s %8s us  ratio %s\n' "Kamailio forwarding (the reference)" "$kamailio_us" "1.00"
for row in "sip-as forwarding:$forward_ticks" "sip-as redirecting (KRR, unsigned):$redirect_ticks" \
    "sip-as redirecting (KRR, signed):$signed_ticks"; do
    name=${row%%:*}
    ticks=${row##*:}
    us=$(per_call_us "$ticks")
    ratio=$(echo "scale=2; $ticks / ($kamailio_ticks + 0.0001)" | bc)
    printf '  %-46s %8s us  ratio %s\n' "$name" "$us" "$ratio"
done
