#!/usr/bin/env bash
# Requests per second and latency of a migrating visitor's profile at the partner CMS, in one run, for each MC
# service (MCPTT, MCData, MCVideo: each its own migration profile, template section, procedure and stored copy):
#   first        the visitor's FIRST request at the partner: the whole TS 23.280 10.1.4.x procedure. The partner
#                (mcx-b) asks the primary (mcx-a) for the migration profile over CSCM-x (mutual TLS, on kept-open
#                connections: up to 8 idle per partner), applies its template, signs the result (XML signature), stores it (SQLite or PostgreSQL),
#                sends the delivery report to the primary (a second CSCM-x call, inside the same request) and serves it.
#   revalidated  a request for a profile the partner already holds: it revalidates its copy with the primary by a
#                conditional CSCM-x request (If-None-Match, 304 from the primary), runs no template and serves the copy.
#   nginx        the same bytes (one served visitor profile, saved from a response) as a static file from nginx.
# Every case is HTTPS with keep-alive between wrk and the server, on loopback; the CMS checks a visitor's ES256 access
# token on every request. The two systems are those `mcprov dev --prepare-only` writes, each run as `mcprov cms`.
#
# How the first requests are driven (each visitor asked exactly once): USERS visitors are added to the primary as
# migration profiles (`mcprov cms import`), each with its own token. wrk runs a Lua script that gives each wrk thread
# every THREADS-th visitor; a connection may send the next request only when delay() grants it one of the thread's
# visitors not yet asked, otherwise it is parked, so no visitor is asked twice and no other request is mixed in. When
# a thread has all its answers it stops itself; the script then ends wrk with SIGINT. wrk's own Requests/sec divides
# by the whole -d time, so the rate is the number of answers divided by the time from the first request sent to the
# last answer received (measured in the Lua script). Latency figures are wrk's, over exactly those requests. The
# TLS handshakes of the CONNECTIONS connections fall inside that window (a few ms against seconds).
# In the revalidated case the client asks unconditionally and gets the whole profile (200); only the partner's request
# to the primary is conditional. Every case is closed-loop (CONNECTIONS requests outstanding at all times), so a
# latency includes the wait behind the other connections' requests: mean latency ~ CONNECTIONS / rate.
#
# Usage: bench/migration.sh [BUILD_DIR]
# Environment: USERS=2000 DURATION=10s CONNECTIONS=32 THREADS=2 (wrk), SERVICES="mcptt mcdata mcvideo" (those measured,
# in this order: the first and revalidated cases of one service, then the next's), LOG_LEVEL=warn (both CMSs; with info or debug
# the run also counts the procedure's steps in the logs), STORE=sqlite|postgresql (each system's store: its SQLite
# file, or a database of its own on one throw-away PostgreSQL server).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
built="$root/$build/apps/mcprov/mcprov"
users=${USERS:-2000}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
wrk_threads=${THREADS:-2}
log_level=${LOG_LEVEL:-warn}
read -r -a services <<<"${SERVICES:-mcptt mcdata mcvideo}"
first_limit=150 # seconds the first-request phase may take at most

fail() { echo "bench: $*" >&2; exit 1; }
[ -x "$built" ] || fail "no $built: build first (make build)"
for tool in wrk nginx curl openssl awk sqlite3; do
  command -v "$tool" >/dev/null || fail "needs $tool (make setup)"
done
for service in "${services[@]}"; do
  case "$service" in mcptt | mcdata | mcvideo) ;; *) fail "SERVICES are mcptt, mcdata or mcvideo, not $service" ;; esac
done
[ "$users" -ge "$connections" ] || fail "USERS ($users) must be at least CONNECTIONS ($connections)"
[ $((connections % wrk_threads)) -eq 0 ] || fail "CONNECTIONS must be a multiple of THREADS"

