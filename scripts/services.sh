#!/usr/bin/env bash
# Private PostgreSQL/PostGIS and Redis under .var/ on non-standard ports.
# Usage: scripts/services.sh start|stop|status|restart-postgres|restart-redis
# Services whose URL was overridden (DATABASE_URL / REDIS_URL) are left alone.
set -euo pipefail
source "$(dirname "$0")/env.sh"

pg_paths() {  # resolved paths: the postgres user may not be able to follow .var/pg itself
  local base; base=$(readlink -m "$HAECHI_VAR/pg")
  PGDATA="$base/data" PGRUN="$base/run" PGLOG="$base/postgres.log"
}
pg_paths
REDIS_DIR="$HAECHI_VAR/redis"

as_pg() {  # PostgreSQL refuses to run as root: use the postgres system user then.
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_running() { as_pg "$HAECHI_PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

pg_prepare_dir() {
  # As root the server runs as `postgres`, which must be able to reach .var/pg. When the
  # checkout sits under a private directory (e.g. /root), keep the cluster in /var/lib/haechi
  # and link it from .var/pg.
  if [ "$(id -u)" -ne 0 ]; then mkdir -p "$HAECHI_VAR/pg"; pg_paths; mkdir -p "$PGRUN"; return; fi
  if [ ! -e "$HAECHI_VAR/pg" ]; then
    mkdir -p "$HAECHI_VAR"
    if (cd / && runuser -u postgres -- test -x "$HAECHI_VAR"); then
      mkdir -p "$HAECHI_VAR/pg"
    else
      local outside="/var/lib/haechi/$(echo "$HAECHI_ROOT" | sha256sum | cut -c1-12)/pg"
      log "PostgreSQL: $HAECHI_VAR is not reachable by the postgres user; cluster in $outside"
      mkdir -p "$outside" && chmod 755 /var/lib/haechi "$(dirname "$outside")"
      ln -s "$outside" "$HAECHI_VAR/pg"
    fi
  fi
  pg_paths
  mkdir -p "$PGRUN"
  chown postgres:postgres "$(readlink -m "$HAECHI_VAR/pg")" "$PGRUN"
}

pg_start() {
  [ "$HAECHI_EXTERNAL_PG" = 1 ] && { log "PostgreSQL: using external DATABASE_URL"; return; }
  pg_prepare_dir
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "PostgreSQL: initdb in $PGDATA"
    as_pg "$HAECHI_PG_BIN/initdb" -D "$PGDATA" -U haechi --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $HAECHI_PG_PORT
unix_socket_directories = '$PGRUN'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = off
max_wal_size = 2GB
logging_collector = off
CONF
  fi
  if pg_running; then log "PostgreSQL: running on 127.0.0.1:$HAECHI_PG_PORT"; else
    log "PostgreSQL: starting on 127.0.0.1:$HAECHI_PG_PORT"
    as_pg "$HAECHI_PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start; see $PGLOG"
  fi
  local psql=(env PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$HAECHI_PG_PORT" -U haechi -v ON_ERROR_STOP=1 -qAt)
  if [ "$("${psql[@]}" -d postgres -c "select 1 from pg_database where datname='haechi'")" != 1 ]; then
    "${psql[@]}" -d postgres -c "create database haechi" >/dev/null
  fi
  "${psql[@]}" -d haechi -c "create extension if not exists postgis" >/dev/null
  # The test database is created by Django from template1: give it PostGIS too.
  "${psql[@]}" -d template1 -c "create extension if not exists postgis" >/dev/null
}

pg_stop() {
  [ -f "$PGDATA/PG_VERSION" ] && pg_running || return 0
  log "PostgreSQL: stopping"
  as_pg "$HAECHI_PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
}

redis_cli() { redis-cli -h 127.0.0.1 -p "$HAECHI_REDIS_PORT" "$@"; }
redis_running() { [ "$(redis_cli ping 2>/dev/null)" = PONG ]; }

redis_start() {
  [ "$HAECHI_EXTERNAL_REDIS" = 1 ] && { log "Redis: using external REDIS_URL"; return; }
  mkdir -p "$REDIS_DIR"
  if redis_running; then log "Redis: running on 127.0.0.1:$HAECHI_REDIS_PORT"; return; fi
  log "Redis: starting on 127.0.0.1:$HAECHI_REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$HAECHI_REDIS_PORT" --dir "$REDIS_DIR" \
    --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    --appendonly yes --appendfsync everysec --save "" --protected-mode yes
  for _ in $(seq 50); do redis_running && return; sleep 0.1; done
  die "Redis did not start; see $REDIS_DIR/redis.log"
}

redis_stop() {
  redis_running || return 0
  log "Redis: stopping"
  redis_cli shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 50); do redis_running || return 0; sleep 0.1; done
}

case "${1:-}" in
  start) pg_start; redis_start ;;
  stop) redis_stop; pg_stop ;;
  status)
    pg_running && echo "postgres: up (127.0.0.1:$HAECHI_PG_PORT)" || echo "postgres: down"
    redis_running && echo "redis: up (127.0.0.1:$HAECHI_REDIS_PORT)" || echo "redis: down" ;;
  restart-postgres) pg_stop; pg_start ;;
  restart-redis) redis_stop; redis_start ;;
  *) die "usage: $0 start|stop|status|restart-postgres|restart-redis" ;;
esac
