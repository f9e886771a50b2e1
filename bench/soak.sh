#!/usr/bin/env bash
# Soak and load of four servers, one after another, each alone on loopback with a temporary configuration of its own
# (port 0, or free ports checked before use): the CMS (`mcprov cms`), the KMS (`mcprov kms`), the DM server
# (`mcprov dms`) and the SIP application server (`mcprov sip-as`). For each:
#
#   soak  SOAK_CONNECTIONS connections of real requests for SOAK_DURATION. The HTTP servers get wrk (2 threads,
#         keep-alive, closed loop: a connection sends its next request when the last is answered, so the rate is what
#         the server and the machine give), with bench/soak/soak.lua checking every answer. Passed when there are no
#         errors: every answer the expected success, no socket error, no timeout (a request unanswered after
#         SOAK_TIMEOUT seconds), and the server's own counters for the route (/stats) agree: as many 2xx as wrk's
#         answers, no 5xx, no exception (the requests in flight when wrk stops, at most one per connection, are cut
#         off and may be answered 4xx: noted, not counted). Memory: the server process's resident size (VmRSS of
#         /proc/PID/status) every SOAK_SAMPLE seconds, printed as a curve (with its established connections); "flat"
#         when the RSS at the end (the last sample under load) is at most 10% and at most 8 MiB above the RSS at the
#         end of the first quarter of the run (the warm-up), else "GROWS".
#   held  SOAK_HELD connections opened one after another by bench/soak/hold.c (built here with cc and libssl) and
#         held idle for SOAK_HELD_SECONDS. HTTP servers: each a TLS connection whose handshake completed and whose
#         GET /healthz was answered 200; while they are held, a new client (curl) sends the soak's request and must
#         get its success answer (its time is printed); after the hold every held connection must answer /healthz
#         again (SOAK_HELD_SECONDS must stay below the servers' 60 s idle timeout). SIP AS: plain TCP connections to
#         its SIP port; while they are held, a new call over UDP and one over TCP must each get through (their
#         INVITE's response time is printed), and after the hold every connection must still be open.
#
# The requests:
#   cms     authenticated XCAP GETs of alice's MCPTT profile over HTTPS (tests/data/profiles imported, a bearer token
#           of the IdMS with the configuration management scope), as bench/profile_get.sh.
#   kms     KMS KeyProvision POSTs over HTTPS, 16 members in turn, each with its own bearer token and the KmsRequest
#           `mcprov kmc` sends, each answered with a fresh key set in a signed KmsResponse, as bench/kms.sh; the
#           request is first checked once with `mcprov kmc fetch` (response signature against the CA, keys
#           validated).
#   dms     complete one-message OMA DM sessions over HTTPS: package 1 (Alert 1201, a Replace of the device's
#           DevInfo, Final) of 64 enrolled devices in turn, authenticated with syncml:auth-basic (`dm.auth = "basic"`,
#           which the DMS takes over TLS only), answered 212 with the server's credentials; the device has no job
#           queued (the enrolment's inventory job is cancelled), so the reply is Final and the session ends: per
#           request the DMS reads the device's credentials, session and jobs from its store and writes its
#           credentials and inventory (last session) in one transaction. Basic rather than MD5 because wrk sends
#           prepared requests: MD5 credentials are made with the nonce the server gave the device at its last
#           session, which wrk cannot compute; everything else (the SyncML route, authentication against the store,
#           the session's store transaction) is the same. The admin interface would reach the store only to read.
#   sip-as  private calls through the AS over TCP, from a SIPp caller to a SIPp callee (UDP), as bench/sip_as.sh:
#           each call an INVITE carrying the Streamwide PCK I_MESSAGE in a multipart/mixed body, forwarded by the
#           AS (the callee is a member of the I_MESSAGE's KMS), answered 488 by the callee, and the ACK; SIPp's -t tn
#           gives each call a TCP connection of its own, which the caller keeps open for SOAK_CONNECTIONS /
#           SOAK_SIP_RATE seconds after its ACK. So "connections" are calls in flight, each with its own TCP
#           connection to the AS (SIPp's -l), and calls start at SOAK_SIP_RATE per second (a steady rate, not a
#           closed loop) for SOAK_DURATION. Passed when SIPp's caller counts no failed call, no out-of-call or dead-
#           call message, the callee no failed call, and the AS's metrics count each call forwarded and nothing
#           refused. Latency: the INVITE's response time as SIPp measures it, in whole milliseconds (0: under 1 ms).
#           The AS's SIP stack keeps each completed INVITE transaction about 32 s (RFC 3261's Timer D towards the
#           UDP callee), so its RSS climbs for the first 32 s or so at any rate, then stays level: its memory
#           verdict means something only when the warm-up, a quarter of SOAK_DURATION, is longer (SOAK_DURATION of
#           160 s or more; the run says so otherwise). Each call's connection then waits 60 s in TIME_WAIT: keep
#           SOAK_SIP_RATE x 60 well below the ephemeral port range (28,000 ports by default).
#
# The servers run at log level info (the default); their standard error goes through a filter that keeps the first 20
# info lines, then only those of the HTTP layer (refusals: a request it could not read, a failed handshake, an answer
# made from an error) and every warning and error, 500 lines at most; it counts the warnings and errors, reported with
# the results.
# Prints the curves, then a summary table; exits 1 if any server failed a check (errors, memory GROWS, held
# connections), and at once, with the reason, when a server cannot be set up or started.
#
# Usage: bench/soak.sh [BUILD_DIR]   (apps/mcprov/mcprov in BUILD_DIR; `make soak` builds it first)
# Environment: SOAK_DURATION=10m (per server: N, Ns, Nm or Nh, up to 23h: the tokens live a day at most),
# SOAK_CONNECTIONS=256, SOAK_HELD=1000, SOAK_SAMPLE=10 (seconds; at most a quarter of SOAK_DURATION),
# SOAK_SERVERS="cms kms dms sip-as" (which, in this order), SOAK_HELD_SECONDS=30, SOAK_TIMEOUT=10 (seconds),
# SOAK_SIP_RATE=200 (calls per second). Needs wrk, curl, openssl, sipp, ss, cc and libssl-dev (make setup), and an
# open-files limit of at least SOAK_HELD + SOAK_CONNECTIONS + 256 (the script raises its own to 65536, as the servers'
# systemd units have, or to the hard limit when that is lower). It takes about SOAK_DURATION + SOAK_HELD_SECONDS + 30 s
# per server: some 45 minutes with the defaults.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
built="$build/apps/mcprov/mcprov"
duration_text=${SOAK_DURATION:-10m}
connections=${SOAK_CONNECTIONS:-256}
held=${SOAK_HELD:-1000}
sample=${SOAK_SAMPLE:-10}
servers=${SOAK_SERVERS:-cms kms dms sip-as}
held_seconds=${SOAK_HELD_SECONDS:-30}
timeout=${SOAK_TIMEOUT:-10}
sip_rate=${SOAK_SIP_RATE:-200}