work=$(mktemp -d)
chmod 755 "$work" # nginx workers may run as another user
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -d "$work/pg" ] && bash "$root/scripts/postgres.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# A private copy, so that a rebuild of BUILD_DIR during the run does not swap the binary under it.
cp "$built" mcprov
mcprov="$work/mcprov"
case "${STORE:-sqlite}" in
  sqlite) ;;
  postgresql)
    pg_url=$(bash "$root/scripts/postgres.sh" start "$work/pg")
    for db in mcx_a mcx_b; do psql -q "$pg_url" -c "CREATE DATABASE $db" || fail "cannot create the database $db"; done
    ;;
  *) fail "STORE is sqlite or postgresql" ;;
esac

# Listening ports are taken below the ephemeral range: the partner's connections to the primary (and wrk's) take
# ports from it, and a port in use as a connection's local end cannot be listened on. Another program may still
# take a port between the check and the bind, so the servers are started again on other ports if they cannot listen.
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
[ "$ephemeral_low" -gt 12000 ] || ephemeral_low=61000
random_port() { echo $((10000 + (RANDOM * 32768 + RANDOM) % (ephemeral_low - 10000 - 4))); }
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
free_port() { local p; while :; do p=$(random_port); port_free "$p" && { echo "$p"; return; }; done; }
free_port_run() { # the first of four consecutive free ports
  local p
  while :; do
    p=$(random_port)
    port_free "$p" && port_free $((p + 1)) && port_free $((p + 2)) && port_free $((p + 3)) && { echo "$p"; return; }
  done
}
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# Whether the server `pid` listens on all the ports given (it exits when it cannot listen on one).
listening() {
  local pid=$1 p; shift
  for p in "$@"; do wait_port "$p" || return 1; done
  sleep 0.2
  kill -0 "$pid" 2>/dev/null
}
cpu_ticks() { # CPU time (user + system, in clock ticks) of the processes given, summed
  local t=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
  done
  echo $t
}
ms_per_request() { # ticks-before ticks-after requests
  awk -v b="$1" -v a="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (a - b) * 1000 / hz / n }'
}
seconds_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# How busy the machine is before the run (percent of all cores over one second): other work skews the figures.
cpu_sample() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
read -r total0 idle0 <<<"$(cpu_sample)"; sleep 1; read -r total1 idle1 <<<"$(cpu_sample)"
busy=$(awk -v t=$((total1 - total0)) -v i=$((idle1 - idle0)) 'BEGIN { printf "%.0f", (t > 0 ? 100 * (t - i) / t : 0) }')
if [ "$busy" -gt 10 ]; then
  echo "bench: warning: the machine was ${busy}% busy before the run; other work skews the figures" >&2
fi

