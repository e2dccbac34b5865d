from __future__ import annotations

from rest_framework import serializers


class _CoverageSerializer(serializers.Serializer):
    """Coverage figures shared by the gu and dong tables."""

    period = serializers.CharField()
    cameras = serializers.IntegerField()
    area_km2 = serializers.SerializerMethodField()
    covered_km2 = serializers.SerializerMethodField()
    coverage_pct = serializers.FloatField(allow_null=True)
    redundancy = serializers.FloatField(allow_null=True)
    multi_pct = serializers.FloatField(allow_null=True)
    computed_at = serializers.DateTimeField(source="updated_at")

    def get_fields(self):  # type: ignore[no-untyped-def]
        """The subclass's identity columns first, then these figures (CSV column order)."""
        fields = super().get_fields()
        figures = _CoverageSerializer._declared_fields
        return {
            **{k: v for k, v in fields.items() if k not in figures},
            **{k: v for k, v in fields.items() if k in figures},
        }

    def get_area_km2(self, obj) -> float:  # type: ignore[no-untyped-def]
        return round(obj.area_m2 / 1e6, 4)

    def get_covered_km2(self, obj) -> float:  # type: ignore[no-untyped-def]
        return round(obj.covered_m2 / 1e6, 4)


class DistrictCoverageSerializer(_CoverageSerializer):
    code = serializers.CharField(source="district.code")
    name_ko = serializers.CharField(source="district.name_ko")
    name_en = serializers.CharField(source="district.name_en")


class DongCoverageSerializer(_CoverageSerializer):
    dong_code = serializers.CharField()
    name_ko = serializers.CharField()
    district = serializers.CharField(source="district.code")


class CoverageQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=["day", "night"], required=False)
    format = serializers.ChoiceField(choices=["json", "csv"], required=False)


class DongCoverageQuerySerializer(CoverageQuerySerializer):
    district = serializers.CharField(required=False, help_text="gu code, e.g. 11140")


class GeoQuerySerializer(serializers.Serializer):
    bbox = serializers.CharField(required=False, help_text="minlon,minlat,maxlon,maxlat")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=5000)


class BlindSpotQuerySerializer(GeoQuerySerializer):
    period = serializers.ChoiceField(choices=["day", "night"], required=False)
    district = serializers.CharField(required=False, help_text="gu code, e.g. 11140")


class HotspotQuerySerializer(GeoQuerySerializer):
    hotspot_class = serializers.CharField(
        required=False, help_text="comma list: hot (all hot_*), cold, ns or hot_99,hot_95…"
    )


class SiteQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(required=False, min_value=1)
