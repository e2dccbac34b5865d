"""Triggers that keep tile versions, the EPSG:3857 camera mirror and the density pyramid current.

Statement-level triggers with transition tables: one set-based statement per registry statement,
so a 160,000-row COPY upsert costs one pass, and ORM saves, bulk imports and deletes are all seen.
"""

from django.db import migrations

HALF_WORLD = 20037508.342789244
DENSITY_MAX_Z = 11  # density cells for z 0..11; camera points from z 12
DENSITY_CELLS = 64  # cells across one tile

LAYER_TABLES = {
    # table → layers whose tiles change when it changes
    "cameras_camera": ["cameras", "districts"],
    "cameras_district": ["cameras", "districts", "coverage"],
    "analytics_districtcoverage": ["coverage"],
    "analytics_blindspot": ["blindspots"],
    "analytics_hotspot": ["hotspots"],
    "analytics_siterecommendation": ["sites"],
    "alerts_alert": ["alerts"],
}


def _density_delta(source: str) -> str:
    """Upsert signed camera counts of `source` (columns s, location, district_id, has_ai, status)."""
    return f"""
    INSERT INTO tiles_cameradensity AS d
        (z, gx, gy, district_id, count, ai_count, offline_count, geom)
    SELECT z, gx, gy, district_id, sum(s), sum(s * has_ai::int), sum(s * (status = 'offline')::int),
           ST_SetSRID(ST_MakePoint((gx + 0.5) * cell - {HALF_WORLD}, (gy + 0.5) * cell - {HALF_WORLD}), 3857)
    FROM (
        SELECT lv.z, lv.cell, src.s, src.district_id, src.has_ai, src.status,
               floor((ST_X(src.g) + {HALF_WORLD}) / lv.cell)::int AS gx,
               floor((ST_Y(src.g) + {HALF_WORLD}) / lv.cell)::int AS gy
        FROM (SELECT s, ST_Transform(location, 3857) AS g, district_id, has_ai, status
              FROM ({source}) raw) src
        CROSS JOIN (SELECT z, {2 * HALF_WORLD} / (2 ^ z) / {DENSITY_CELLS} AS cell
                    FROM generate_series(0, {DENSITY_MAX_Z}) z) lv
    ) q
    GROUP BY z, gx, gy, district_id, cell
    ON CONFLICT (z, gx, gy, district_id) DO UPDATE SET
        count = d.count + excluded.count,
        ai_count = d.ai_count + excluded.ai_count,
        offline_count = d.offline_count + excluded.offline_count;
    DELETE FROM tiles_cameradensity WHERE count <= 0;
    """


_MIRROR_COLUMNS = "district_id, code, status, kind, has_ai, heading_deg, fov_deg, range_m"
_MIRROR_UPSERT = f"""
    INSERT INTO tiles_cameratilepoint (camera_id, {_MIRROR_COLUMNS}, geom)
    SELECT id, {_MIRROR_COLUMNS}, ST_Transform(location, 3857) FROM new_rows
    ON CONFLICT (camera_id) DO UPDATE SET
        district_id = excluded.district_id, code = excluded.code, status = excluded.status,
        kind = excluded.kind, has_ai = excluded.has_ai, heading_deg = excluded.heading_deg,
        fov_deg = excluded.fov_deg, range_m = excluded.range_m, geom = excluded.geom;
"""

# an update subtracts every old row and adds every new one: unchanged cameras net to zero, and
# no join of the transition tables is needed (they carry no statistics)
_OLD_AND_NEW = """
    SELECT -1 AS s, location, district_id, has_ai, status FROM old_rows
    UNION ALL
    SELECT 1, location, district_id, has_ai, status FROM new_rows
"""

FORWARD = f"""
CREATE OR REPLACE FUNCTION tiles_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tiles_layerversion AS v (layer, version)
    SELECT unnest(TG_ARGV), (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
    ON CONFLICT (layer) DO UPDATE SET version = greatest(v.version + 1, excluded.version);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tiles_cameras_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_MIRROR_UPSERT}
    {_density_delta("SELECT 1 AS s, location, district_id, has_ai, status FROM new_rows")}
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tiles_cameras_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_MIRROR_UPSERT}
    {_density_delta(_OLD_AND_NEW)}
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tiles_cameras_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tiles_cameratilepoint WHERE camera_id IN (SELECT id FROM old_rows);
    {_density_delta("SELECT -1 AS s, location, district_id, has_ai, status FROM old_rows")}
    RETURN NULL;
END $$;

CREATE TRIGGER tiles_cameras_ins AFTER INSERT ON cameras_camera
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tiles_cameras_inserted();
CREATE TRIGGER tiles_cameras_upd AFTER UPDATE ON cameras_camera
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_cameras_updated();
CREATE TRIGGER tiles_cameras_del AFTER DELETE ON cameras_camera
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tiles_cameras_deleted();

-- backfill from the registry as it is now
INSERT INTO tiles_cameratilepoint (camera_id, {_MIRROR_COLUMNS}, geom)
SELECT id, {_MIRROR_COLUMNS}, ST_Transform(location, 3857) FROM cameras_camera;
{_density_delta("SELECT 1 AS s, location, district_id, has_ai, status FROM cameras_camera")}
""" + "".join(
    f"""
CREATE TRIGGER tiles_bump_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION tiles_bump({", ".join(f"'{la}'" for la in layers)});
"""
    for table, layers in LAYER_TABLES.items()
)

BACKWARD = (
    "".join(f"DROP TRIGGER IF EXISTS tiles_bump_{table} ON {table};\n" for table in LAYER_TABLES)
    + """
DROP TRIGGER IF EXISTS tiles_cameras_ins ON cameras_camera;
DROP TRIGGER IF EXISTS tiles_cameras_upd ON cameras_camera;
DROP TRIGGER IF EXISTS tiles_cameras_del ON cameras_camera;
DROP FUNCTION IF EXISTS tiles_cameras_inserted();
DROP FUNCTION IF EXISTS tiles_cameras_updated();
DROP FUNCTION IF EXISTS tiles_cameras_deleted();
DROP FUNCTION IF EXISTS tiles_bump();
DELETE FROM tiles_cameratilepoint;
DELETE FROM tiles_cameradensity;
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("tiles", "0001_initial"),
        ("cameras", "0001_initial"),
        ("analytics", "0001_initial"),
        ("alerts", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
