# Shared defaults for the private services. Sourced by the other scripts; override by exporting.
HAECHI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HAECHI_ROOT
export HAECHI_VAR="${HAECHI_VAR:-$HAECHI_ROOT/.var}"
export HAECHI_PG_PORT="${HAECHI_PG_PORT:-54329}"
export HAECHI_REDIS_PORT="${HAECHI_REDIS_PORT:-63799}"
export HAECHI_PG_BIN="${HAECHI_PG_BIN:-/usr/lib/postgresql/15/bin}"
# Decided once, by the first script that sources this file: was a URL given from outside?
if [ -z "${HAECHI_EXTERNAL_PG:-}" ]; then
  [ -n "${DATABASE_URL:-}" ] && HAECHI_EXTERNAL_PG=1 || HAECHI_EXTERNAL_PG=0
fi
if [ -z "${HAECHI_EXTERNAL_REDIS:-}" ]; then
  [ -n "${REDIS_URL:-}" ] && HAECHI_EXTERNAL_REDIS=1 || HAECHI_EXTERNAL_REDIS=0
fi
export HAECHI_EXTERNAL_PG HAECHI_EXTERNAL_REDIS
export DATABASE_URL="${DATABASE_URL:-postgres://haechi@127.0.0.1:$HAECHI_PG_PORT/haechi}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$HAECHI_REDIS_PORT/0}"
export HAECHI_SHARED_DATA="${HAECHI_SHARED_DATA:-$HAECHI_ROOT/../shared/data}"
export PYTHONDONTWRITEBYTECODE=1
VENV="$HAECHI_ROOT/.venv"
export VENV

log() { printf '\033[1;34m[haechi]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[haechi] error:\033[0m %s\n' "$*" >&2; exit 1; }
