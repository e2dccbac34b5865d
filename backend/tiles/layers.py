"""The vector-tile layer registry: one `TileLayer` per `/tiles/<layer>/…` name.

Each layer renders one Mapbox Vector Tile (EPSG:3857, extent 4096) with a single PostGIS query
(`ST_TileEnvelope` → `ST_AsMVTGeom` → `ST_AsMVT`). Queries take the named parameters ``z``, ``x``,
``y``, ``scoped`` (bool) and ``districts`` (bigint[]): scoped layers show only the rows of the
user's districts when ``scoped`` is true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps

EXTENT = 4096
BUFFER = 64
CAMERA_POINT_MINZOOM = 12
CAMERA_DETAIL_MINZOOM = 16
MAX_ZOOM = 22

_BOUNDS = f"""
    b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env,
                 ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT}) AS q)
"""


def _scope(column: str) -> str:
    return f"(NOT %(scoped)s OR {column} = ANY(%(districts)s::bigint[]))"


@dataclass(frozen=True)
class TileLayer:
    """A named tile layer: its SQL (chosen by zoom), zoom range and who sees which rows."""

    name: str
    sql: Callable[[int], str]
    properties: tuple[str, ...]
    description: str
    scoped: bool = False
    minzoom: int = 0
    maxzoom: int = MAX_ZOOM
    max_age_s: int = 60
    depends: tuple[str, ...] = field(default=())
    """Apps that must be installed for the layer to exist."""


LAYERS: dict[str, TileLayer] = {}


def register(layer: TileLayer) -> TileLayer:
    if layer.name in LAYERS:
        raise ValueError(f"tile layer {layer.name!r} registered twice")
    LAYERS[layer.name] = layer
    return layer


def layer_get(name: str) -> TileLayer | None:
    """The layer of that name if it exists and its apps are installed."""
    layer = LAYERS.get(name)
    if layer is None or not all(apps.is_installed(a) for a in layer.depends):
        return None
    return layer


def layer_list() -> list[TileLayer]:
    return [la for la in LAYERS.values() if layer_get(la.name) is not None]


# --- cameras ---------------------------------------------------------------------------------


def _cameras_sql(z: int) -> str:
    if z >= CAMERA_DETAIL_MINZOOM:
        # close up (FOV cones are drawn from here): every attribute, angles and range as ints
        return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'cameras', {EXTENT}, 'geom', 'id') FROM (
            SELECT p.camera_id AS id, p.code, p.status, p.kind, p.has_ai,
                   round(p.heading_deg)::int AS heading_deg, round(p.fov_deg)::int AS fov_deg,
                   round(p.range_m)::int AS range_m,
                   ST_AsMVTGeom(p.geom, b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM tiles_cameratilepoint p, b
            WHERE p.geom && b.q AND {_scope("p.district_id")}
        ) t"""
    if z >= CAMERA_POINT_MINZOOM:
        # points: id (details from /api/v1/cameras/{id}/) and the two enumerated attributes the
        # style draws; values are shared in the tile's value table, so each costs ~2 B a point
        return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'cameras', {EXTENT}, 'geom', 'id') FROM (
            SELECT p.camera_id AS id, p.status, p.has_ai,
                   ST_AsMVTGeom(p.geom, b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM tiles_cameratilepoint p, b
            WHERE p.geom && b.q AND {_scope("p.district_id")}
        ) t"""
    # density cells (cell = tile width / 64), pre-aggregated per district by the triggers
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'cameras', {EXTENT}, 'geom') FROM (
            SELECT sum(d.count)::int AS count, sum(d.ai_count)::int AS ai_count,
                   sum(d.offline_count)::int AS offline_count,
                   ST_AsMVTGeom(d.geom, b.env, {EXTENT}, 0, true) AS geom
            FROM tiles_cameradensity d, b
            WHERE d.z = %(z)s AND d.geom && b.env AND {_scope("d.district_id")}
            GROUP BY d.gx, d.gy, d.geom, b.env
        ) t"""


register(
    TileLayer(
        name="cameras",
        sql=_cameras_sql,
        properties=(
            "z ≥ 16 points (feature id = camera pk): code, status, kind, has_ai, heading_deg "
            "(absent when unknown), fov_deg, range_m (angles and range rounded to whole units)",
            "z 12–15 points (feature id = camera pk): status, has_ai; details by id from "
            "/api/v1/cameras/{id}/",
            "z < 12 density cells (tile width / 64): count, ai_count, offline_count",
        ),
        description="Camera registry: points from z12 (all attributes from z16), density cells below.",
        scoped=True,
        max_age_s=30,
    )
)

# --- districts and their coverage --------------------------------------------------------------

_DISTRICT_COUNTS = """
    LEFT JOIN (SELECT district_id, sum(count)::int AS cameras, sum(ai_count)::int AS ai_cameras,
                      sum(offline_count)::int AS offline_cameras
               FROM tiles_cameradensity WHERE z = 0 GROUP BY district_id) c ON c.district_id = d.id
"""


def _districts_sql(z: int) -> str:
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'districts', {EXTENT}, 'geom', 'id') FROM (
            SELECT d.id, d.code, d.name_ko, d.name_en, d.area_km2,
                   coalesce(c.cameras, 0) AS cameras, coalesce(c.ai_cameras, 0) AS ai_cameras,
                   coalesce(c.offline_cameras, 0) AS offline_cameras,
                   ST_AsMVTGeom(ST_Transform(d.geom, 3857), b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM cameras_district d CROSS JOIN b {_DISTRICT_COUNTS}
            WHERE d.geom && ST_Transform(b.q, 4326) AND {_scope("d.id")}
        ) t WHERE geom IS NOT NULL"""


register(
    TileLayer(
        name="districts",
        sql=_districts_sql,
        properties=(
            "feature id = district pk; code, name_ko, name_en, area_km2, cameras, ai_cameras, "
            "offline_cameras",
        ),
        description="Gu boundaries with camera counts.",
        scoped=True,
        max_age_s=60,
    )
)


def _coverage_sql(z: int) -> str:
    cols = ", ".join(
        f"max(cv.{col}) FILTER (WHERE cv.period = '{p}') AS {col}_{p}"
        for p in ("day", "night")
        for col in ("coverage_pct", "covered_m2", "redundancy", "multi_pct")
    )
    return f"""
        WITH {_BOUNDS},
        cov AS (SELECT cv.district_id, {cols}, max(cv.updated_at)::text AS computed_at
                FROM analytics_districtcoverage cv GROUP BY cv.district_id)
        SELECT ST_AsMVT(t, 'coverage', {EXTENT}, 'geom', 'id') FROM (
            SELECT d.id, d.code, d.name_ko, d.name_en, cov.*,
                   ST_AsMVTGeom(ST_Transform(d.geom, 3857), b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM cameras_district d CROSS JOIN b JOIN cov ON cov.district_id = d.id
            WHERE d.geom && ST_Transform(b.q, 4326)
        ) t WHERE geom IS NOT NULL"""


register(
    TileLayer(
        name="coverage",
        sql=_coverage_sql,
        properties=(
            "feature id = district pk; code, name_ko, name_en, coverage_pct_day/_night, "
            "covered_m2_day/_night, redundancy_day/_night, multi_pct_day/_night, computed_at",
        ),
        description="Coverage per district (choropleth), from the last coverage run.",
        max_age_s=300,
        depends=("backend.analytics",),
    )
)

# --- analysis results --------------------------------------------------------------------------


def _blindspots_sql(z: int) -> str:
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'blindspots', {EXTENT}, 'geom', 'id') FROM (
            SELECT s.id, s.rank, s.period, d.code AS district, s.uncovered_m2, s.study_m2,
                   s.uncovered_pct, s.risk, s.score,
                   ST_AsMVTGeom(s.geom_merc, b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM analytics_blindspot s JOIN cameras_district d ON d.id = s.district_id, b
            WHERE s.geom_merc && b.q
        ) t WHERE geom IS NOT NULL"""


register(
    TileLayer(
        name="blindspots",
        sql=_blindspots_sql,
        properties=(
            "feature id = blind spot pk; rank, period, district (code), uncovered_m2, study_m2, "
            "uncovered_pct, risk, score",
        ),
        description="Ranked blind-spot polygons (uncovered blocks ≤ 250 m).",
        max_age_s=300,
        depends=("backend.analytics",),
    )
)


def _hotspots_sql(z: int) -> str:
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'hotspots', {EXTENT}, 'geom', 'id') FROM (
            SELECT h.id, h.cell, h.hotspot_class AS class, h.count, h.kde, h.gi_z, h.gi_p,
                   h.covered_share,
                   ST_AsMVTGeom(h.geom_merc, b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM analytics_hotspot h, b
            WHERE h.geom_merc && b.q
        ) t WHERE geom IS NOT NULL"""


register(
    TileLayer(
        name="hotspots",
        sql=_hotspots_sql,
        properties=(
            "feature id = cell pk; cell, class (hot_99 … cold_99, ns), count, kde, gi_z, gi_p, "
            "covered_share",
        ),
        description="Hotspot grid cells (KDE + Getis-Ord Gi*); method in /api/v1/hotspots/.",
        max_age_s=300,
        depends=("backend.analytics",),
    )
)


def _sites_sql(z: int) -> str:
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'sites', {EXTENT}, 'geom', 'id') FROM (
            SELECT s.id, s.rank, s.gain, s.gain_pct, s.cumulative_pct, s.gain_m2,
                   ST_AsMVTGeom(s.location_merc, b.env, {EXTENT}, {BUFFER}, true) AS geom
            FROM analytics_siterecommendation s, b
            WHERE s.location_merc && b.q
        ) t"""


register(
    TileLayer(
        name="sites",
        sql=_sites_sql,
        properties=("feature id = site pk; rank, gain, gain_pct, cumulative_pct, gain_m2",),
        description="Recommended new camera sites (greedy MCLP).",
        max_age_s=300,
        depends=("backend.analytics",),
    )
)


def _alerts_sql(z: int) -> str:
    return f"""
        WITH {_BOUNDS}
        SELECT ST_AsMVT(t, 'alerts', {EXTENT}, 'geom', 'id') FROM (
            SELECT a.id, a.camera_id, a.type, a.severity, a.status, a.score,
                   a.started_at::text AS started_at,
                   ST_AsMVTGeom(ST_Transform(a.location, 3857), b.env, {EXTENT}, {BUFFER}, true)
                       AS geom
            FROM alerts_alert a, b
            WHERE a.location && ST_Transform(b.q, 4326)
              AND a.status IN ('new', 'acknowledged', 'dispatched')
              AND {_scope("a.district_id")}
        ) t"""


register(
    TileLayer(
        name="alerts",
        sql=_alerts_sql,
        properties=(
            "open alerts only; feature id = alert pk; camera_id, type, severity, status, score, "
            "started_at",
        ),
        description="Open alerts (new, acknowledged, dispatched).",
        scoped=True,
        max_age_s=5,
        depends=("backend.alerts",),
    )
)
