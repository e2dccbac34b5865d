"""Thin Celery tasks on the `analytics` queue (routing: CELERY_TASK_ROUTES "analytics.*")."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import shared_task

from backend.analytics import selectors, services
from backend.analytics.schedule import DEBOUNCE_S
from backend.tiles.selectors import layer_version

log = logging.getLogger(__name__)


@shared_task(name="analytics.recompute_coverage", soft_time_limit=300, time_limit=360)
def recompute_coverage() -> dict[str, Any]:
    return services.analytics_compute(steps=("coverage",))


@shared_task(name="analytics.recompute_all", soft_time_limit=900, time_limit=960)
def recompute_all(k: int = services.DEFAULT_K) -> dict[str, Any]:
    return services.analytics_compute(k=k)


@shared_task(name="analytics.recompute_if_changed", soft_time_limit=900, time_limit=960)
def recompute_if_changed() -> dict[str, Any] | None:
    """Debounced recompute: registry changed since the last run and quiet for DEBOUNCE_S."""
    version = layer_version(layer="cameras")
    run = selectors.run_latest(kind="coverage")
    if run is not None and run.params.get("cameras_version") == version:
        return None
    quiet_s = time.time() - version / 1e6
    if quiet_s < DEBOUNCE_S:
        log.info("registry changed %.0f s ago; waiting for it to settle", quiet_s)
        return None
    return services.analytics_compute()
