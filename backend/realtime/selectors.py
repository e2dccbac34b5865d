"""Read-side of the frame outbox: what a user may replay after a given seq."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from backend.realtime.models import RealtimeEvent

REPLAY_PAGE = 500


def realtime_frames_after(
    *, after_seq: int, district_ids: set[int] | None, limit: int = REPLAY_PAGE
) -> list[dict[str, Any]]:
    """Frames with seq > after_seq the user may see, oldest first (one page).

    Agents (district_ids is a set) see frames of their districts only; frames without a district
    (city-wide notices) go to citywide roles only.
    """
    qs = RealtimeEvent.objects.filter(id__gt=after_seq)
    if district_ids is not None:
        qs = qs.filter(Q(district_id__in=district_ids))
    return [row.as_frame() for row in qs.order_by("id")[:limit]]


def realtime_last_seq() -> int:
    row = RealtimeEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return row or 0