# --- the two MC systems --------------------------------------------------------------------------------------------
for attempt in 1 2 3; do
  base=$(free_port_run)
  rm -rf dev
  "$mcprov" dev --dir dev --port "$base" --prepare-only >/dev/null 2>prepare.log || { cat prepare.log; fail "mcprov dev failed"; }
  for label in mcx-a mcx-b; do
    sed -i "s/^level = \"info\"/level = \"$log_level\"/" "dev/$label/cms.toml"
    grep -q "^level = \"$log_level\"" "dev/$label/cms.toml" || fail "cannot set the log level in dev/$label/cms.toml"
    if [ "${STORE:-sqlite}" = postgresql ]; then
      url=${pg_url/\/postgres\?//${label/-/_}?}
      sed -i "s|^path = \"cms.db\"|url = \"${url//&/\\&}\"|" "dev/$label/cms.toml"
      grep -q "^url = \"postgresql:" "dev/$label/cms.toml" || fail "cannot set the store in dev/$label/cms.toml"
      # The example documents `mcprov dev` seeded into the SQLite file, imported into the system's database.
      rm -rf seed
      sqlite3 "dev/$label/cms.db" "SELECT DISTINCT 'seed/' || auid || '/users/' || xui FROM documents" |
        xargs -d '\n' mkdir -p
      sqlite3 "dev/$label/cms.db" \
        "SELECT writefile('seed/' || auid || '/users/' || xui || '/' || name, content) FROM documents" >/dev/null
      "$mcprov" cms import --config "dev/$label/cms.toml" seed >seed.log 2>&1 || { cat seed.log; fail "seeding failed"; }
    fi
  done
  "$mcprov" cms --config dev/mcx-a/cms.toml >mcx-a.log 2>&1 & pids+=($!); a_pid=$!
  "$mcprov" cms --config dev/mcx-b/cms.toml >mcx-b.log 2>&1 & pids+=($!); b_pid=$!
  listening $a_pid "$base" $((base + 1)) && listening $b_pid $((base + 2)) $((base + 3)) && break
  kill $a_pid $b_pid 2>/dev/null || true
  wait $a_pid $b_pid 2>/dev/null || true
  cat mcx-a.log mcx-b.log >&2
  [ $attempt -lt 3 ] || fail "the two CMSs could not be started"
  echo "bench: starting the two CMSs again on other ports" >&2
done
a_xcap=$base; b_xcap=$((base + 2))

token() { # issuer-label audience-label mc-id scope
  "$mcprov" token --key "dev/$1/idms.key.pem" --issuer "https://idms.$1.example.org" \
    --audience "cms.$2.example.org" --mc-id "$3" --scope "$4" --lifetime 3600
}
user_scope=3gpp:mc:config_management_service
admin_a=$(token mcx-a mcx-a sip:admin@mcx-a.example.org mcprov:cms:admin)
admin_b=$(token mcx-b mcx-b sip:admin@mcx-b.example.org mcprov:cms:admin)
get() { # label url token [curl options...]
  local label=$1 url=$2 bearer=$3; shift 3
  curl -sS --fail-with-body --cacert "dev/$label/ca.pem" -H "Authorization: Bearer $bearer" "$@" "$url"
}
profile_path() { echo "/xcap/org.3gpp.$1.user-profile/users/$2/$1-user-profile-0.xml"; } # service user
migration_auid() { # service
  case "$1" in mcptt) echo org.mcprov.migration-profile ;; *) echo "org.mcprov.$1-migration-profile" ;; esac
}

# --- the visitors: migration profiles at the primary, tokens of the primary's IdM server for the partner ----------
alice=sip:alice@police.mcx-a.example.org
started=$(date +%s.%N)
seq -f "sip:v%05g@police.mcx-a.example.org" 1 "$users" >users.list
# Each visitor gets alice's migration profile of every service measured, with its own identity.
for service in "${services[@]}"; do
  auid=$(migration_auid "$service")
  get mcx-a "https://127.0.0.1:$a_xcap/xcap/$auid/users/$alice/migration-profile-1.xml" "$admin_a" \
    >"alice-$service-migration.xml"
  sed "s|^|import/$auid/users/|" users.list | xargs mkdir -p
  awk -v alice="$alice" -v auid="$auid" 'NR == FNR { doc = doc $0 "\n"; next }
    { d = doc; gsub(alice, $0, d); f = "import/" auid "/users/" $0 "/migration-profile-1.xml"
      printf "%s", d > f; close(f) }' "alice-$service-migration.xml" users.list
done
"$mcprov" cms import --config dev/mcx-a/cms.toml import >import.log 2>&1 || { tail import.log; fail "import failed"; }
grep -q "imported $((users * ${#services[@]})) documents" import.log ||
  { tail import.log; fail "not every migration profile was imported"; }
# `mcprov token` issues one token per run: two runs at a time, one per core.
issue_tokens() { while read -r u; do echo "$u $(token mcx-a mcx-b "$u" "$user_scope")"; done; }
half=$(((users + 1) / 2))
head -n "$half" users.list | issue_tokens >tokens.1 & token_pids=($!)
tail -n +"$((half + 1))" users.list | issue_tokens >tokens.2 & token_pids+=($!)
wait "${token_pids[@]}"
cat tokens.1 tokens.2 >visitors.txt
[ "$(wc -l <visitors.txt)" -eq "$users" ] || fail "token generation failed"
echo "bench: $users visitors with migration profiles and tokens in $(seconds_since "$started") s"

