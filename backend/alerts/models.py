"""Alerts raised from behaviour events, grouped into incidents, with an append-only history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models

from backend.common.models import TimeStampedModel

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class AlertType(models.TextChoices):
    INTRUSION = "intrusion"
    LOITERING = "loitering"
    ABANDONMENT = "abandonment"
    FIGHT = "fight"
    FALL = "fall"
    FIRE = "fire"
    CROWD = "crowd"
    RUNNING = "running"
    TAMPER = "tamper"
    OFFLINE = "offline"


class Severity(models.TextChoices):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertStatus(models.TextChoices):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    FALSE_POSITIVE = "false_positive"


OPEN_STATUSES = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.DISPATCHED)


class Incident(TimeStampedModel):
    """Repeated events of one camera and type whose starts lie within the grouping window."""

    camera = models.ForeignKey("cameras.Camera", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("cameras.District", on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=16, choices=AlertType.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    alert_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["camera", "type", "-last_at"])]

    def __str__(self) -> str:
        return f"incident {self.pk} {self.type}@{self.camera_id}"


class Alert(TimeStampedModel):
    event_uuid = models.UUIDField(unique=True)
    camera = models.ForeignKey("cameras.Camera", on_delete=models.PROTECT, related_name="alerts")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="alerts")
    district = models.ForeignKey("cameras.District", on_delete=models.PROTECT, related_name="+")
    location = models.PointField(srid=4326, spatial_index=True)
    type = models.CharField(max_length=16, choices=AlertType.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    score = models.FloatField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    track_ids = models.JSONField(default=list, blank=True)
    box = models.JSONField(null=True, blank=True)
    snapshot_ref = models.CharField(max_length=512, blank=True)
    clip_ref = models.CharField(max_length=512, blank=True)
    status = models.CharField(
        max_length=16, choices=AlertStatus.choices, default=AlertStatus.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_alerts",
    )
    resolution_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="when the escalation job raised it (once per alert)"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["district", "status", "-started_at"]),
            models.Index(fields=["camera", "-started_at"]),
            models.Index(fields=["type", "-started_at"]),
            # the escalation job's scan: only new, not yet escalated alerts are in it
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="new", escalated_at__isnull=True),
                name="alert_escalation_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="alert_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} {self.type} {self.status}"


class AlertHistory(models.Model):
    """Append-only: one row per state change (a trigger refuses UPDATE and DELETE)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "alert history"

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action} {self.from_status}→{self.to_status}"


class DeadLetterReason(models.TextChoices):
    MALFORMED = "malformed"
    UNKNOWN_VERSION = "unknown_version"
    UNKNOWN_CAMERA = "unknown_camera"


class DeadLetter(models.Model):
    """A message the ingest refused, kept with the reason for admins to inspect."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.CharField(max_length=32, choices=DeadLetterReason.choices, db_index=True)
    detail = models.TextField(blank=True)
    payload = models.JSONField(null=True, blank=True)
    raw = models.TextField(blank=True, help_text="repr() when the payload is not JSON")

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"dead letter {self.pk} {self.reason}"
