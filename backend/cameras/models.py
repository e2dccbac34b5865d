"""The camera registry: Seoul's districts (gu) and every CCTV camera in them."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator

from backend.common.models import TimeStampedModel


class District(TimeStampedModel):
    """A Seoul gu (자치구). `code` is the 5-digit 행정표준 SIG_CD (11110 종로구 … 11740 강동구)."""

    code = models.CharField(max_length=5, unique=True)
    name_ko = models.CharField(max_length=32, unique=True)
    name_en = models.CharField(max_length=64, blank=True)
    geom = models.MultiPolygonField(srid=4326, spatial_index=True)
    area_km2 = models.FloatField(help_text="Area computed in EPSG:5186 (metric).")
    source = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name_ko} ({self.code})"


class CameraKind(models.TextChoices):
    LEGACY = "legacy", "Legacy (no analytics)"
    REPLACED_AI = "replaced_ai", "Replaced with an AI camera"
    UPGRADED_AI = "upgraded_ai", "Upgraded with AI analytics"
    NEW_AI = "new_ai", "New AI camera"


class CameraStatus(models.TextChoices):
    ONLINE = "online", "Online"
    OFFLINE = "offline", "Offline"
    DEGRADED = "degraded", "Degraded"
    MAINTENANCE = "maintenance", "Maintenance"
    PLANNED = "planned", "Planned"


class RolloutStage(models.TextChoices):
    NONE = "none", "Not in the AI rollout"
    PLANNED = "planned", "Planned"
    SCHEDULED = "scheduled", "Scheduled"
    INSTALLING = "installing", "Installing"
    LIVE = "live", "Analytics live"


class CameraPurpose(models.TextChoices):
    CRIME_PREVENTION = "crime_prevention", "생활방범 (crime prevention)"
    MULTIPURPOSE = "multipurpose", "다목적 (multi-purpose)"
    CHILD_PROTECTION = "child_protection", "어린이보호 (child protection)"
    TRAFFIC = "traffic", "교통 (traffic)"
    FACILITY = "facility", "시설물관리 (facility)"
    LITTERING = "littering", "쓰레기단속 (illegal dumping)"
    DISASTER = "disaster", "재난재해 (disaster)"
    PARK = "park", "공원 (park)"
    OTHER = "other", "기타 (other)"


STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https", "file")
# Statuses in which an AI camera with a stream URL is given to the video hosts. `offline` is
# included on purpose: the host's own `offline` event sets it, and only a host that keeps trying
# the stream can see it come back (maintenance and planned cameras are not watched).
ANALYSABLE_STATUSES = ("online", "degraded", "offline")


class AnalysisState(models.TextChoices):
    WATCHED = "watched", "A video host analyses it"
    NOT_WATCHED = "not_watched", "No video host analyses it"
    ERROR = "error", "A host holds it but gets no usable frames"


class Camera(TimeStampedModel):
    code = models.CharField(max_length=64, unique=True)
    location = models.PointField(srid=4326, spatial_index=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="cameras")
    address = models.CharField(max_length=255, blank=True)
    purpose = models.CharField(
        max_length=32, choices=CameraPurpose.choices, default=CameraPurpose.CRIME_PREVENTION
    )
    kind = models.CharField(max_length=16, choices=CameraKind.choices, default=CameraKind.LEGACY)
    has_ai = models.BooleanField(default=False, db_index=True)
    has_infrared = models.BooleanField(default=False)
    has_ptz = models.BooleanField(default=False)
    heading_deg = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(360.0)],
        help_text="Direction the camera looks, clockwise from north; empty when unknown.",
    )
    fov_deg = models.FloatField(
        default=90.0, validators=[MinValueValidator(1.0), MaxValueValidator(360.0)]
    )
    range_m = models.FloatField(
        default=30.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(300.0)],
        help_text="Distance at which a person is still identifiable.",
    )
    mount_height_m = models.FloatField(
        default=4.0, validators=[MinValueValidator(0.5), MaxValueValidator(60.0)]
    )
    stream_url = models.CharField(max_length=512, blank=True)
    status = models.CharField(
        max_length=16, choices=CameraStatus.choices, default=CameraStatus.ONLINE, db_index=True
    )
    installed_on = models.DateField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    rollout_stage = models.CharField(
        max_length=16, choices=RolloutStage.choices, default=RolloutStage.NONE
    )
    rollout_phase = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 = first wave (parks, trails, crowded areas)."
    )
    source = models.CharField(max_length=32, blank=True, help_text="seed, ansimi, standard, api…")

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["district", "status"]),
            models.Index(fields=["kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(heading_deg__isnull=True)
                | models.Q(heading_deg__gte=0, heading_deg__lte=360),
                name="camera_heading_range",
            ),
            models.CheckConstraint(
                condition=models.Q(fov_deg__gte=1, fov_deg__lte=360), name="camera_fov_range"
            ),
            models.CheckConstraint(
                condition=models.Q(range_m__gte=1, range_m__lte=300), name="camera_range_range"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from backend.cameras.validation import validate_stream_url

        if self.stream_url:
            validate_stream_url(self.stream_url)


class CameraAnalysisState(models.Model):
    """The video analysis state of an analysable camera, kept by `cameras.analysis_refresh`.

    A table of its own rather than columns of Camera: writes to cameras_camera bump the tile
    and analytics versions (database triggers), and this state changes far more often.
    Cameras that are not analysable have no row.
    """

    camera = models.OneToOneField(
        Camera, on_delete=models.CASCADE, primary_key=True, related_name="analysis"
    )
    state = models.CharField(max_length=16, choices=AnalysisState.choices, db_index=True)
    checked_at = models.DateTimeField(help_text="When the refresh last changed `state`.")

    def __str__(self) -> str:
        return f"{self.camera_id}: {self.state}"
