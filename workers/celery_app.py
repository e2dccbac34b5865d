"""The workers' Celery app: `video` queue, late acks, prefetch 1, beat schedule in one place.

A video host is a Celery worker of this app started with a capacity (`python -m workers host`,
which sets HAECHI_HOST_CAPACITY): the `CameraHostStep` bootstep starts a `CameraHost` next to
the worker's consumer, so one process watches its cameras continuously and still runs the
`video` queue's short tasks (assignment rounds, outbox flushes). See docs/live-path.md.

Run a host:  python -m workers host --capacity 20 --name video1
Run the beat:  celery -A workers.celery_app beat
"""

from __future__ import annotations

from typing import Any

from celery import Celery, bootsteps

from workers.contracts import INGEST_QUEUE, INGEST_TASK, VIDEO_QUEUE
from workers.settings import get_settings

ASSIGN_EVERY_S = 2.0  # how often the beat asks for an assignment round (hosts ask too)


class CameraHostStep(bootsteps.StartStopStep):
    """Runs a `CameraHost` inside the worker process when HAECHI_HOST_CAPACITY > 0."""

    requires = {"celery.worker.components:Pool"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.host: Any = None

    def create(self, worker: Any) -> CameraHostStep:
        return self

    def start(self, worker: Any) -> None:
        settings = get_settings()
        if settings.host_capacity <= 0:
            return
        from workers.host.runtime import build_host

        self.host = build_host(name=worker.hostname, capacity=settings.host_capacity).start()

    def stop(self, worker: Any) -> None:
        if self.host is not None:
            self.host.stop()
            self.host = None


def _transport_options(keyprefix: str, **options: Any) -> dict[str, Any]:
    """Broker transport options, with `global_keyprefix` when the deployment (or a parallel
    test session, see backend/config/settings/test.py) prefixes its broker keys."""
    return {**options, "global_keyprefix": keyprefix} if keyprefix else options


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
        task_soft_time_limit=60,
        task_time_limit=90,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(
            settings.broker_keyprefix,
            visibility_timeout=300,
            socket_connect_timeout=2,
            socket_timeout=5,
        ),
        worker_send_task_events=False,
        beat_schedule={
            "video-assign": {
                "task": "video.assign",
                "schedule": ASSIGN_EVERY_S,
                "options": {"expires": ASSIGN_EVERY_S * 2},
            },
            "video-flush-outbox": {"task": "video.flush_outbox", "schedule": 30.0},
        },
    )
    app.steps["worker"].add(CameraHostStep)
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
        broker_transport_options=_transport_options(
            settings.broker_keyprefix, socket_connect_timeout=2, socket_timeout=5, max_retries=0
        ),
    )
    return producer


app = create_app()
