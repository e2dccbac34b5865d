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
# Backend queues: ingest (event -> alert), analytics (coverage/hotspot recompute), default (camera
# registry -> video hosts sync and reconcile, analysis state refresh).
"$VENV/bin/celery" -A backend.config.celery worker -Q ingest,analytics,default -c 1 -n backend@%h \
  --loglevel=INFO >"$HAECHI_VAR/log/celery-backend.log" 2>&1 &
pids+=($!)
# Backend schedule: alert escalation, analytics recompute after registry changes, nightly runs.
"$VENV/bin/celery" -A backend.config.celery beat --loglevel=INFO \
  --schedule "$HAECHI_VAR/celerybeat-backend-schedule" >"$HAECHI_VAR/log/celery-beat-backend.log" 2>&1 &
pids+=($!)
if [ -f workers/celery_app.py ]; then
  # One continuous video host watches every demo camera at once (the backend keeps its camera
  # list in Redis equal to the analysable registry cameras).
  "$PY" -m workers host --capacity 24 --name video1 >"$HAECHI_VAR/log/video-host.log" 2>&1 &
  pids+=($!)
  "$VENV/bin/celery" -A workers.celery_app beat --loglevel=INFO \
    --schedule "$HAECHI_VAR/celerybeat-video-schedule" >"$HAECHI_VAR/log/celery-beat-video.log" 2>&1 &
  pids+=($!)
fi
if [ -f workers/cli/simulate.py ]; then
  # Eight simulated cameras replay real clips as live RTSP (H.264, encoded once and cached under
  # .var/simulator/, then served without encoding) for registry cameras in the demo agents'
  # districts (two per district; agent-jung's get the fight and the fall, agent-gangnam's the
  # fire). assign_demo_streams points those cameras at the simulator and the backend hands them
  # to the video host, so events reach the agents' consoles.
  RTSP_PORT="${HAECHI_RTSP_PORT:-8654}"
  SIM_SIZE="${HAECHI_SIM_SIZE:-source}"  # e.g. 1280x720 for uniform 720p cameras
  FOOTAGE="$HAECHI_SHARED_DATA/footage"
  DEMO_CLIPS=(
    fight/fi013.mp4 nonfight/nofi004.mp4                            # 중구
    fall/upfall_S1_A1_T2_Cam1.mp4 pedestrians/video/store-aisle-detection.gif  # 종로구
    fire/emoykim_test1.avi nofall/upfall_S1_A6_T2_Cam1.mp4          # 강남구
    extra/ordinary/intel_car-detection.mp4 nonfight/nofi005.mp4     # 서초구
  )
  CLIPS=()
  for clip in "${DEMO_CLIPS[@]}"; do [ -f "$FOOTAGE/$clip" ] && CLIPS+=("$FOOTAGE/$clip"); done
  CODES=$("$PY" manage.py assign_demo_streams --count 8 \
    --url-template "rtsp://127.0.0.1:$RTSP_PORT/{code}" 2>/dev/null | tail -1)
  # Without ../shared/data the cameras show ffmpeg's test pattern (encoded live).
  "$PY" -m workers simulate --rtsp-only --no-register --codes "$CODES" --rtsp-port "$RTSP_PORT" \
    --size "$SIM_SIZE" ${CLIPS[@]+--clips "${CLIPS[@]}"} >"$HAECHI_VAR/log/simulator.log" 2>&1 &
  pids+=($!)
  log "simulated cameras (${#CLIPS[@]} real clips): $CODES"
fi

for _ in $(seq 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
log "Haechi is running: http://127.0.0.1:$PORT/  (API docs: /api/docs/, admin: /admin/, health: /healthz)"
log "logins: $HAECHI_VAR/demo-credentials.txt; logs: $HAECHI_VAR/log/; Ctrl-C stops"
wait -n "${pids[@]}" || true
log "a demo process exited; see $HAECHI_VAR/log/"
