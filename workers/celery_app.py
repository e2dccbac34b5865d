"""The workers' Celery app: `video` queue, late acks, prefetch 1, beat schedule in one place.

Run a worker:  celery -A workers.celery_app worker -Q video -c 1
Run the beat:  celery -A workers.celery_app beat
"""

from __future__ import annotations

from celery import Celery

from workers.contracts import INGEST_QUEUE, INGEST_TASK, VIDEO_QUEUE
from workers.settings import get_settings

SCHEDULE_EVERY_S = 5.0  # how often the beat checks that every camera is leased


def create_app() -> Celery:
    """Build the app from worker settings (env)."""
    settings = get_settings()
    app = Celery("haechi_workers", broker=settings.broker_url, include=["workers.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=VIDEO_QUEUE,
        task_routes={"video.*": {"queue": VIDEO_QUEUE}, INGEST_TASK: {"queue": INGEST_QUEUE}},
        task_ignore_result=True,
        task_soft_time_limit=settings.window_s + 30,
        task_time_limit=settings.window_s + 60,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": int(settings.window_s * 3 + 60),
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        },
        worker_send_task_events=False,
        beat_schedule={
            "video-schedule": {"task": "video.schedule", "schedule": SCHEDULE_EVERY_S},
            "video-flush-outbox": {"task": "video.flush_outbox", "schedule": 30.0},
        },
    )
    return app


def create_producer() -> Celery:
    """A send-only app for events: fails fast when the broker is away (the outbox takes over)."""
    settings = get_settings()
    producer = Celery("haechi_events", broker=settings.broker_url)
    producer.conf.update(
        task_routes={INGEST_TASK: {"queue": INGEST_QUEUE}},
        broker_connection_retry=False,
        broker_connection_max_retries=0,
        broker_connection_timeout=2,
        broker_transport_options={
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
            "max_retries": 0,
        },
    )
    return producer


app = create_app()
