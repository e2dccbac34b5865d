"""Wire shapes of the registry API. Cameras go out as GeoJSON features."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.cameras import validation as v
from backend.cameras.models import Camera, CameraKind, CameraPurpose, CameraStatus, RolloutStage
from backend.cameras.selectors import (
    analysis_fields,
    analysis_state_of,
    camera_is_analysable,
)


class CameraFeatureSerializer(serializers.ModelSerializer):
    """A camera as a GeoJSON Feature (id = primary key).

    Context: `analyses` (code → CameraAnalysis or None, from `selectors.camera_analyses`; None
    when Redis was unreadable: the stored state is shown) and `reveal_credentials` (admins:
    the stream URL in full; everyone else sees `rtsp://***@host/path`).
    """

    class Meta:
        model = Camera
        fields = (
            "id", "code", "district", "address", "purpose", "kind", "has_ai", "has_infrared",
            "has_ptz", "heading_deg", "fov_deg", "range_m", "mount_height_m", "stream_url",
            "status", "installed_on", "last_seen_at", "rollout_stage", "rollout_phase", "source",
            "created_at", "updated_at",
        )  # fmt: skip

    def to_representation(self, instance: Camera) -> dict[str, Any]:
        props = super().to_representation(instance)
        props["district"] = instance.district.code
        props["district_name"] = instance.district.name_ko
        if not self.context.get("reveal_credentials"):
            props["stream_url"] = v.stream_url_masked(instance.stream_url)
        props.update(self._analysis(instance))
        return {
            "type": "Feature",
            "id": instance.pk,
            "geometry": {
                "type": "Point",
                "coordinates": [round(instance.location.x, 7), round(instance.location.y, 7)],
            },
            "properties": props,
        }

    def _analysis(self, camera: Camera) -> dict[str, Any]:
        analysable = camera_is_analysable(camera=camera)
        analyses = self.context.get("analyses")
        if analyses is not None and camera.code in analyses:
            analysis = analyses[camera.code]
            state = analysis_state_of(analysis) if analysable else None
            return {"analysis": analysis_fields(analysis), "analysis_state": state}
        stored = getattr(camera, "analysis", None) if analysable else None
        return {"analysis": None, "analysis_state": stored.state if stored else None}


class CameraWriteSerializer(serializers.Serializer):
    """Input for create/update; every field validated with the importer's rules."""

    code = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", required=False)
    lon = serializers.FloatField(required=False)
    lat = serializers.FloatField(required=False)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    purpose = serializers.ChoiceField(CameraPurpose.choices, required=False)
    kind = serializers.ChoiceField(CameraKind.choices, required=False)
    has_ai = serializers.BooleanField(required=False)
    has_infrared = serializers.BooleanField(required=False)
    has_ptz = serializers.BooleanField(required=False)
    heading_deg = serializers.FloatField(
        min_value=0, max_value=360, required=False, allow_null=True
    )
    fov_deg = serializers.FloatField(min_value=1, max_value=360, required=False)
    range_m = serializers.FloatField(min_value=1, max_value=300, required=False)
    mount_height_m = serializers.FloatField(min_value=0.5, max_value=60, required=False)
    stream_url = serializers.CharField(max_length=512, required=False, allow_blank=True)
    status = serializers.ChoiceField(CameraStatus.choices, required=False)
    installed_on = serializers.DateField(required=False, allow_null=True)
    rollout_stage = serializers.ChoiceField(RolloutStage.choices, required=False)
    rollout_phase = serializers.IntegerField(
        min_value=1, max_value=9, required=False, allow_null=True
    )

    def validate_stream_url(self, value: str) -> str:
        try:
            return v.validate_stream_url(value)
        except v.FieldError as err:
            raise serializers.ValidationError(err.message) from err

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lon" in attrs) != ("lat" in attrs):
            raise serializers.ValidationError("lon and lat must be given together")
        if "lon" in attrs:
            try:
                v.validate_lon_lat(attrs["lon"], attrs["lat"])
            except v.FieldError as err:
                raise serializers.ValidationError({err.field: err.message}) from err
        return attrs


class DistrictSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_ko = serializers.CharField()
    name_en = serializers.CharField()
    area_km2 = serializers.FloatField()
    camera_count = serializers.IntegerField()
    ai_camera_count = serializers.IntegerField()
    offline_count = serializers.IntegerField()
    ai_not_watched_count = serializers.IntegerField(
        help_text="analysable AI cameras that no video host watches (or that are in error)"
    )


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    skip_invalid = serializers.BooleanField(default=False)
    dry_run = serializers.BooleanField(default=False)
