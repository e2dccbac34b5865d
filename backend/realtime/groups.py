"""Channels group names: one per district, one for the whole city."""

from __future__ import annotations

ALL = "alerts.all"


def district_group(district_id: int) -> str:
    return f"alerts.district.{district_id}"


def groups_for_event(district_id: int | None) -> list[str]:
    """Groups a frame about something in this district goes to."""
    if district_id is None:
        return [ALL]
    return [district_group(district_id), ALL]


def groups_for_scope(district_ids: set[int] | None) -> list[str]:
    """Groups a user joins: None (citywide role) → the city group, else their districts."""
    if district_ids is None:
        return [ALL]
    return [district_group(d) for d in sorted(district_ids)]