# --- check the procedure once for each service, with a visitor the timed runs do not use --------------------------
alice_token=$(token mcx-a mcx-b "$alice" "$user_scope")
for service in "${services[@]}"; do
  alice_url="https://127.0.0.1:$b_xcap$(profile_path "$service" "$alice")"
  get mcx-b "$alice_url" "$alice_token" >alice-first.xml || fail "alice's first $service request at the partner failed"
  get mcx-b "$alice_url" "$alice_token" >alice-again.xml || fail "alice's second $service request at the partner failed"
  grep -q "sip:mutual-aid@groups.mcx-b.example.org" alice-first.xml || fail "the partner's $service template was not applied"
  grep -q "SignatureValue" alice-first.xml || fail "the served $service profile is not signed"
  cmp -s alice-first.xml alice-again.xml || fail "the revalidated $service profile differs from the first one"
done

# --- the timed runs -------------------------------------------------------------------------------------------------
cat >common.lua <<'LUA'
-- Shared by the wrk scripts: visitors of this thread, a monotonic clock, the summary line.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
function now() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9 end

threads, next_id = {}, 0
function setup(thread) thread:set("id", next_id); next_id = next_id + 1; table.insert(threads, thread) end

-- This thread's share of the visitors, as ready requests: every nth line from line id.
function my_requests()
  local out, i, n = {}, 0, tonumber(os.getenv("BENCH_THREADS"))
  for line in io.lines(os.getenv("BENCH_VISITORS")) do
    if i % n == id then
      local user, token = line:match("^(%S+) (%S+)$")
      local service = os.getenv("BENCH_SERVICE")
      out[#out + 1] = wrk.format("GET", "/xcap/org.3gpp." .. service .. ".user-profile/users/" .. user .. "/" ..
                                 service .. "-user-profile-0.xml", { Authorization = "Bearer " .. token })
    end
    i = i + 1
  end
  return out
end

-- An answer counts as bad unless it is a 200 without Warning (a Warning 110 means a stale copy was served).
bad = 0
function response(status, headers, body)
  if status ~= 200 or headers["Warning"] then bad = bad + 1 end
  if on_response then on_response() end
end

function sum(name)
  local s = 0
  for _, t in ipairs(threads) do s = s + (t:get(name) or 0) end
  return s
end

-- RESULT requests bad rps mean_ms p99_ms p50_ms
function report(requests, seconds, latency)
  io.write(string.format("RESULT %d %d %.1f %.2f %.2f %.2f\n", requests, sum("bad"), requests / seconds,
                         latency.mean / 1000, latency:percentile(99) / 1000, latency:percentile(50) / 1000))
end
LUA

cat >first.lua <<'LUA'
-- Each visitor of this thread's share asked exactly once (see bench/migration.sh).
dofile(os.getenv("BENCH_DIR") .. "/common.lua")

function init(args)
  reqs = my_requests()
  n, granted, sent, completed, overflow = #reqs, 0, 0, 0, 0
  -- wrk calls request() once on its first thread before the run, to check the request parses; it is never sent.
  checking = id == 0
end

-- wrk calls delay() before every request, a connection's first one included: grant a visitor, or park the connection.
function delay()
  if granted < n then granted = granted + 1; return 0 end
  return 3600000
end

function request()
  if checking then checking = false; return reqs[1] end
  sent = sent + 1
  if sent > granted then granted = sent end -- only if a wrk sent a request without asking delay() first
  if sent == 1 then started = now() end
  if sent > n then overflow = overflow + 1; return reqs[n] end -- never expected: reported as an error
  return reqs[sent]
end