fail() { echo "soak: $*" >&2; exit 1; }
[ -x "$built" ] || fail "no $built: build first (make build)"
for tool in wrk curl openssl sipp ss cc awk; do
  command -v "$tool" >/dev/null || fail "needs $tool (make setup)"
done
[[ "$duration_text" =~ ^([0-9]+)([smh]?)$ ]] || fail "SOAK_DURATION is N, Ns, Nm or Nh (N a whole number)"
case "${BASH_REMATCH[2]}" in
  h) duration=$((10#${BASH_REMATCH[1]} * 3600)) ;;
  m) duration=$((10#${BASH_REMATCH[1]} * 60)) ;;
  *) duration=$((10#${BASH_REMATCH[1]})) ;;
esac
for n in "$duration" "$connections" "$held" "$sample" "$held_seconds" "$timeout" "$sip_rate"; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ] ||
    fail "SOAK_DURATION, SOAK_CONNECTIONS, SOAK_HELD, SOAK_SAMPLE, SOAK_HELD_SECONDS, SOAK_TIMEOUT and SOAK_SIP_RATE" \
      "must be positive whole numbers"
done
[ "$duration" -le 82800 ] || fail "SOAK_DURATION is at most 23h (the access tokens live a day at most)"
[ $((sample * 4)) -le "$duration" ] || fail "SOAK_SAMPLE ($sample s) must be at most a quarter of SOAK_DURATION" \
  "($duration s): the warm-up RSS is the sample at the end of the first quarter"
[ "$held_seconds" -lt 60 ] || fail "SOAK_HELD_SECONDS must be below 60 (the servers close connections idle for 60 s)"
for s in $servers; do
  case "$s" in cms | kms | dms | sip-as) ;; *) fail "SOAK_SERVERS: unknown server '$s' (cms, kms, dms, sip-as)" ;; esac
done
# wrk's connections, the held ones and the servers' own files, in this shell and its children: raised towards the
# 65536 of the servers' systemd units (a server lowers its max_connections to its open-files limit less 64).
need_files=$((held + connections + 256))
files=$(ulimit -Hn)
[ "$files" = unlimited ] || [ "$files" -gt 65536 ] && files=65536
[ "$files" -ge "$need_files" ] ||
  fail "needs an open-files limit of $need_files (SOAK_HELD + SOAK_CONNECTIONS + 256); the hard limit is $files"
[ "$(ulimit -n)" -ge "$files" ] || ulimit -n "$files"

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Private copies, so that a rebuild of BUILD_DIR during the run does not swap a program under it.
cp "$built" "$work/mcprov"
mcprov="$work/mcprov"
cc -O2 -o "$work/hold" "$root/bench/soak/hold.c" -lssl -lcrypto 2>"$work/cc.log" ||
  { cat "$work/cc.log" >&2; fail "cannot build bench/soak/hold.c (needs cc and libssl-dev: make setup)"; }
lua="$root/bench/soak/soak.lua"
wrk_threads=2
[ "$connections" -ge "$wrk_threads" ] || wrk_threads=$connections
token_lifetime=$((duration + 3600 > 86400 ? 86400 : duration + 3600))

# --- helpers ----------------------------------------------------------------------------------------------------------
# Ports for the SIP AS and SIPp (the AS needs a port of its own: SIP peers are configured with it), taken below the
# ephemeral range, where the connections' own ports come from; free when nothing, TCP or UDP, has them.
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
[ "$ephemeral_low" -gt 12000 ] || ephemeral_low=32768
free_port() {
  local p
  while :; do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (ephemeral_low - 10000)))
    [ -z "$(ss -Htuan "( sport = :$p )" 2>/dev/null)" ] && { echo "$p"; return; }
  done
}
# Starts a server: NAME COMMAND...; its standard output and error go through the log filter into NAME.log (in the
# current folder). Sets server_pid and filter_pid. mawk (Debian's awk) reads a pipe in large blocks unless asked to
# take lines as they come.
filter_awk=(awk)
awk -W version 2>/dev/null | grep -q mawk && filter_awk=(awk -W interactive)
start_server() {
  local name=$1
  shift
  mkfifo "$name.fifo"
  "${filter_awk[@]}" '$2 == "info" && $3 != "[http]" { if (++info <= 20) { print; fflush() } else dropped++; next }
       $2 == "warning" { warnings++ } $2 == "error" || $2 == "critical" { errors++ }
       { if (++other <= 500) { print; fflush() } else dropped++ }
       END { printf "LOGSUMMARY %d %d %d\n", warnings, errors, dropped }' <"$name.fifo" >"$name.log" &
  filter_pid=$!
  pids+=("$filter_pid")
  "$@" >"$name.fifo" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
}
# Waits for a line of NAME.log matching PATTERN (20 s at most, and only while the server runs).
wait_for_log() {
  for _ in $(seq 200); do
    grep -qE "$2" "$1.log" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$1.log" >&2
  fail "$1: no '$2' in its log (it did not start)"
}
# Stops the server, then reads its log's summary: sets log_warnings, log_errors.
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  wait "$filter_pid" 2>/dev/null || true
  read -r _ log_warnings log_errors _ <<<"$(grep '^LOGSUMMARY ' "$1.log" || echo "LOGSUMMARY 0 0 0")"
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_mib() { awk -v r="$(rss_kib "$1")" 'BEGIN { printf "%.1f", r / 1024 }'; }
# Starts bench/soak/hold with these arguments (hold_pid, its output in hold.out) and waits until it holds every
# connection or exits; whether it holds them.
start_holder() {
  "$work/hold" "$@" >hold.out 2>&1 &
  hold_pid=$!
  pids+=("$hold_pid")
  while ! grep -q '^held ' hold.out; do
    kill -0 "$hold_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^held ' hold.out
}
established() { ss -Htn state established "( sport = :$1 )" 2>/dev/null | wc -l; }
# Appends "seconds RSS-KiB connections" for process PID, port PORT to FILE, every SOAK_SAMPLE seconds from now.
sampler() { # pid port file
  local t0=$EPOCHREALTIME nap=""
  trap '[ -z "$nap" ] || kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do
    awk -v a="$t0" -v b="$EPOCHREALTIME" -v r="$(rss_kib "$1")" -v c="$(established "$2")" \
      'BEGIN { printf "%.1f %d %d\n", b - a, r, c }' >>"$3"
    sleep "$sample" &
    nap=$!
    wait "$nap" || true
  done
}
start_sampler() { # pid port file
  : >"$3"
  sampler "$@" &
  sampler_pid=$!
  pids+=("$sampler_pid")
}
stop_sampler() { # pid port file: one more sample once the load is over (shown, not judged)
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  awk -v r="$(rss_kib "$1")" -v c="$(established "$2")" -v d="$load_seconds" \
    'BEGIN { printf "%.1f %d %d over\n", d, r, c }' >>"$3"
}
# The curve, and the verdict: sets rss_warm and rss_end (MiB) and memory ("flat" or "GROWS"). Both are samples taken
# under load: the one nearest the end of the first quarter, and the last; the sample after the load is only shown
# (closed connections give their buffers back, which would hide growth).
memory_report() { # file seconds
  awk 'BEGIN { print "      s    RSS MiB  conns" }
       { m[NR] = $2 } NR == 1 || $2 > max { max = $2 }
       { t[NR] = $1; c[NR] = $3; note[NR] = ($4 == "over" ? "  (the load over)" : "") }
       END { for (i = 1; i <= NR; i++) {
               bar = ""; for (k = 0; k < int(40 * m[i] / (max > 0 ? max : 1) + 0.5); k++) bar = bar "#"
               printf "%7.0f %10.1f %6d  %s%s\n", t[i], m[i] / 1024, c[i], bar, note[i] } }' "$1"
  read -r rss_warm rss_end memory <<<"$(awk -v d="$2" '$4 == "over" { next }
    { dt = $1 - d / 4; if (dt < 0) dt = -dt; if (NR == 1 || dt < best) { best = dt; warm = $2 } end = $2 }
    END { flat = end <= warm * 1.10 && end - warm <= 8 * 1024
          printf "%.1f %.1f %s\n", warm / 1024, end / 1024, (flat ? "flat" : "GROWS") }' "$1")"
  echo "  RSS under load at the end of the warm-up (first quarter): $rss_warm MiB; at the end: $rss_end MiB: $memory"
}
# A route's counters from a /stats answer: "requests 1xx 2xx 3xx 4xx 5xx exceptions".
route_counts() { # stats-file route
  local r
  r=$(grep -o "\"$2\":{[^}]*}" "$1") || { echo "0 0 0 0 0 0 0"; return; }
  for f in requests 1xx 2xx 3xx 4xx 5xx exceptions; do
    echo "$r" | grep -o "\"$f\":[0-9]*" | cut -d: -f2
  done | paste -sd' '
}

