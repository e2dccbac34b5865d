"""The backend's Celery app (ingest, analytics, default queues); same broker as the workers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")

app = Celery("haechi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