function on_response()
  completed = completed + 1
  if completed == n then
    finished = now()
    local f = io.open(os.getenv("BENCH_DIR") .. "/first-done-" .. id, "w"); f:write("done\n"); f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local first, last = math.huge, 0
  for _, t in ipairs(threads) do
    first = math.min(first, t:get("started") or math.huge)
    last = math.max(last, t:get("finished") or 0)
  end
  io.write(string.format("FIRST sent %d, completed %d of %d, overflow %d\n", sum("sent"), sum("completed"), sum("n"),
                         sum("overflow")))
  report(sum("completed"), last - first, latency)
end
LUA

cat >cycle.lua <<'LUA'
-- Requests cycling over this thread's share of the visitors.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
function init(args) reqs = my_requests(); i = 0 end
function request() i = i % #reqs + 1; return reqs[i] end
function done(summary, latency, requests) report(summary.requests, summary.duration / 1e6, latency) end
LUA

cat >static.lua <<'LUA'
-- One request, the -H headers and the URL's path, again and again; answers checked like the others.
dofile(os.getenv("BENCH_DIR") .. "/common.lua")
function done(summary, latency, requests) report(summary.requests, summary.duration / 1e6, latency) end
LUA

export BENCH_DIR=$work BENCH_VISITORS=$work/visitors.txt BENCH_THREADS=$wrk_threads
wrk_args=(-t"$wrk_threads" -c"$connections" --latency --timeout 10s)

visitors_json() { get mcx-b "https://127.0.0.1:$b_xcap/migration/visitors" "$admin_b"; }
count() { grep -o "$1" | wc -l; }
result_of() { # wrk output file -> "requests rps mean p99 p50", failing on errors
  local line
  line=$(grep '^RESULT ' "$1") || { cat "$1"; fail "no result from wrk"; }
  if grep -q "Socket errors" "$1"; then cat "$1"; fail "socket errors in $2"; fi
  local -a f
  read -r -a f <<<"$line" # RESULT requests bad rps mean p99 p50
  [ "${f[2]}" -eq 0 ] || fail "${f[2]} bad answers in $2"
  echo "${f[1]} ${f[3]} ${f[4]} ${f[5]} ${f[6]}"
}

