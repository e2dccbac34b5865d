"""Persisted analysis results (the Django side of `gis/`): coverage, blind spots, hotspots, siting.

Geometry is stored in EPSG:4326 (the API's GeoJSON); blind spots and hotspot cells also keep an
EPSG:3857 copy (`geom_merc`) so vector tiles need no per-request reprojection of polygons.
Every table is replaced as a whole by one analysis run (`AnalysisRun`), inside one transaction.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator

from backend.common.models import TimeStampedModel


class Period(models.TextChoices):
    DAY = "day", "Day (every active camera)"
    NIGHT = "night", "Night (infrared cameras only)"


class AnalysisRun(TimeStampedModel):
    """One computation of a result kind, with its parameters and honest method description."""

    class Kind(models.TextChoices):
        COVERAGE = "coverage"
        BLINDSPOTS = "blindspots"
        HOTSPOTS = "hotspots"
        SITES = "sites"

    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    method = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    cameras = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk}"


class DistrictCoverage(TimeStampedModel):
    """Coverage of one district in one period (raster in EPSG:5186, see gis.coverage)."""

    district = models.ForeignKey(
        "cameras.District", on_delete=models.CASCADE, related_name="coverage"
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    area_m2 = models.FloatField()
    covered_m2 = models.FloatField()
    coverage_pct = models.FloatField(
        null=True, validators=[MinValueValidator(0.0), MaxValueValidator(100.0)]
    )
    redundancy = models.FloatField(
        null=True, help_text="Mean cameras per covered cell (cells seen by ≥ 1 camera)."
    )
    multi_pct = models.FloatField(null=True, help_text="Share of the district seen by ≥ 2 cameras.")
    cameras = models.PositiveIntegerField(default=0, help_text="Cameras counted in this period.")
    run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["district__code", "period"]
        constraints = [
            models.UniqueConstraint(fields=["district", "period"], name="coverage_district_period")
        ]


class DongCoverage(TimeStampedModel):
    """Coverage of one administrative dong (행정동) in one period, from the same raster as
    `DistrictCoverage`; present only where the dong boundaries were available to the run."""

    dong_code = models.CharField(max_length=10, help_text="adm_cd2, e.g. 1114052000.")
    name_ko = models.CharField(max_length=64)
    district = models.ForeignKey(
        "cameras.District", on_delete=models.CASCADE, related_name="dong_coverage"
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    area_m2 = models.FloatField()
    covered_m2 = models.FloatField()
    coverage_pct = models.FloatField(
        null=True, validators=[MinValueValidator(0.0), MaxValueValidator(100.0)]
    )
    redundancy = models.FloatField(null=True)
    multi_pct = models.FloatField(null=True)
    cameras = models.PositiveIntegerField(default=0)
    run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["dong_code", "period"]
        constraints = [
            models.UniqueConstraint(fields=["dong_code", "period"], name="coverage_dong_period")
        ]
        indexes = [models.Index(fields=["district", "period"])]


class BlindSpot(TimeStampedModel):
    """An uncovered block (≤ 250 m square) of a district, ranked by uncovered area × risk."""

    rank = models.PositiveIntegerField(db_index=True)
    district = models.ForeignKey("cameras.District", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.DAY)
    uncovered_m2 = models.FloatField()
    study_m2 = models.FloatField()
    uncovered_pct = models.FloatField()
    risk = models.FloatField()
    score = models.FloatField()
    geom = models.MultiPolygonField(srid=4326, spatial_index=True)
    geom_merc = models.MultiPolygonField(srid=3857, spatial_index=True)
    run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["period", "rank"]


class HotspotClass(models.TextChoices):
    HOT_99 = "hot_99"
    HOT_95 = "hot_95"
    HOT_90 = "hot_90"
    NS = "ns"
    COLD_90 = "cold_90"
    COLD_95 = "cold_95"
    COLD_99 = "cold_99"


class Hotspot(TimeStampedModel):
    """One grid cell of the hotspot analysis: KDE density and Getis-Ord Gi* z / p."""

    cell = models.CharField(max_length=32)
    district = models.ForeignKey(
        "cameras.District", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    count = models.FloatField(help_text="Incidents (or apportioned crimes) in the cell.")
    kde = models.FloatField(null=True, help_text="Kernel density, incidents per km².")
    gi_z = models.FloatField(null=True)
    gi_p = models.FloatField(null=True)
    hotspot_class = models.CharField(max_length=8, choices=HotspotClass.choices, db_index=True)
    covered_share = models.FloatField(null=True, help_text="Day coverage share of the cell, 0–1.")
    method = models.TextField()
    geom = models.PolygonField(srid=4326, spatial_index=True)
    geom_merc = models.PolygonField(srid=3857, spatial_index=True)
    run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-gi_z", "id"]


class SiteRecommendation(TimeStampedModel):
    """A recommended new camera site (greedy MCLP pick) and what it adds."""

    rank = models.PositiveIntegerField(db_index=True)
    district = models.ForeignKey(
        "cameras.District", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    gain = models.FloatField(help_text="Demand weight newly covered by this pick.")
    gain_pct = models.FloatField(help_text="Share of the total demand newly covered, %.")
    cumulative_pct = models.FloatField()
    gain_m2 = models.FloatField(help_text="Currently uncovered area this pick would cover.")
    location = models.PointField(srid=4326, spatial_index=True)
    location_merc = models.PointField(srid=3857, spatial_index=True)
    run = models.ForeignKey(AnalysisRun, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["rank"]


class CrimeType(models.TextChoices):
    TOTAL = "total"
    MURDER = "murder"
    ROBBERY = "robbery"
    SEXUAL_ASSAULT = "sexual_assault"
    THEFT = "theft"
    VIOLENCE = "violence"


class CrimeStat(TimeStampedModel):
    """Five-major-crimes statistics of one gu and year (Seoul open data, 5대 범죄 발생현황)."""

    district = models.ForeignKey("cameras.District", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    crime_type = models.CharField(max_length=16, choices=CrimeType.choices)
    occurred = models.PositiveIntegerField()
    cleared = models.PositiveIntegerField()
    source = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["year", "district__code", "crime_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "crime_type"], name="crimestat_district_year_type"
            )
        ]
