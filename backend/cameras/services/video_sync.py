"""Keeping the video hosts' camera set (`VIDEO_CAMERAS_KEY`) equal to the analysable registry.

Writes happen after commit (`cameras_video_sync_on_commit`) for the cameras a change touched,
and `cameras_video_reconcile` (beat, every minute) makes the whole hash exactly equal to the
database: it repairs anything a Redis outage or a write outside the services left behind. A
Redis outage never fails the admin's request: it is logged and the next reconcile repairs it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import redis
from django.db import transaction

from backend.cameras.selectors import camera_analysable_list
from backend.cameras.video_redis import video_redis
from backend.zones.selectors import camera_scenes
from workers.contracts import VIDEO_CAMERAS_KEY, CameraSpec

logger = logging.getLogger(__name__)

BATCH = 2000  # cameras per database round trip and Redis pipeline
SPEC_FIELDS = ("id", "code", "stream_url", "district__name_en")


@dataclass(frozen=True)
class SyncResult:
    written: int = 0  # specs set (new or changed)
    removed: int = 0  # codes deleted from the hash
    desired: int = 0  # analysable cameras (reconcile only)


def camera_spec_json(*, row: dict[str, Any], scene: dict[str, Any] | None) -> str:
    """One camera's CameraSpec as the JSON string stored in the hash (stable for equal data)."""
    spec = CameraSpec(
        code=row["code"],
        url=row["stream_url"],
        scene=scene or {},
        district=row["district__name_en"] or row["code"],
    )
    return spec.model_dump_json()


def _spec_batches(codes: Iterable[str] | None) -> Iterator[dict[str, str]]:
    """code → spec JSON of the analysable cameras (all, or those among `codes`), in batches."""
    qs = camera_analysable_list()
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    batch: list[dict[str, Any]] = []
    for row in qs.order_by().values(*SPEC_FIELDS).iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            yield _specs(batch)
            batch = []
    if batch:
        yield _specs(batch)


def _specs(rows: list[dict[str, Any]]) -> dict[str, str]:
    scenes = camera_scenes(camera_ids=[r["id"] for r in rows])
    return {r["code"]: camera_spec_json(row=r, scene=scenes.get(r["id"])) for r in rows}


def cameras_video_sync(*, codes: Iterable[str]) -> SyncResult:
    """Set the specs of the analysable cameras among `codes` and delete the others' entries.

    Logs and returns an empty result when Redis is away (the reconcile repairs it later).
    """
    wanted = sorted(set(codes))
    if not wanted:
        return SyncResult()
    written = removed = 0
    try:
        client = video_redis()
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i : i + BATCH]
            specs: dict[str, str] = {}
            for batch in _spec_batches(chunk):
                specs.update(batch)
            if specs:
                client.hset(VIDEO_CAMERAS_KEY, mapping=specs)
            gone = [c for c in chunk if c not in specs]
            if gone:
                removed += int(client.hdel(VIDEO_CAMERAS_KEY, *gone))
            written += len(specs)
    except redis.RedisError as err:
        logger.warning(
            "video camera set not updated for %d camera(s) (%s); the reconcile will repair it",
            len(wanted),
            err,
        )
        return SyncResult()
    return SyncResult(written=written, removed=removed)


def cameras_video_sync_on_commit(*, codes: Iterable[str]) -> None:
    """Schedule `cameras_video_sync` for after the current transaction commits (never before)."""
    frozen = sorted(set(codes))
    if frozen:
        transaction.on_commit(lambda: cameras_video_sync(codes=frozen), robust=True)


def cameras_video_reconcile() -> SyncResult:
    """Make the hash exactly the analysable cameras' specs: HSET changed/missing, HDEL extra.

    Streams the registry in batches and compares JSON strings, so an unchanged registry of
    85,000 cameras costs reads only. Raises `redis.RedisError` when Redis is away.
    """
    client = video_redis()
    current: dict[str, str] = dict(client.hscan_iter(VIDEO_CAMERAS_KEY, count=5000))
    desired = written = removed = 0
    seen: set[str] = set()
    for specs in _spec_batches(None):
        desired += len(specs)
        seen.update(specs)
        changed = {code: spec for code, spec in specs.items() if current.get(code) != spec}
        if changed:
            client.hset(VIDEO_CAMERAS_KEY, mapping=changed)
            written += len(changed)
    extra = [code for code in current if code not in seen]
    for i in range(0, len(extra), BATCH):
        removed += int(client.hdel(VIDEO_CAMERAS_KEY, *extra[i : i + BATCH]))
    if written or removed:
        logger.info(
            "video reconcile: %d analysable, %d written, %d removed", desired, written, removed
        )
    return SyncResult(written=written, removed=removed, desired=desired)
