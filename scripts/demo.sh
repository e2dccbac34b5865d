#!/usr/bin/env bash
# `make demo`: load real districts, seed the 160,000-camera registry, create demo users, then run
# the web server (ASGI), Celery workers, beat and simulated cameras until Ctrl-C.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HAECHI_ROOT"
PY="$VENV/bin/python"
PORT="${HAECHI_WEB_PORT:-8000}"
export DJANGO_SETTINGS_MODULE=backend.config.settings.local

GU_FILE="$HAECHI_SHARED_DATA/seoul/boundaries/seoul_gu_juso2015.geojson"
if [ -f "$GU_FILE" ]; then "$PY" manage.py import_districts "$GU_FILE"; else "$PY" manage.py import_districts; fi
COUNT=$("$PY" manage.py shell -c "from backend.cameras.models import Camera; print(Camera.objects.filter(source='seed').count())" 2>/dev/null | tail -1)
if [ "$COUNT" != "160000" ]; then
  "$PY" manage.py seed_cameras --count 160000 --seed 1
else
  log "registry: 160,000 seeded cameras present"
fi
"$PY" manage.py create_demo_users
CRIMES=("$HAECHI_SHARED_DATA"/seoul/crime/five_major_crimes_by_gu_20*.csv)
[ -f "${CRIMES[0]}" ] && "$PY" manage.py import_crimes "${CRIMES[@]}"
COMPUTED=$("$PY" manage.py shell -c "from backend.analytics.models import AnalysisRun; print(AnalysisRun.objects.exists())" 2>/dev/null | tail -1)
if [ "$COMPUTED" != "True" ]; then
  log "computing coverage, blind spots, hotspots and sites (once; the beat schedule keeps them fresh)"
  "$PY" manage.py compute_analytics
fi

pids=()
cleanup() {
  log "stopping demo processes"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  log "stopped (private PostgreSQL/Redis keep running; \`make stop\` stops them)"
}
trap cleanup EXIT INT TERM
mkdir -p "$HAECHI_VAR/log"

"$VENV/bin/daphne" -b 127.0.0.1 -p "$PORT" backend.config.asgi:application >"$HAECHI_VAR/log/web.log" 2>&1 &
pids+=($!)
"$VENV/bin/celery" -A backend.config.celery worker -Q ingest,analytics,default -c 1 -n backend@%h \
  --loglevel=INFO >"$HAECHI_VAR/log/celery-backend.log" 2>&1 &
pids+=($!)
# Backend schedule: alert escalation, analytics recompute after registry changes, nightly runs.
"$VENV/bin/celery" -A backend.config.celery beat --loglevel=INFO \
  --schedule "$HAECHI_VAR/celerybeat-backend-schedule" >"$HAECHI_VAR/log/celery-beat-backend.log" 2>&1 &
pids+=($!)
if [ -f workers/celery_app.py ]; then
  "$VENV/bin/celery" -A workers.celery_app worker -Q video -c 1 -n video@%h --loglevel=INFO \
    >"$HAECHI_VAR/log/celery-video.log" 2>&1 &
  pids+=($!)
  "$VENV/bin/celery" -A workers.celery_app beat --loglevel=INFO \
    --schedule "$HAECHI_VAR/celerybeat-video-schedule" >"$HAECHI_VAR/log/celery-beat-video.log" 2>&1 &
  pids+=($!)
fi
if [ -f workers/cli/simulate.py ]; then
  # Simulated cameras replay real clips as live RTSP (H.264) for registry cameras in the demo
  # agents' districts; the video workers open those RTSP URLs, so events reach the agents' consoles.
  RTSP_PORT="${HAECHI_RTSP_PORT:-8654}"
  CODES=$("$PY" manage.py assign_demo_streams --count 4 \
    --url-template "rtsp://127.0.0.1:$RTSP_PORT/{code}" 2>/dev/null | tail -1)
  "$PY" -m workers simulate --codes "$CODES" --port 8554 --rtsp-port "$RTSP_PORT" --register rtsp \
    >"$HAECHI_VAR/log/simulator.log" 2>&1 &
  pids+=($!)
  log "simulated cameras: $CODES"
fi

for _ in $(seq 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
log "Haechi is running: http://127.0.0.1:$PORT/  (API docs: /api/docs/, admin: /admin/, health: /healthz)"
log "logins: $HAECHI_VAR/demo-credentials.txt; logs: $HAECHI_VAR/log/; Ctrl-C stops"
wait -n "${pids[@]}" || true
log "a demo process exited; see $HAECHI_VAR/log/"
