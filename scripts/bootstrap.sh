#!/usr/bin/env bash
# One-shot, idempotent set-up of a fresh Debian/Ubuntu machine for Haechi:
#   system packages (as root) → .venv with pinned requirements → private PostGIS + Redis → migrate.
# A second run only checks and is fast. Usage: scripts/bootstrap.sh [--no-services]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HAECHI_ROOT"

APT_PACKAGES=(postgresql-15 postgresql-15-postgis-3 redis-server gdal-bin libgdal32 libgeos-c1v5
  libproj25 ffmpeg chromium fonts-noto-cjk)

install_system_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
  [ ${#missing[@]} -eq 0 ] && { log "system packages: all present"; return; }
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts its own clusters/services on install; we never use them.
  command -v systemctl >/dev/null 2>&1 && systemctl disable --now redis-server postgresql >/dev/null 2>&1 || true
}

install_python() {
  local py="${PYTHON:-}"
  if [ -z "$py" ]; then
    for candidate in python3.11 python3; do
      if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        py="$candidate"; break
      fi
    done
  fi
  [ -n "$py" ] || die "Python 3.11 is required (set PYTHON=/path/to/python3.11)"
  [ -x "$VENV/bin/python" ] || { log "creating .venv with $py"; "$py" -m venv "$VENV"; }
  local stamp="$HAECHI_VAR/stamps/requirements.sha256"
  local want; want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python requirements (pinned)"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
    mkdir -p "$(dirname "$stamp")" && echo "$want" >"$stamp"
  else
    log "Python requirements: up to date"
  fi
}

install_frontend() {
  [ -f frontend/package.json ] || return 0
  local stamp="$HAECHI_VAR/stamps/frontend.sha256"
  local want; want=$(cat frontend/package.json frontend/package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -d frontend/node_modules ]; then
    log "installing frontend packages (npm ci)"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
  if [ ! -f frontend/dist/index.html ] || [ -n "$(find frontend/src frontend/index.html -newer frontend/dist/index.html 2>/dev/null | head -1)" ]; then
    log "building frontend"
    (cd frontend && npm run -s build)
  fi
}

mkdir -p "$HAECHI_VAR"
install_system_packages
install_python
[ "${1:-}" = "--no-services" ] && exit 0
"$HAECHI_ROOT/scripts/services.sh" start
log "migrating database"
"$VENV/bin/python" manage.py migrate --noinput -v 0
"$VENV/bin/python" manage.py ensure_roles
install_frontend
if [ -f workers/models/__init__.py ]; then
  "$VENV/bin/python" -m workers models fetch
fi
log "bootstrap complete (DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL)"
