#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for tests.
#
#   scripts/postgres.sh start [DIR]   initdb into DIR (a new temporary directory when omitted), start the server on a
#                                     Unix socket in DIR (no TCP unless MCPROV_PG_TCP_PORT is set), print its URL
#   scripts/postgres.sh stop DIR      stop the server of DIR (fast shutdown) and remove DIR
#   scripts/postgres.sh url DIR       print the URL of the server of DIR
#
# The server runs as a user other than root (PostgreSQL refuses root): the caller when not root, otherwise
# $MCPROV_PG_USER, else "postgres" (created by Debian's postgresql package), else "nobody". DIR is made owned by that
# user. The superuser is "mcprov" with trust authentication on the socket: never expose it. Starting takes about a
# second or two; data is not fsynced. Binaries come from $PG_BIN or /usr/lib/postgresql/15/bin.
set -euo pipefail

bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
port=5432 # only names the socket file in DIR, unless MCPROV_PG_TCP_PORT is set

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

run_user=""
if [ "$(id -u)" -eq 0 ]; then
  run_user="${MCPROV_PG_USER:-}"
  if [ -z "$run_user" ]; then
    if id -u postgres >/dev/null 2>&1; then run_user=postgres; else run_user=nobody; fi
  fi
fi

as_server() {
  if [ -n "$run_user" ]; then
    (cd / && runuser -u "$run_user" -- "$@")
  else
    "$@"
  fi
}

url_of() {
  local dir="$1"
  local tcp_port
  tcp_port="$(cat "$dir/tcp_port" 2>/dev/null || true)"
  if [ -n "$tcp_port" ]; then
    echo "postgresql://mcprov@127.0.0.1:$tcp_port/postgres"
  else
    echo "postgresql://mcprov@/postgres?host=$dir&port=$port"
  fi
}

cmd="${1:-}"
case "$cmd" in
start)
  [ -x "$bin/initdb" ] || die "no $bin/initdb: install PostgreSQL 15 (scripts/setup.sh installs the postgresql package)"
  dir="${2:-}"
  if [ -z "$dir" ]; then
    dir="$(mktemp -d /tmp/mcprov-pg.XXXXXX)"
  else
    mkdir -p "$dir"
  fi
  dir="$(cd "$dir" && pwd)"
  # The socket path (DIR/.s.PGSQL.5432) must fit in sun_path (107 bytes).
  [ ${#dir} -le 90 ] || die "$dir is too long a path for a Unix socket; use a shorter directory"
  if [ -n "$run_user" ]; then
    chown "$run_user" "$dir"
    chmod 0700 "$dir"
  fi
  if [ -f "$dir/data/postmaster.pid" ] && as_server "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    url_of "$dir" # already running: idempotent
    exit 0
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_server "$bin/initdb" -D "$dir/data" -U mcprov --auth=trust --no-sync --encoding=UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$dir/initdb.log")"
  fi
  listen="''"
  if [ -n "${MCPROV_PG_TCP_PORT:-}" ]; then
    listen="127.0.0.1"
    port="$MCPROV_PG_TCP_PORT"
    echo "$port" >"$dir/tcp_port"
  fi
  opts="-c listen_addresses=$listen -c port=$port -c unix_socket_directories=$dir -c fsync=off"
  opts+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null 2>&1 ||
    die "the server did not start: $(tail -5 "$dir/server.log" 2>/dev/null)"
  url_of "$dir"
  ;;
stop)
  dir="${2:-}"
  [ -n "$dir" ] && [ -d "$dir" ] || die "usage: postgres.sh stop DIR"
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
url)
  [ -n "${2:-}" ] || die "usage: postgres.sh url DIR"
  url_of "$2"
  ;;
*)
  die "usage: postgres.sh start [DIR] | stop DIR | url DIR"
  ;;
esac
