#!/usr/bin/env bash
# Profile GETs per second from the CMS, and from nginx serving the same bytes as a static file, in one run.
# Both over plain HTTP and over TLS, keep-alive, on loopback; the CMS checks a bearer token on every request.
# Usage: bench/profile_get.sh [BUILD_DIR]   (environment: DURATION=10s CONNECTIONS=32 THREADS=2
#        STORE=sqlite|postgresql: the CMS's store, a SQLite file or a throw-away PostgreSQL server)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
mcprov="$root/$build/apps/mcprov/mcprov"
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
wrk_threads=${THREADS:-2}
[ -x "$mcprov" ] || { echo "bench: build first (make build)"; exit 1; }
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "bench: needs wrk and nginx (make setup)"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work" # nginx workers may run as another user
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  [ -d "$work/pg" ] && bash "$root/scripts/postgres.sh" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { # a loopback port nothing listens on
  local p
  while :; do p=$((20000 + RANDOM % 40000)); (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }; done
}
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

cd "$work"
store_table='[store]\npath = "cms.db"\n'
case "${STORE:-sqlite}" in
  sqlite) ;;
  postgresql) store_table="[store]\\nurl = \"$(bash "$root/scripts/postgres.sh" start "$work/pg")\"\\n" ;;
  *) echo "bench: STORE is sqlite or postgresql"; exit 1 ;;
esac
"$mcprov" keygen --private idms.key --public idms.pub >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tls.key -out tls.crt -days 1 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null

user=sip:alice@police.example.org
doc=mcptt-user-profile-1.xml
path="/xcap/org.3gpp.mcptt.user-profile/users/$user/$doc"
http_port=$(free_port); https_port=$(free_port); nginx_http=$(free_port); nginx_https=$(free_port)

write_config() { # name listen tls?
  {
    printf '[server]\nlisten = "127.0.0.1:%s"\nthreads = 2\n' "$2"
    if [ "$3" = tls ]; then printf '[tls]\ncertificate = "tls.crt"\nprivate_key = "tls.key"\n'; else printf 'plain_http = true\n'; fi
    printf '%b' "$store_table"
    printf '[auth]\nissuer = "https://idms.bench"\naudience = "mcprov-cms"\npublic_key = "idms.pub"\n'
    printf '[log]\nlevel = "warn"\n'
  } > "$1"
}
write_config cms-http.toml "$http_port" plain
write_config cms-https.toml "$https_port" tls
"$mcprov" cms import --config cms-http.toml "$root/tests/data/profiles" >/dev/null
token=$("$mcprov" token --key idms.key --issuer https://idms.bench --audience mcprov-cms --mc-id "$user" \
          --scope 3gpp:mc:config_management_service)
"$mcprov" cms --config cms-http.toml 2>cms-http.log & pids+=($!)
"$mcprov" cms --config cms-https.toml 2>cms-https.log & pids+=($!)

mkdir -p www/xcap/org.3gpp.mcptt.user-profile/users/"$user"
cp "$root/tests/data/profiles/org.3gpp.mcptt.user-profile/users/$user/$doc" "www/xcap/org.3gpp.mcptt.user-profile/users/$user/$doc"
cat > nginx.conf <<NGINX
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
  server { listen 127.0.0.1:$nginx_http; root $work/www; }
  server { listen 127.0.0.1:$nginx_https ssl; root $work/www;
           ssl_certificate $work/tls.crt; ssl_certificate_key $work/tls.key; }
}
NGINX
mkdir -p nginx-tmp
nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
for p in "$http_port" "$https_port" "$nginx_http" "$nginx_https"; do wait_port "$p" || { echo "bench: port $p never opened"; cat cms-*.log; exit 1; }; done

# Check every server answers the same bytes before timing anything.
body=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$path")
[ "$body" = "$(curl -sf "http://127.0.0.1:$nginx_http$path")" ] || { echo "bench: CMS and nginx bodies differ"; exit 1; }

rps() { # url [auth]
  local out
  if [ -n "${2:-}" ]; then
    out=$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" -H "Authorization: Bearer $2" "$1")
  else
    out=$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" "$1")
  fi
  if echo "$out" | grep -q "Non-2xx"; then echo "bench: non-2xx answers from $1" >&2; echo "$out" >&2; exit 1; fi
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}

echo "profile GET, ${STORE:-sqlite} store, ${#body}-byte document, wrk -t$wrk_threads -c$connections -d$duration, keep-alive, loopback"
cms_http=$(rps "http://127.0.0.1:$http_port$path" "$token")
nginx_http_rps=$(rps "http://127.0.0.1:$nginx_http$path")
cms_https=$(rps "https://127.0.0.1:$https_port$path" "$token")
nginx_https_rps=$(rps "https://127.0.0.1:$nginx_https$path")
printf '%-8s %14s %14s %10s\n' "" "mcprov cms" "nginx static" "ratio"
printf '%-8s %14s %14s %10s\n' http "$cms_http" "$nginx_http_rps" "$(echo "scale=2; $nginx_http_rps / $cms_http" | bc)"
printf '%-8s %14s %14s %10s\n' https "$cms_https" "$nginx_https_rps" "$(echo "scale=2; $nginx_https_rps / $cms_https" | bc)"
echo "(ratio = nginx / mcprov: how many times faster nginx is)"
if [ -n "${BENCH_SUMMARY:-}" ]; then # make bench's table of the goals
  awk -v m="$cms_https" -v n="$nginx_https_rps" \
    'BEGIN { printf "%-44s %8.2f of nginx               goal >= 0.8\n", "cached profile GET, HTTPS", m / n }' >>"$BENCH_SUMMARY"
fi
