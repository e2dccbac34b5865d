"""Read side of zones and rules, and the scene (SceneConfig data) a video host receives."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from backend.zones.models import BehaviourRule, Zone


def zone_list(*, camera_id: int) -> QuerySet[Zone]:
    return Zone.objects.filter(camera_id=camera_id).order_by("name")


def rule_list(*, camera_id: int) -> QuerySet[BehaviourRule]:
    return (
        BehaviourRule.objects.filter(camera_id=camera_id)
        .prefetch_related("zones")
        .order_by("behaviour")
    )


def camera_scenes(*, camera_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Scene per camera id (only cameras with zones or rules; others have the empty scene).

    ``{"zones": [{"name", "polygon", "normalized": True}],
    "rules": {behaviour: {**settings, "enabled", "zones": [names], "schedule"?}}}``,
    zones by name and rules by behaviour, so equal data always gives equal JSON.
    """
    ids = list(camera_ids)
    scenes: dict[int, dict[str, Any]] = {}
    if not ids:
        return scenes
    for zone in Zone.objects.filter(camera_id__in=ids).order_by("camera_id", "name"):
        scene = scenes.setdefault(zone.camera_id, {"zones": [], "rules": {}})
        scene["zones"].append({"name": zone.name, "polygon": zone.polygon, "normalized": True})
    rules = (
        BehaviourRule.objects.filter(camera_id__in=ids)
        .prefetch_related("zones")
        .order_by("camera_id", "behaviour")
    )
    for rule in rules:
        scene = scenes.setdefault(rule.camera_id, {"zones": [], "rules": {}})
        scene["rules"][rule.behaviour] = rule_scene(rule=rule)
    return scenes


def rule_scene(*, rule: BehaviourRule) -> dict[str, Any]:
    """One rule as the worker plugin's config data (settings + enabled, zones, schedule)."""
    data: dict[str, Any] = {
        **rule.settings,
        "enabled": rule.enabled,
        "zones": sorted(z.name for z in rule.zones.all()),
    }
    if rule.schedule is not None:
        data["schedule"] = rule.schedule
    return data
