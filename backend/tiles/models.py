"""Tables the tile server keeps in step with the registry through PostgreSQL triggers.

`LayerVersion` is bumped (statement-level triggers, see migration 0002) whenever a table a layer
is drawn from changes — ORM saves, bulk COPY upserts and deletes alike — and is part of every
tile cache key, so a registry change invalidates exactly the affected layers.
`CameraTilePoint` mirrors each camera's tile attributes with its point already in EPSG:3857, and
`CameraDensity` holds camera counts per EPSG:3857 grid cell for zooms below 12, per district
(so agents' density tiles can be limited to their districts); both are maintained by the same
triggers with transition tables (set-based, one statement per registry statement).
"""

from __future__ import annotations

from django.contrib.gis.db import models


class LayerVersion(models.Model):
    layer = models.CharField(max_length=32, primary_key=True)
    version = models.BigIntegerField(
        help_text="Microseconds since the epoch at the last change (unique across databases)."
    )

    def __str__(self) -> str:
        return f"{self.layer}@{self.version}"


class CameraTilePoint(models.Model):
    camera_id = models.BigIntegerField(
        primary_key=True, help_text="cameras_camera.id (kept by triggers, no ORM relation)."
    )
    district_id = models.BigIntegerField(db_index=True)
    code = models.CharField(max_length=64)
    status = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)
    has_ai = models.BooleanField()
    heading_deg = models.FloatField(null=True)
    fov_deg = models.FloatField()
    range_m = models.FloatField()
    geom = models.PointField(srid=3857, spatial_index=True)


class CameraDensity(models.Model):
    """Cameras per cell of a zoom level's density grid (cell = tile width / 64 at that zoom)."""

    z = models.PositiveSmallIntegerField()
    gx = models.IntegerField()
    gy = models.IntegerField()
    district_id = models.BigIntegerField()
    count = models.IntegerField(default=0)
    ai_count = models.IntegerField(default=0)
    offline_count = models.IntegerField(default=0)
    geom = models.PointField(srid=3857, spatial_index=True, help_text="Cell centre.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["z", "gx", "gy", "district_id"], name="density_cell")
        ]
