"""The analytics beat schedule, declared here once (assembled in backend/config/integrations/celery.py).

`analytics.recompute_if_changed` runs every minute and recomputes only when the registry changed
(the `cameras` tile-layer version, bumped by database triggers on any write, bulk COPY included)
and has then been quiet for `DEBOUNCE_S` — a burst of edits costs one recompute. The nightly full
run refreshes hotspots and sites even when nothing changed (new crime data, alerts).
"""

from __future__ import annotations

from celery.schedules import crontab

DEBOUNCE_S = 60

BEAT_SCHEDULE = {
    "analytics-recompute-if-changed": {
        "task": "analytics.recompute_if_changed",
        "schedule": 60.0,
        "options": {"queue": "analytics", "expires": 55},
    },
    "analytics-recompute-all-nightly": {
        "task": "analytics.recompute_all",
        "schedule": crontab(hour=3, minute=30),
        "options": {"queue": "analytics"},
    },
}
