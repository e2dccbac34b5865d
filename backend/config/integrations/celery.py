"""Celery settings (read by backend.config.celery via the CELERY_ namespace)."""

from backend.alerts.schedule import BEAT_SCHEDULE as _ALERTS_BEAT
from backend.analytics.schedule import BEAT_SCHEDULE as _ANALYTICS_BEAT
from backend.cameras.schedule import BEAT_SCHEDULE as _CAMERAS_BEAT
from backend.config import env

CELERY_BROKER_URL = env.CELERY_BROKER_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "alerts.*": {"queue": "ingest"},
    "analytics.*": {"queue": "analytics"},
    "video.*": {"queue": "video"},
    "cameras.*": {"queue": "default"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_TIMEZONE = "Asia/Seoul"

# The whole periodic schedule, assembled here only; each app declares its own entries once, in
# <app>/schedule.py (BEAT_SCHEDULE). Run it with `celery -A backend.config.celery beat`.
CELERY_BEAT_SCHEDULE = {**_ANALYTICS_BEAT, **_ALERTS_BEAT, **_CAMERAS_BEAT}
