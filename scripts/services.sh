#!/usr/bin/env bash
# Private PostgreSQL/PostGIS and Redis under .var/ on non-standard ports.
# Usage: scripts/services.sh start|stop|status|restart-postgres|restart-redis
# Services whose URL was overridden (DATABASE_URL / REDIS_URL) are left alone.
set -euo pipefail
source "$(dirname "$0")/env.sh"

PGDATA="$HAECHI_VAR/pg/data"
PGRUN="$HAECHI_VAR/pg/run"
PGLOG="$HAECHI_VAR/pg/postgres.log"
REDIS_DIR="$HAECHI_VAR/redis"

as_pg() {  # PostgreSQL refuses to run as root: use the postgres system user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_running() { as_pg "$HAECHI_PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

pg_start() {
  [ "$HAECHI_EXTERNAL_PG" = 1 ] && { log "PostgreSQL: using external DATABASE_URL"; return; }
  mkdir -p "$HAECHI_VAR/pg" "$PGRUN"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$HAECHI_VAR/pg" "$PGRUN"; fi
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
