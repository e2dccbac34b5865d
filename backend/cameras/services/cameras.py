"""Creating, editing and deleting single cameras (admin actions)."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction

from backend.audit.services import audit_record
from backend.cameras.models import Camera
from backend.cameras.selectors import district_for_point
from backend.cameras.services.video_sync import cameras_video_sync_on_commit
from backend.common.exceptions import ApplicationError
from backend.common.models import model_update

EDITABLE_FIELDS = (
    "address", "purpose", "kind", "has_ai", "has_infrared", "has_ptz", "heading_deg", "fov_deg",
    "range_m", "mount_height_m", "stream_url", "status", "installed_on", "rollout_stage",
    "rollout_phase",
)  # fmt: skip


def _locate(lon: float, lat: float) -> tuple[Point, Any]:
    point = Point(lon, lat, srid=4326)
    district = district_for_point(point=point)
    if district is None:
        raise ApplicationError(f"({lon:g}, {lat:g}) is in no Seoul district", code="outside_seoul")
    return point, district


@transaction.atomic
def camera_create(*, code: str, lon: float, lat: float, actor: Any = None, **fields: Any) -> Camera:
    if Camera.objects.filter(code=code).exists():
        raise ApplicationError(f"a camera with code {code!r} already exists", code="duplicate_code")
    point, district = _locate(lon, lat)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"unknown camera fields {sorted(unknown)}")
    camera = Camera(code=code, location=point, district=district, source="api", **fields)
    camera.full_clean()
    camera.save()
    audit_record(actor=actor, action="camera.created", target=camera, data={"code": code})
    cameras_video_sync_on_commit(codes=[camera.code])
    return camera


# Fields that decide whether a camera is analysable or what its video spec says.
VIDEO_SPEC_FIELDS = frozenset({"stream_url", "has_ai", "status", "district"})


@transaction.atomic
def camera_update(
    *, camera: Camera, data: dict[str, Any], actor: Any = None
) -> tuple[Camera, list[str]]:
    """Apply an admin's edit; moving the point re-assigns the district."""
    data = dict(data)
    if "lon" in data or "lat" in data:
        lon = float(data.pop("lon", camera.location.x))
        lat = float(data.pop("lat", camera.location.y))
        data["location"], data["district"] = _locate(lon, lat)
    fields = [*EDITABLE_FIELDS, "location", "district"]
    before = {f: str(getattr(camera, f)) for f in fields if f in data}
    camera, changed = model_update(instance=camera, fields=fields, data=data)
    if changed:
        audit_record(
            actor=actor,
            action="camera.updated",
            target=camera,
            data={f: {"from": before.get(f), "to": str(getattr(camera, f))} for f in changed},
        )
        if VIDEO_SPEC_FIELDS & set(changed):
            cameras_video_sync_on_commit(codes=[camera.code])
    return camera, changed


@transaction.atomic
def camera_delete(*, camera: Camera, actor: Any = None) -> None:
    audit_record(actor=actor, action="camera.deleted", target=camera, data={"code": camera.code})
    cameras_video_sync_on_commit(codes=[camera.code])
    camera.delete()