declare -A first_rps first_mean first_p99 first_p50 first_cpu reval_rps reval_mean reval_p99 reval_cpu
revalidations_total=0
done_services=0
for service in "${services[@]}"; do
  export BENCH_SERVICE=$service
  rm -f first-done-*
  echo "bench: $service first requests: $users visitors, each once, wrk -t$wrk_threads -c$connections"
  a0=$(cpu_ticks "$a_pid"); b0=$(cpu_ticks "$b_pid")
  wrk "${wrk_args[@]}" -d"${first_limit}s" -s first.lua "https://127.0.0.1:$b_xcap/" >first.out 2>&1 &
  wrk_pid=$!; pids+=("$wrk_pid")
  deadline=$((SECONDS + first_limit + 5))
  while [ "$(find . -maxdepth 1 -name 'first-done-*' | wc -l)" -lt "$wrk_threads" ] && kill -0 $wrk_pid 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || break
    sleep 0.05
  done
  for _ in $(seq 50); do kill -0 $wrk_pid 2>/dev/null || break; kill -INT $wrk_pid 2>/dev/null || true; sleep 0.1; done
  wait $wrk_pid || true
  grep -q "^FIRST sent $users, completed $users of $users, overflow 0" first.out || { cat first.out; fail "not every visitor was asked exactly once"; }
  r=$(result_of first.out "the $service first requests") || exit 1
  read -r _ first_rps[$service] first_mean[$service] first_p99[$service] first_p50[$service] <<<"$r"
  first_cpu[$service]="$(ms_per_request "$b0" "$(cpu_ticks "$b_pid")" "$users") + $(ms_per_request "$a0" "$(cpu_ticks "$a_pid")" "$users")"
  done_services=$((done_services + 1))
  # The partner stored a profile of this service for every visitor (and alice), and reported each delivery to the
  # primary.
  visitors_json >visitors-after-first.json
  stored=$(count "\"service\":\"$service\"" <visitors-after-first.json)
  [ "$stored" -eq $((users + 1)) ] || fail "the partner stores $stored $service visitors, not $((users + 1))"
  # alice has a profile of every service (the check above), the visitors one of each service measured so far.
  expected=$((users * done_services + ${#services[@]}))
  [ "$(count '"reported":true' <visitors-after-first.json)" -eq "$expected" ] || fail "some deliveries were not reported"
  delivered=$(get mcx-a "https://127.0.0.1:$a_xcap/migration/serving" "$admin_a" | count '"delivery":')
  [ "$delivered" -eq "$expected" ] || fail "the primary recorded $delivered deliveries, not $expected"

  echo "bench: $service revalidated requests: the same visitors again, wrk -t$wrk_threads -c$connections -d$duration"
  a0=$(cpu_ticks "$a_pid"); b0=$(cpu_ticks "$b_pid")
  wrk "${wrk_args[@]}" -d"$duration" -s cycle.lua "https://127.0.0.1:$b_xcap/" >revalidated.out 2>&1
  a1=$(cpu_ticks "$a_pid"); b1=$(cpu_ticks "$b_pid")
  r=$(result_of revalidated.out "the $service revalidated requests") || exit 1
  read -r revalidations reval_rps[$service] reval_mean[$service] reval_p99[$service] _ <<<"$r"
  revalidations_total=$((revalidations_total + revalidations))
  reval_cpu[$service]="$(ms_per_request "$b0" "$b1" "$revalidations") + $(ms_per_request "$a0" "$a1" "$revalidations")"
  # No stored profile was regenerated (no template run): the stored visitors are exactly as after the first requests.
  visitors_json >visitors-after-revalidation.json
  cmp -s visitors-after-first.json visitors-after-revalidation.json || fail "stored visitor profiles changed while revalidating"
done

# nginx serves one visitor's served profile, saved from a response of the partner.
v1=$(head -n 1 visitors.txt)
path=$(profile_path mcptt "${v1%% *}")
mkdir -p "www$(dirname "$path")" nginx-tmp
get mcx-b "https://127.0.0.1:$b_xcap$path" "${v1#* }" >"www$path"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tls.key -out tls.crt -days 1 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
nginx_config() { # port
  cat <<NGINX
worker_processes 2;
daemon off;
error_log $work/nginx-error.log warn;
pid $work/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/vnd.3gpp.mcptt-user-profile+xml;
  etag on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx-tmp; proxy_temp_path $work/nginx-tmp; fastcgi_temp_path $work/nginx-tmp;
  uwsgi_temp_path $work/nginx-tmp; scgi_temp_path $work/nginx-tmp;
  server { listen 127.0.0.1:$1 ssl; root $work/www;
           ssl_certificate $work/tls.crt; ssl_certificate_key $work/tls.key; }
}
NGINX
}
for attempt in 1 2 3; do
  nginx_port=$(free_port)
  nginx_config "$nginx_port" >nginx.conf
  nginx -c "$work/nginx.conf" -p "$work" & pids+=($!); nginx_pid=$!
  listening $nginx_pid "$nginx_port" && break
  kill $nginx_pid 2>/dev/null || true
  wait $nginx_pid 2>/dev/null || true
  cat nginx-error.log >&2
  [ $attempt -lt 3 ] || fail "nginx could not be started"
  echo "bench: starting nginx again on another port" >&2
done
curl -sSf -k "https://127.0.0.1:$nginx_port$path" | cmp -s - "www$path" || fail "nginx does not serve the saved profile"
size=$(wc -c <"www$path")

echo "bench: nginx static file, wrk -t$wrk_threads -c$connections -d$duration"
# The same Authorization header as a visitor's, so that the requests are as large; nginx ignores it.
mapfile -t nginx_pids < <(echo "$nginx_pid"; pgrep -P "$nginx_pid")
n0=$(cpu_ticks "${nginx_pids[@]}")
wrk "${wrk_args[@]}" -d"$duration" -s static.lua -H "Authorization: Bearer ${v1#* }" \
  "https://127.0.0.1:$nginx_port$path" >nginx.out 2>&1
r=$(result_of nginx.out "the nginx requests") || exit 1
read -r nginx_requests nginx_rps nginx_mean nginx_p99 _ <<<"$r"
nginx_cpu=$(ms_per_request "$n0" "$(cpu_ticks "${nginx_pids[@]}")" "$nginx_requests")

if [ "$log_level" = info ] || [ "$log_level" = debug ]; then
  # Every timed first request ran the template and got a full profile; every revalidated one got a 304.
  applied=$(count "step 10: applying template" <mcx-b.log)
  not_modified=$(count "step 7-8: not modified" <mcx-a.log)
  # Besides wrk's: alice's second request of each service and the one that saved nginx's file; wrk does not count the
  # requests still in flight when its time is up (at most one per connection and run).
  low=$((revalidations_total + done_services + 1)); high=$((low + connections * done_services))
  echo "bench: logs: $applied template runs (expected $(((users + 1) * done_services))), $not_modified not-modified" \
    "answers from the primary (expected $low to $high)"
  if [ "$applied" -ne $(((users + 1) * done_services)) ] || [ "$not_modified" -lt $low ] || [ "$not_modified" -gt $high ]; then
    fail "the logs do not match"
  fi
fi

echo
echo "Visitor profiles at the partner CMS (nginx: the MCPTT one, $size bytes), HTTPS keep-alive, loopback, wrk -t$wrk_threads -c$connections"
echo "(first: $users visitors once each; revalidated and nginx: $duration). CMS log level $log_level; the machine"
echo "was ${busy}% busy before the run."
row() { printf '%-54s %10s %10s %10s %16s\n' "$@"; }
row case "req/s" "mean ms" "p99 ms" "CPU ms/request"
for service in "${services[@]}"; do
  row "$service first request (CSCM-x, template, sign, store)" "${first_rps[$service]}" "${first_mean[$service]}" \
    "${first_p99[$service]}" "${first_cpu[$service]}"
  row "$service revalidated (conditional CSCM-x, 304)" "${reval_rps[$service]}" "${reval_mean[$service]}" \
    "${reval_p99[$service]}" "${reval_cpu[$service]}"
done
row "nginx static file" "$nginx_rps" "$nginx_mean" "$nginx_p99" "$nginx_cpu"
for service in "${services[@]}"; do
  awk -v s="$service" -v n="$nginx_rps" -v r="${reval_rps[$service]}" -v f="${first_rps[$service]}" \
    'BEGIN { printf "ratios %-7s nginx / revalidated = %.1f, revalidated / first = %.1f, nginx / first = %.1f\n", s ":", n / r, r / f, n / f }'
done
if [ -n "${BENCH_SUMMARY:-}" ]; then # make bench's table of the goals
  for service in "${services[@]}"; do
    awk -v s="$service" -v n="$nginx_rps" -v r="${reval_rps[$service]}" \
      'BEGIN { printf "%-44s %8.2f of nginx               goal >= 0.25\n", "visitor revalidated (" s ")", r / n }'
    awk -v s="$service" -v f="${first_rps[$service]}" -v p="${first_p50[$service]}" -v c="$connections" \
      'BEGIN { printf "%-44s %8.0f per s, p50 %.1f ms (%d conns) goal >= 1000 per s, p50 <= 3 ms\n", "visitor first request (" s ")", f, p, c }'
  done >>"$BENCH_SUMMARY"
fi
echo "CPU ms/request: the servers' CPU time (user + system) over the requests: partner + primary for the CMS cases,"
echo "nginx's master and workers for nginx; wrk's own is not counted. All processes (wrk, both CMSs, nginx) share the"
echo "machine's $(nproc) core(s)."
