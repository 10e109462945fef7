#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, from Debian's package.
#
#   scripts/postgres.sh run -- CMD...   start a cluster, run CMD with DATABASE_URL set, stop it
#   scripts/postgres.sh start           start one; prints `export DATABASE_URL=...` and `export PG_TEST_DIR=...`
#   scripts/postgres.sh stop DIR        stop the cluster started in DIR and delete it
#   scripts/postgres.sh restart DIR     restart it as after a crash (immediate shutdown), same port
#
# Installs the `postgresql` package when it is missing (apt-get; needs root or
# passwordless sudo). The cluster belongs to an unprivileged user (`postgres`,
# which the package creates), listens on 127.0.0.1 on a free port, keeps its
# data in a temporary directory, trusts local connections, and is removed by
# `stop` (and by `run` on exit, whatever CMD did).
set -euo pipefail

say() { printf 'postgres.sh: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    say "need root (or passwordless sudo) to run: $*"; return 1
  fi
}

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

ensure_installed() {
  if [ -z "$(bindir)" ]; then
    say "installing Debian's postgresql package (first run on this machine)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  fi
  [ -n "$(bindir)" ] || { say "postgresql is not installed and could not be installed"; exit 1; }
  id postgres >/dev/null 2>&1 || { say "the postgres user is missing (it comes with the package)"; exit 1; }
}

# as_pg CMD...: runs CMD as the unprivileged postgres user.
as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else as_root runuser -u postgres -- "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  ensure_installed
  local bin dir port
  bin=$(bindir)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/alipay-ams-pg.XXXXXX")
  chmod 755 "$dir"
  as_root chown postgres "$dir"
  port=$(free_port)
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; say "initdb failed"; exit 1; }
  # Tuned for throwaway tests: no fsync (a crash loses nothing we keep), but
  # real transactions, locks and isolation, which are what the tests are about.
  # PG_DURABLE=1 keeps PostgreSQL's defaults (fsync, full-page writes), as
  # in production: commits then wait for the disk.
  local durability="-c fsync=off -c full_page_writes=off"
  [ "${PG_DURABLE:-0}" = 1 ] && durability=""
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $port -k $dir $durability -c max_connections=200" start >&2 || {
    cat "$dir/server.log" >&2; say "the server did not start"; exit 1; }
  echo "$port" >"$dir/port"
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
  echo "export PG_TEST_DIR=$dir"
}

stop() {
  local dir=$1 bin
  bin=$(bindir)
  [ -d "$dir/data" ] || { say "no cluster in $dir"; return 0; }
  as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  as_root rm -rf "$dir"
}

# restart DIR: an immediate shutdown (the server is killed, as in a crash;
# it recovers from its WAL on start) and a start with the same options.
restart() {
  local dir=$1 bin
  bin=$(bindir)
  [ -d "$dir/data" ] || { say "no cluster in $dir"; return 1; }
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 restart >&2
}

case "${1:-}" in
  start) start ;;
  restart) restart "${2:?usage: postgres.sh restart DIR}" ;;
  stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || { say "usage: postgres.sh run -- CMD..."; exit 2; }
    eval "$(start)"
    trap 'stop "$PG_TEST_DIR"' EXIT
    say "PostgreSQL on ${DATABASE_URL}"
    "$@"
    ;;
  *) say "usage: postgres.sh run -- CMD... | start | stop DIR | restart DIR"; exit 2 ;;
esac
