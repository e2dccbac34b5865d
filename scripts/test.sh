#!/usr/bin/env bash
# The whole suite: Python (pytest, real PostGIS/Redis/Celery), then frontend unit tests and
# browser end-to-end tests when the frontend exists. Exit code is non-zero on any failure,
# including pytest collecting no tests at all (exit 5).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HAECHI_ROOT"

log "pytest"
set +e
"$VENV/bin/python" -m pytest "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then die "pytest collected no tests"; fi
[ $rc -eq 0 ] || exit $rc

if [ -f frontend/package.json ] && grep -q '"test"' frontend/package.json; then
  log "frontend unit tests (vitest)"
  (cd frontend && npm run -s test)
fi