# Results, per server, for the summary.
declare -A r_requests r_errors r_rate r_p50 r_p99 r_warm r_end r_memory r_held r_passed
failed_any=0

# The soak of an HTTP server with wrk: NAME KIND PID PORT URL ROUTE STATS-COMMAND... (the command prints /stats).
# Sets the results of NAME; the phase's checks that fail are printed and recorded.
soak_http() {
  local name=$1 kind=$2 pid=$3 port=$4 url=$5 route=$6
  shift 6
  local problems=() line requests bad rps p50 p99 connect read write status timedout
  "$@" >stats.0 || fail "$name: cannot read its /stats"
  echo "== $name: wrk -t$wrk_threads -c$connections -d${duration}s --timeout ${timeout}s, $(describe_$kind)"
  load_seconds=$duration
  start_sampler "$pid" "$port" rss.txt
  SOAK_KIND=$kind wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout "${timeout}s" --latency -s "$lua" \
    "$url" >wrk.out 2>&1 || { cat wrk.out >&2; fail "$name: wrk failed"; }
  stop_sampler "$pid" "$port" rss.txt
  kill -0 "$pid" 2>/dev/null || { cat "$name.log" >&2; fail "$name: the server exited during the soak"; }
  # The server finishes the requests still in flight when wrk stopped: its counters are read once each request it
  # took has its answer (SOAK_TIMEOUT seconds at most).
  local r0 r1 deadline=$((SECONDS + timeout))
  while :; do
    "$@" >stats.1 || fail "$name: cannot read its /stats"
    read -r -a r1 <<<"$(route_counts stats.1 "$route")"
    [ "${r1[0]}" -gt $((r1[1] + r1[2] + r1[3] + r1[4] + r1[5])) ] && [ "$SECONDS" -lt "$deadline" ] || break
    sleep 0.1
  done
  line=$(grep '^RESULT ' wrk.out) || { cat wrk.out >&2; fail "$name: no result from wrk"; }
  read -r _ requests bad rps p50 p99 connect read write status timedout <<<"$line"
  local errors=$((bad + connect + read + write + timedout))
  [ "$bad" -eq 0 ] || problems+=("$bad answers not as expected")
  [ $((connect + read + write + timedout)) -eq 0 ] ||
    problems+=("socket errors: connect $connect, read $read, write $write, timeout $timedout")
  # The server's counters for the route: every answer wrk got (all 200 when bad is 0), and the requests still in
  # flight when wrk's time was up, which it closes without reading their answers (at most one per connection).
  # Those may be answered 4xx (a request cut off mid-body); any 5xx or exception is a failure.
  local total answered c4xx c5xx exceptions unread
  read -r -a r0 <<<"$(route_counts stats.0 "$route")"
  total=$((r1[0] - r0[0]))
  answered=$((r1[2] - r0[2]))
  c4xx=$((r1[4] - r0[4]))
  c5xx=$((r1[5] - r0[5]))
  exceptions=$((r1[6] - r0[6]))
  unread=$((total - requests))
  local unanswered=$((r1[0] - r1[1] - r1[2] - r1[3] - r1[4] - r1[5]))
  [ "$unanswered" -eq 0 ] ||
    problems+=("the server's $route route had $unanswered requests still unanswered ${timeout}s after wrk stopped")
  if [ $((c5xx + exceptions)) -ne 0 ]; then
    problems+=("the server's $route route answered $c5xx requests 5xx, $exceptions exceptions")
    errors=$((errors + c5xx + exceptions))
  fi
  [ "$answered" -ge "$requests" ] && [ "$unread" -ge 0 ] && [ "$unread" -le "$connections" ] ||
    problems+=("the server's $route route counted $total requests ($answered 2xx) for wrk's $requests answers")
  echo "  $requests requests, $rps per second, latency p50 $p50 ms, p99 $p99 ms; errors: $errors (answers not as" \
    "expected $bad, socket connect $connect, read $read, write $write, timeouts $timedout; the server's route" \
    "$route: $total requests, $answered 2xx, $c4xx 4xx, $c5xx 5xx, $exceptions exceptions)"
  if [ "$c4xx" -gt 0 ] && [ "$bad" -eq 0 ]; then
    echo "  note: $c4xx of the $unread requests in flight when wrk stopped were answered 4xx (wrk closed their" \
      "connections mid-request); the server's HTTP layer logged: $(grep -F ' info [http] ' "$name.log" | tail -3 |
        cut -c25- | paste -sd'|')"
  fi
  memory_report rss.txt "$duration"
  [ "$memory" = flat ] || problems+=("memory GROWS: $rss_warm MiB after the warm-up, $rss_end MiB at the end")
  r_requests[$name]=$requests
  r_errors[$name]=$errors
  r_rate[$name]=$rps
  r_p50[$name]=$p50
  r_p99[$name]=$p99
  r_warm[$name]=$rss_warm
  r_end[$name]=$rss_end
  r_memory[$name]=$memory
  record_problems "$name" "${problems[@]+"${problems[@]}"}"
}
record_problems() { # name problem...
  local name=$1
  shift
  r_passed[$name]=${r_passed[$name]:-yes}
  for p in "$@"; do
    echo "  FAILED: $name: $p"
    r_passed[$name]=no
  done
}
# SOAK_HELD idle TLS connections to an HTTP server, then the soak's request from a new client: NAME PID PORT
# CHECK-COMMAND... (runs the new client's request, prints "STATUS SECONDS", and fails unless it got its success).
held_http() {
  local name=$1 pid=$2 port=$3
  shift 3
  local problems=() at_server rss new="" verdict
  printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n' "$port" >healthz.req
  echo "== $name: $held held TLS connections (each with one GET /healthz answered), idle for ${held_seconds}s"
  local hold_pid
  if start_holder tls "$port" "$held" "$held_seconds" healthz.req; then
    at_server=$(established "$port")
    rss=$(rss_mib "$pid")
    if new=$("$@"); then
      echo "  held: $held open (the server has $at_server established), RSS $rss MiB; a new client's request:" \
        "$new s"
    else
      problems+=("a new client's request while $held connections were held was not answered as expected ($new)")
    fi
  fi
  wait "$hold_pid" && true
  local held_rc=$?
  sed 's/^/  hold: /' hold.out
  [ "$held_rc" -eq 0 ] || problems+=("the held connections: $(tail -1 hold.out)")
  if [ ${#problems[@]} -eq 0 ]; then
    verdict="ok: $held held, new $(echo "$new" | awk '{ print $1 " in " $2 " s" }')"
  else
    verdict="FAILED"
  fi
  r_held[$name]=$verdict
  record_problems "$name" "${problems[@]+"${problems[@]}"}"
}
# A new client's request: curl ARGS... -> "STATUS SECONDS"; fails unless STATUS is 200 and the body holds PATTERN
# (first argument).
new_client() {
  local pattern=$1 out
  shift
  out=$(curl -sS --max-time "$timeout" -o new.body -w '%{http_code} %{time_total}' "$@") ||
    { echo "curl failed"; return 1; }
  echo "$out"
  [ "${out%% *}" = 200 ] && grep -q -- "$pattern" new.body
}
describe_cms() { echo "authenticated XCAP profile GETs over HTTPS"; }
describe_kms() { echo "KeyProvision POSTs over HTTPS, 16 members in turn"; }
describe_dms() { echo "one-message DM sessions (syncml:auth-basic) over HTTPS, 64 devices in turn"; }

# The IdMS and a CA whose server certificate (localhost, 127.0.0.1) every server presents, and the KMS signs with.
cd "$work"
"$mcprov" keygen --private idms.key --public idms.pub >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=soak CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj /CN=localhost 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n%s\n' \
  'subjectAltName=DNS:localhost,IP:127.0.0.1' >server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext \
  -out server.crt 2>/dev/null
chmod 600 server.key idms.key
idms=https://idms.soak.example.org
token() { # audience mc-id scope
  "$mcprov" token --key "$work/idms.key" --issuer "$idms" --audience "$1" --mc-id "$2" --scope "$3" \
    --lifetime "$token_lifetime"
}
tls_config() {
  printf '[tls]\ncertificate = "%s"\nprivate_key = "%s"\n' "$work/server.crt" "$work/server.key"
}
auth_config() { # audience
  printf '[auth]\nissuer = "%s"\naudience = "%s"\npublic_key = "%s"\n' "$idms" "$1" "$work/idms.pub"
}

# --- the CMS ------------------------------------------------------------------------------------------------------
run_cms() {
  mkdir "$work/cms" && cd "$work/cms"
  local user=sip:alice@police.example.org doc=mcptt-user-profile-1.xml
  local path="/xcap/org.3gpp.mcptt.user-profile/users/$user/$doc"
  {
    printf '[server]\nlisten = "127.0.0.1:0"\n'
    tls_config
    printf '[store]\npath = "cms.db"\n'
    auth_config mcprov-cms
    printf '[log]\nlevel = "info"\n'
  } >cms.toml
  "$mcprov" cms import --config cms.toml "$root/tests/data/profiles" >import.out 2>&1 ||
    { cat import.out >&2; fail "cms: import failed"; }
  local user_token admin_token port url
  user_token=$(token mcprov-cms "$user" 3gpp:mc:config_management_service)
  admin_token=$(token mcprov-cms sip:admin@police.example.org mcprov:cms:admin)
  start_server cms "$mcprov" cms --config cms.toml
  wait_for_log cms 'serving .* on https://127\.0\.0\.1:[0-9]+'
  port=$(grep -oE 'on https://127\.0\.0\.1:[0-9]+' cms.log | head -1 | grep -oE '[0-9]+$')
  url="https://127.0.0.1:$port$path"
  # The answer is the imported document.
  curl -sS --cacert "$work/ca.pem" -H "Authorization: Bearer $user_token" "$url" -o check.xml ||
    fail "cms: the profile GET failed"
  cmp -s check.xml "$root/tests/data/profiles/org.3gpp.mcptt.user-profile/users/$user/$doc" ||
    fail "cms: the profile GET does not answer the imported document"
  cms_stats() {
    curl -sSf --cacert "$work/ca.pem" -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$port/stats"
  }
  SOAK_TOKEN=$user_token soak_http cms cms "$server_pid" "$port" "$url" xcap-read cms_stats
  held_http cms "$server_pid" "$port" new_client "<mcptt-user-profile" --cacert "$work/ca.pem" \
    -H "Authorization: Bearer $user_token" "$url"
  stop_server cms
  log_report cms
}
log_report() { # name
  echo "  the server logged $log_warnings warnings and $log_errors errors ($1.log)"
  [ "$log_errors" -eq 0 ] || { grep -E '^[^ ]+ (error|critical) ' "$1.log" | head -5 | sed 's/^/  /'; }
}

# --- the KMS ------------------------------------------------------------------------------------------------------
run_kms() {
  mkdir "$work/kms" && cd "$work/kms"
  local kms_uri=kms.soak.example.org scope=3gpp:mc:key_management_service
  local keyprov=/keymanagement/identity/v1/keyprov
  "$mcprov" kms keygen --output master.key >/dev/null
  {
    printf '[server]\nlisten = "127.0.0.1:0"\n'
    tls_config
    printf '[domain]\nkms_uri = "%s"\nmaster_key = "master.key"\n[store]\npath = "kms.db"\n' "$kms_uri"
    auth_config kms
    printf '[log]\nlevel = "info"\n'
  } >kms.toml
  local u
  for n in $(seq 16); do
    u=$(printf 'sip:u%03d@soak.example.org' "$n")
    "$mcprov" kms --config kms.toml member add "$u" >/dev/null 2>>admin.log ||
      { cat admin.log >&2; fail "kms: member add $u failed"; }
    echo "$u $(token kms "$u" "$scope")"
  done >tokens.txt
  local check_user=sip:check@soak.example.org check_token admin_token port url
  "$mcprov" kms --config kms.toml member add "$check_user" >/dev/null 2>>admin.log ||
    { cat admin.log >&2; fail "kms: member add $check_user failed"; }
  check_token=$(token kms "$check_user" "$scope")
  admin_token=$(token kms sip:admin@soak.example.org mcprov:kms:admin)
  start_server kms "$mcprov" kms --config kms.toml
  wait_for_log kms 'serving the security domain on https://127\.0\.0\.1:[0-9]+'
  port=$(grep -oE 'on https://127\.0\.0\.1:[0-9]+' kms.log | head -1 | grep -oE '[0-9]+$')
  url="https://127.0.0.1:$port$keyprov"
  # The request checked once with the client's own verification (signature against the CA, keys validated).
  "$mcprov" kmc fetch --kms "https://127.0.0.1:$port" --ca "$work/ca.pem" --token "$check_token" \
    --user "$check_user" --dir check-keys >check.out 2>&1 || { cat check.out >&2; fail "kms: mcprov kmc fetch failed"; }
  grep -q "keys validated" check.out || { cat check.out >&2; fail "kms: mcprov kmc did not validate the keys"; }
  kms_stats() {
    curl -sSf --cacert "$work/ca.pem" -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$port/stats"
  }
  SOAK_TOKENS=$PWD/tokens.txt SOAK_KMS_URI=$kms_uri soak_http kms kms "$server_pid" "$port" "$url" keyprov kms_stats
  cat >check-request.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<KmsRequest xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0" Version="1.1.0"><UserUri>$check_user</UserUri>
<KmsUri>$kms_uri</KmsUri><Time>$(date -u +%FT%TZ)</Time><ClientId>mcprov</ClientId>
<ClientReqUrl>https://$kms_uri$keyprov</ClientReqUrl></KmsRequest>
XML
  held_http kms "$server_pid" "$port" new_client "<KmsKeySet" --cacert "$work/ca.pem" \
    -H "Authorization: Bearer $check_token" -H "Content-Type: application/xml" --data-binary @check-request.xml "$url"
  stop_server kms
  log_report kms
}

# --- the DM server ------------------------------------------------------------------------------------------------
run_dms() {
  mkdir "$work/dms" && cd "$work/dms"
  {
    printf '[server]\nlisten = "127.0.0.1:0"\n'
    tls_config
    printf '[store]\npath = "dms.db"\n'
    auth_config mcprov-dms
    printf '[dm]\nserver_id = "dms.soak.example.org"\nauth = "basic"\n[log]\nlevel = "info"\n'
  } >dms.toml
  # 64 devices, each without a job: the inventory job its enrolment queues is cancelled.
  local d job
  for n in $(seq 64); do
    d=$(printf 'IMEI:35209900%07d' "$n")
    "$mcprov" dms --config dms.toml enroll "$d" --client-secret "device-secret-$n" >/dev/null 2>>admin.log ||
      { cat admin.log >&2; fail "dms: enroll $d failed"; }
    job=$("$mcprov" dms --config dms.toml jobs "$d" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
    [ -n "$job" ] || fail "dms: no enrolment job for $d"
    "$mcprov" dms --config dms.toml cancel "$d" "$job" >/dev/null 2>>admin.log ||
      { cat admin.log >&2; fail "dms: cancel $d $job failed"; }
    echo "$d $(printf '%s:device-secret-%s' "$d" "$n" | base64 -w0)"
  done >devices.txt
  local admin_token port url
  admin_token=$(token mcprov-dms sip:admin@soak.example.org mcprov:dms:admin)
  start_server dms "$mcprov" dms --config dms.toml
  wait_for_log dms 'DM server \(syncml:auth-basic\) on https://127\.0\.0\.1:[0-9]+'
  port=$(grep -oE 'on https://127\.0\.0\.1:[0-9]+' dms.log | head -1 | grep -oE '[0-9]+$')
  url="https://127.0.0.1:$port/dm"
  dms_stats() {
    curl -sSf --cacert "$work/ca.pem" -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$port/stats"
  }
  SOAK_DEVICES=$PWD/devices.txt SOAK_DM_URI=$url soak_http dms dms "$server_pid" "$port" "$url" syncml dms_stats
  # The new client: a session of the first device (session 2; wrk's are session 1), which the store must record.
  local cred
  read -r d cred <devices.txt
  cat >check-session.xml <<XML
<?xml version="1.0" encoding="UTF-8"?>
<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>
<SessionID>2</SessionID><MsgID>1</MsgID><Target><LocURI>$url</LocURI></Target><Source><LocURI>$d</LocURI></Source>
<Cred><Meta><Type xmlns="syncml:metinf">syncml:auth-basic</Type><Format xmlns="syncml:metinf">b64</Format></Meta>
<Data>$cred</Data></Cred></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Final/></SyncBody>
</SyncML>
XML
  held_http dms "$server_pid" "$port" new_client "<Data>212</Data>" --cacert "$work/ca.pem" \
    -H "Content-Type: application/vnd.syncml.dm+xml" --data-binary @check-session.xml "$url"
  "$mcprov" dms --config dms.toml show "$d" | grep -q '"last_session_id":"2"' ||
    record_problems dms "the store has not recorded the new client's session"
  stop_server dms
  log_report dms
}

# --- the SIP application server -------------------------------------------------------------------------------------
# The value of a column of SIPp's statistics file (its last line).
sipp_stat() { # file column
  awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
    END { if (!c) exit 1; print $c + 0 }' "$1" || fail "sip-as: no $2 in SIPp's statistics ($1)"
}
# One call of a new client: TRANSPORT (u1 or t1) -> prints its INVITE's response time in ms; fails unless it succeeded.
sip_new_call() {
  local t=$1 p
  p=$(free_port)
  rm -rf "new-$t" && mkdir "new-$t"
  (cd "new-$t" && sipp -sf "$root/bench/soak/sip-caller.xml" -inf ../mikey.csv -i 127.0.0.1 -p "$p" -t "$t" \
    -nostdin -m 1 -d 0 -timeout "${timeout}s" -timeout_error -trace_rtt -rtt_freq 1 "127.0.0.1:$as_port" \
    >/dev/null 2>sipp.err) ||
    { echo "failed: $(tail -1 "new-$t/sipp.err")"; return 1; }
  local ms
  ms=$(awk -F';' 'NR == 2 { print $2 }' "new-$t"/*_rtt.csv 2>/dev/null)
  [ -n "$ms" ] || { echo "no response time from SIPp"; return 1; }
  echo "$ms"
}
run_sip_as() {
  mkdir "$work/sip-as" && cd "$work/sip-as"
  local kms=kms.mydev.streamwide.com calls=$((sip_rate * duration)) pause_ms=$((1000 * connections / sip_rate))
  printf 'SEQUENTIAL\n%s\n' "$(cat "$root/tests/data/interop/streamwide/pck-i-message.b64")" >mikey.csv
  # The callee, on a free UDP port (it says nothing once bound: its socket is polled for).
  local callee_port callee_pid
  callee_port=$(free_port)
  # In the background SIPp prints its PID and exits with a status of its own (not 0).
  sipp -sf "$root/bench/soak/sip-callee.xml" -i 127.0.0.1 -p "$callee_port" -t u1 -nostdin -bg \
    -trace_stat -stf callee.csv -fd 1 >callee.out 2>&1 || true
  callee_pid=$(grep -oE 'PID=\[[0-9]+\]' callee.out | grep -oE '[0-9]+') ||
    { cat callee.out >&2; fail "sip-as: the callee did not start"; }
  pids+=("$callee_pid")
  for _ in $(seq 200); do
    [ -n "$(ss -Huan "( sport = :$callee_port )" 2>/dev/null)" ] && break
    sleep 0.1
  done
  [ -n "$(ss -Huan "( sport = :$callee_port )")" ] || fail "sip-as: the callee never bound UDP $callee_port"
  # The AS on a free port; started again on another if something took that one meanwhile.
  for attempt in 1 2 3; do
    as_port=$(free_port)
    cat >sip-as.toml <<TOML
[server]
listen = "127.0.0.1:$as_port"
udp_mtu = 65535
[as]
uri = "sip:as.soak.example.org"
next_hop = "sip:127.0.0.1:$callee_port"
[[domain]]
kms_uri = "$kms"
members = ["sip:bob@example.org"]
[metrics]
listen = "127.0.0.1:0"
[log]
level = "info"
TOML
    rm -f sip-as.fifo
    start_server sip-as "$mcprov" sip-as --config sip-as.toml
    for _ in $(seq 200); do
      grep -q 'metrics on http://' sip-as.log 2>/dev/null && break
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    grep -q 'metrics on http://' sip-as.log && break
    [ "$attempt" -lt 3 ] || { cat sip-as.log >&2; fail "sip-as: it did not start"; }
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" "$filter_pid" 2>/dev/null || true
    echo "soak: sip-as: starting it again on another port" >&2
  done
  local metrics_url
  metrics_url=$(grep -oE 'metrics on http://[0-9.:]+/metrics' sip-as.log | head -1 | cut -d' ' -f3)
  outcome() { # the AS's count of requests with this outcome, from its metrics
    curl -sSf "$metrics_url" |
      awk -v o="$1" 'index($0, "mcprov_sip_as_requests_total{outcome=\"" o "\"}") == 1 { print $2 + 0 }'
  }
  local forwarded0 refused0
  forwarded0=$(outcome forwarded) && refused0=$(outcome refused) || fail "sip-as: cannot read its metrics"

  local caller_port problems=() rc=0 t0 t1
  caller_port=$(free_port)
  echo "== sip-as: $calls calls at $sip_rate per second over TCP (SIPp -t tn), up to $connections in flight, each" \
    "holding its connection ${pause_ms} ms after its ACK"
  load_seconds=$duration
  start_sampler "$server_pid" "$as_port" rss.txt
  t0=$EPOCHREALTIME
  sipp -sf "$root/bench/soak/sip-caller.xml" -inf mikey.csv -i 127.0.0.1 -p "$caller_port" -t tn \
    -max_socket $((connections + 64)) -nostdin -m "$calls" -r "$sip_rate" -l "$connections" -d "$pause_ms" \
    -timeout $((duration * 2 + 60))s -timeout_error -trace_stat -stf caller.csv -fd "$sample" \
    -trace_rtt -rtt_freq 1 -trace_err -error_file caller-errors.log "127.0.0.1:$as_port" >/dev/null 2>caller.err ||
    rc=$?
  t1=$EPOCHREALTIME
  load_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  stop_sampler "$server_pid" "$as_port" rss.txt
  kill -0 "$server_pid" 2>/dev/null || { cat sip-as.log >&2; fail "sip-as: the server exited during the soak"; }
  [ -s caller.csv ] && [ -s callee.csv ] && ls ./*_rtt.csv >/dev/null 2>&1 ||
    { cat caller.err >&2; fail "sip-as: SIPp wrote no statistics (caller.csv, callee.csv, its response times)"; }
  local ok failed out_of_call dead callee_failed callee_out forwarded refused errors rate p50 p99
  ok=$(sipp_stat caller.csv 'SuccessfulCall(C)')
  failed=$(sipp_stat caller.csv 'FailedCall(C)')
  out_of_call=$(sipp_stat caller.csv 'OutOfCallMsgs(C)')
  dead=$(sipp_stat caller.csv 'DeadCallMsgs(C)')
  callee_failed=$(sipp_stat callee.csv 'FailedCall(C)')
  callee_out=$(sipp_stat callee.csv 'OutOfCallMsgs(C)')
  forwarded=$(outcome forwarded) && refused=$(outcome refused) || fail "sip-as: cannot read its metrics"
  forwarded=$((forwarded - forwarded0))
  refused=$((refused - refused0))
  errors=$((calls - ok + out_of_call + dead + callee_failed + callee_out + refused))
  [ "$rc" -eq 0 ] || problems+=("SIPp's caller exited with status $rc: $(tail -2 caller.err | tr '\n' ' ')")
  [ ! -s caller-errors.log ] || problems+=("SIPp's caller logged errors: $(head -3 caller-errors.log | tr '\n' ' ')")
  [ "$ok" -eq "$calls" ] || problems+=("$ok of $calls calls succeeded")
  [ $((failed + out_of_call + dead)) -eq 0 ] ||
    problems+=("the caller counted $failed failed calls, $out_of_call out-of-call and $dead dead-call messages")
  [ $((callee_failed + callee_out)) -eq 0 ] ||
    problems+=("the callee counted $callee_failed failed calls and $callee_out out-of-call messages")
  [ "$forwarded" -eq "$calls" ] && [ "$refused" -eq 0 ] ||
    problems+=("the AS forwarded $forwarded INVITEs for $calls calls and refused $refused")
  rate=$(awk -v n="$ok" -v s="$load_seconds" 'BEGIN { printf "%.1f", n / s }')
  read -r p50 p99 <<<"$(awk -F';' 'FNR > 1 { print $2 }' ./*_rtt.csv | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
         i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999); print v[i50], v[i99] }')"
  echo "  $ok calls in ${load_seconds}s, $rate per second, INVITE response time p50 $p50 ms, p99 $p99 ms; errors:" \
    "$errors (caller: $failed failed, $out_of_call out-of-call, $dead dead-call messages; callee: $callee_failed" \
    "failed, $callee_out out-of-call; the AS: $forwarded forwarded, $refused refused)"
  memory_report rss.txt "$load_seconds"
  [ "$memory" = flat ] || problems+=("memory GROWS: $rss_warm MiB after the warm-up, $rss_end MiB at the end")
  awk -v s="$load_seconds" 'BEGIN { exit !(s / 4 < 40) }' &&
    echo "  note: a warm-up of less than 40 s: the AS keeps each completed INVITE transaction about 32 s, so its" \
      "RSS still climbs then; the memory verdict needs SOAK_DURATION of 160 s or more"
  r_requests[sip-as]=$ok
  r_errors[sip-as]=$errors
  r_rate[sip-as]=$rate
  r_p50[sip-as]=$p50
  r_p99[sip-as]=$p99
  r_warm[sip-as]=$rss_warm
  r_end[sip-as]=$rss_end
  r_memory[sip-as]=$memory
  record_problems sip-as "${problems[@]+"${problems[@]}"}"

  # Held: plain TCP connections to the SIP port, and a new call over UDP and one over TCP meanwhile.
  problems=()
  local hold_pid at_server rss udp_ms="" tcp_ms="" held_rc
  echo "== sip-as: $held held TCP connections to its SIP port, idle for ${held_seconds}s"
  if start_holder tcp "$as_port" "$held" "$held_seconds"; then
    at_server=$(established "$as_port")
    rss=$(rss_mib "$server_pid")
    udp_ms=$(sip_new_call u1) || problems+=("a new call over UDP while $held connections were held: $udp_ms")
    tcp_ms=$(sip_new_call t1) || problems+=("a new call over TCP while $held connections were held: $tcp_ms")
    echo "  held: $held open (the AS has $at_server established), RSS $rss MiB; a new call's INVITE answered" \
      "over UDP in $udp_ms ms, over TCP in $tcp_ms ms"
  fi
  wait "$hold_pid" && true
  held_rc=$?
  sed 's/^/  hold: /' hold.out
  [ "$held_rc" -eq 0 ] || problems+=("the held connections: $(tail -1 hold.out)")
  if [ ${#problems[@]} -eq 0 ]; then
    r_held[sip-as]="ok: $held held, new UDP $udp_ms ms, TCP $tcp_ms ms"
  else
    r_held[sip-as]="FAILED"
  fi
  record_problems sip-as "${problems[@]+"${problems[@]}"}"
  kill "$callee_pid" 2>/dev/null || true
  stop_server sip-as
  log_report sip-as
}

echo "soak: $servers; $duration s each, $connections connections, $held held for $held_seconds s, RSS every" \
  "$sample s; $(nproc) cores, open-files limit $(ulimit -n)"
for s in $servers; do
  case "$s" in
    cms) run_cms ;;
    kms) run_kms ;;
    dms) run_dms ;;
    sip-as) run_sip_as ;;
  esac
  cd "$work"
done

echo
echo "summary (requests: answers, or calls for sip-as; errors: every kind counted above; RSS in MiB at the end of" \
  "the warm-up and at the end; pass: no errors, memory flat and the held connections ok)"
printf '%-7s %5s %8s %10s %7s %9s %8s %8s %8s %8s %-6s %-4s %s\n' server conns duration requests errors "rate/s" \
  "p50 ms" "p99 ms" "RSS wu" "RSS end" memory pass held
for s in $servers; do
  printf '%-7s %5s %8s %10s %7s %9s %8s %8s %8s %8s %-6s %-4s %s\n' "$s" "$connections" "${duration}s" \
    "${r_requests[$s]}" "${r_errors[$s]}" "${r_rate[$s]}" "${r_p50[$s]}" "${r_p99[$s]}" "${r_warm[$s]}" \
    "${r_end[$s]}" "${r_memory[$s]}" "${r_passed[$s]}" "${r_held[$s]}"
  [ "${r_passed[$s]}" = yes ] || failed_any=1
done
if [ "$failed_any" -ne 0 ]; then
  echo "soak: FAILED (see above)"
  exit 1
fi
echo "soak: passed"
