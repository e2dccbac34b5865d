"""Celery entry points of the ingest queue (routed by CELERY_TASK_ROUTES "alerts.*"): thin, named, idempotent (acks_late redelivers)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from backend.alerts.receipts import receipts_write
from backend.alerts.services import alert_ingest, alerts_escalate, alerts_ingest_bulk

# The database away (restart, failover, network): the task goes back to the broker and runs again
# 1, 2, 4 … 15 s later instead of failing (a failed task is acked: its event would be lost).
# Ingest is idempotent, so a retry after a commit whose reply was lost is harmless.
RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 1,
    "retry_backoff_max": 15,
    "retry_jitter": False,
    "max_retries": 40,
}


@shared_task(name="alerts.ingest", acks_late=True, time_limit=30, **RETRY)
def alerts_ingest_task(payload: Any) -> int | None:
    """One contract message → alert id (None when dead-lettered); then its receipt."""
    result = alert_ingest(payload=payload)
    receipts_write(event_ids=_event_ids([payload]))
    return result.alert.pk if result.alert is not None else None


@shared_task(name="alerts.ingest_bulk", acks_late=True, time_limit=120, **RETRY)
def alerts_ingest_bulk_task(payloads: list[Any]) -> int:
    """A burst of contract messages → number of new alerts; then their receipts."""
    created = len(alerts_ingest_bulk(payloads=payloads).created)
    receipts_write(event_ids=_event_ids(payloads))
    return created


def _event_ids(payloads: list[Any]) -> list[str]:
    """The event ids of handled messages (stored, duplicate or dead-lettered alike)."""
    return [
        p["event_id"]
        for p in payloads
        if isinstance(p, dict) and isinstance(p.get("event_id"), str)
    ]


@shared_task(name="alerts.escalate", acks_late=True, time_limit=60)
def alerts_escalate_task() -> int:
    """Periodic (backend.alerts.schedule): escalate alerts still new too long → how many."""
    return len(alerts_escalate())
