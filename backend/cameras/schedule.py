"""The registry's periodic tasks (assembled into the one beat schedule in
backend.config.integrations.celery).

`cameras.video_reconcile` every minute makes the video hosts' camera set exactly the analysable
registry (repairs Redis outages and writes outside the services); `cameras.analysis_refresh`
every 10 s stores each analysable camera's analysis state and pushes transitions. A run that
could not start in time is dropped (`expires`): the next one does the same work.
"""

from __future__ import annotations

VIDEO_RECONCILE_EVERY_S = 60.0
ANALYSIS_REFRESH_EVERY_S = 10.0

BEAT_SCHEDULE = {
    "cameras-video-reconcile": {
        "task": "cameras.video_reconcile",
        "schedule": VIDEO_RECONCILE_EVERY_S,
        "options": {"queue": "default", "expires": VIDEO_RECONCILE_EVERY_S - 5},
    },
    "cameras-analysis-refresh": {
        "task": "cameras.analysis_refresh",
        "schedule": ANALYSIS_REFRESH_EVERY_S,
        "options": {"queue": "default", "expires": ANALYSIS_REFRESH_EVERY_S - 1},
    },
}
