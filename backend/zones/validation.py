"""Validation of zones and behaviour rules (pure; raise `FieldError` naming the field)."""

from __future__ import annotations

import math
from typing import Any

from backend.cameras.validation import FieldError
from workers.contracts import BEHAVIOURS, validate_rule_settings

MIN_POINTS, MAX_POINTS = 3, 256
# Keys that come from the rule row itself, never from its settings.
RESERVED_SETTINGS = ("zones", "enabled", "schedule")


def polygon_validate(raw: Any) -> list[list[float]]:
    """A list of 3..256 [x, y] points, normalised to the image (0..1 both ways)."""
    if not isinstance(raw, list | tuple):
        raise FieldError("polygon", "must be a list of [x, y] points")
    if not MIN_POINTS <= len(raw) <= MAX_POINTS:
        raise FieldError("polygon", f"needs {MIN_POINTS}..{MAX_POINTS} points, got {len(raw)}")
    points: list[list[float]] = []
    for i, point in enumerate(raw):
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise FieldError("polygon", f"point {i} is not an [x, y] pair")
        try:
            x, y = (float(c) for c in point)
        except (TypeError, ValueError) as err:
            raise FieldError("polygon", f"point {i} has a non-numeric coordinate") from err
        if isinstance(point[0], bool) or isinstance(point[1], bool):
            raise FieldError("polygon", f"point {i} has a non-numeric coordinate")
        if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= 1 and 0 <= y <= 1):
            raise FieldError(
                "polygon", f"point {i} ({x:g}, {y:g}) is outside the image (0..1 normalised)"
            )
        points.append([x, y])
    if len({(x, y) for x, y in points}) < MIN_POINTS:
        raise FieldError("polygon", "needs at least 3 distinct points")
    return points


def rule_validate(
    *, behaviour: str, settings: Any, schedule: Any
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Check a rule's settings and schedule with the worker plugin's own typed config."""
    if behaviour not in BEHAVIOURS:
        raise FieldError("behaviour", f"{behaviour!r} is not one of {', '.join(BEHAVIOURS)}")
    if not isinstance(settings, dict):
        raise FieldError("settings", "must be an object of setting → value")
    reserved = sorted(set(settings) & set(RESERVED_SETTINGS))
    if reserved:
        raise FieldError("settings", f"{', '.join(reserved)} are fields of the rule, not settings")
    if schedule is not None and not isinstance(schedule, dict):
        raise FieldError("schedule", "must be an object {from_hour, to_hour, days, timezone}")
    try:
        validate_rule_settings(behaviour, settings)
    except ValueError as err:
        raise FieldError("settings", str(err)) from err
    if schedule is not None:
        try:
            validate_rule_settings(behaviour, {**settings, "schedule": schedule})
        except ValueError as err:
            raise FieldError("schedule", str(err)) from err
    return settings, schedule
