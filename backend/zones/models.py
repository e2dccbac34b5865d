"""Image-space zones and behaviour rule settings per camera: the thresholds are data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from backend.cameras.models import Camera
from backend.cameras.validation import FieldError
from backend.common.models import TimeStampedModel
from workers.contracts import BEHAVIOURS


class Zone(TimeStampedModel):
    """A polygon in the camera's image, points normalised to 0..1 (x right, y down)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(max_length=64)
    polygon = models.JSONField(help_text="[[x, y], …] normalised 0..1, 3..256 points")

    class Meta:
        ordering = ["camera", "name"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "name"], name="zone_unique_name_per_camera")
        ]

    def __str__(self) -> str:
        return f"{self.camera_id}:{self.name}"

    def clean(self) -> None:
        from backend.zones.validation import polygon_validate

        try:
            self.polygon = polygon_validate(self.polygon)
        except FieldError as err:
            raise ValidationError({err.field: err.message}) from err


class BehaviourRule(TimeStampedModel):
    """One behaviour's settings on one camera (the worker plugin's config, minus zones)."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="rules")
    behaviour = models.CharField(max_length=32, choices=[(b, b) for b in BEHAVIOURS])
    enabled = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)
    zones = models.ManyToManyField(Zone, blank=True, related_name="rules")
    schedule = models.JSONField(
        null=True, blank=True, help_text="{from_hour, to_hour, days, timezone}; empty = always"
    )

    class Meta:
        ordering = ["camera", "behaviour"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "behaviour"], name="rule_unique_behaviour_per_camera"
            )
        ]

    def __str__(self) -> str:
        return f"{self.camera_id}:{self.behaviour}"

    def clean(self) -> None:
        from backend.zones.validation import rule_validate

        try:
            rule_validate(behaviour=self.behaviour, settings=self.settings, schedule=self.schedule)
        except FieldError as err:
            raise ValidationError({err.field: err.message}) from err
