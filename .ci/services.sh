#!/usr/bin/env bash
# Start or stop the services the test suite needs: a throwaway PostgreSQL 15 cluster and a
# Redis server, both on 127.0.0.1, under var/services/. Installs Redis and Chromium with
# apt-get when they are missing (as root, or through sudo).
#
#   .ci/services.sh install | start | stop | env
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${ROSETTA_SERVICES_DIR:-$ROOT/var/services}"
PG_PORT="${PG_PORT:-54329}"
REDIS_PORT="${REDIS_PORT:-63799}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v initdb || echo /usr/bin/initdb)")}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

install() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    # apt-get has been seen to end well on a new machine and still leave the packages out:
    # check, and try once more before giving up.
    for attempt in 1 2; do
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
      command -v redis-server >/dev/null && [ -x /usr/bin/chromium ] && break
      echo "apt-get install left something out (attempt $attempt)" >&2
    done
    PG_BIN="$(ls -d /usr/lib/postgresql/15/bin)"
  fi
  command -v redis-server >/dev/null || { echo "redis-server is still missing after apt-get install" >&2; return 1; }
  [ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is still missing after apt-get install" >&2; return 1; }
}

pg_run() {
  # initdb and postgres refuse to run as root: run them as the postgres user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  install
  mkdir -p "$STATE"
  if [ "$(id -u)" = 0 ]; then chown postgres "$STATE"; chmod 755 "$STATE"; fi
  if ! pg_run "$PG_BIN/pg_ctl" -D "$STATE/pg" status >/dev/null 2>&1; then
    rm -rf "$STATE/pg"
    pg_run "$PG_BIN/initdb" -D "$STATE/pg" -U rosetta --auth=trust -E UTF8 >/dev/null
    cat >>"$STATE/pg/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
# A bigger share of memory for the database's cache (PostgreSQL's own advice: a quarter of RAM;
# 2 GB of this machine's 24): a 100,000-supplier hub then reads from its buffers, not the OS's.
shared_buffers = 2GB
CONF
    pg_run "$PG_BIN/pg_ctl" -D "$STATE/pg" -l "$STATE/pg.log" -w start >/dev/null
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U rosetta rosetta
  fi
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
      --daemonize yes --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  echo "services up: postgresql 127.0.0.1:$PG_PORT, redis 127.0.0.1:$REDIS_PORT"
}

stop() {
  if [ -d "$STATE/pg" ]; then pg_run "$PG_BIN/pg_ctl" -D "$STATE/pg" -m fast stop >/dev/null 2>&1 || true; fi
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$STATE"
}

env() {
  echo "export DATABASE_URL=postgres://rosetta@127.0.0.1:$PG_PORT/rosetta"
  echo "export CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

"${1:-start}"
