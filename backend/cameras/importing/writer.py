"""Upserting many cameras at once: COPY into a temporary table, then one INSERT … ON CONFLICT."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from backend.cameras.models import Camera

# Columns written for every row, in COPY order.
COLUMNS = (
    "code", "location", "district_id", "address", "purpose", "kind", "has_ai", "has_infrared",
    "has_ptz", "heading_deg", "fov_deg", "range_m", "mount_height_m", "stream_url", "status",
    "installed_on", "rollout_stage", "rollout_phase", "source",
)  # fmt: skip
ALWAYS_UPDATED = ("location", "district_id", "source")
_TYPES = {
    "code": "varchar(64)", "location": "geometry(Point, 4326)", "district_id": "bigint",
    "address": "varchar(255)", "purpose": "varchar(32)", "kind": "varchar(16)",
    "has_ai": "boolean", "has_infrared": "boolean", "has_ptz": "boolean",
    "heading_deg": "double precision", "fov_deg": "double precision",
    "range_m": "double precision", "mount_height_m": "double precision",
    "stream_url": "varchar(512)", "status": "varchar(16)", "installed_on": "date",
    "rollout_stage": "varchar(16)", "rollout_phase": "smallint", "source": "varchar(32)",
}  # fmt: skip


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int


def camera_rows_upsert(
    *, rows: Iterable[Sequence[object]], update_columns: Iterable[str]
) -> UpsertResult:
    """Insert new codes and update existing ones. Must run inside a transaction.

    `rows` are tuples in COLUMNS order with location as EWKT ("SRID=4326;POINT(lon lat)").
    Only `update_columns` (plus location, district and source) change on existing cameras, so a
    source that lacks, say, headings never erases headings set by an admin.
    """
    table = Camera._meta.db_table
    updates = sorted(set(update_columns) | set(ALWAYS_UPDATED))
    unknown = set(updates) - set(COLUMNS)
    if unknown:
        raise ValueError(f"cannot update unknown columns {sorted(unknown)}")
    column_list = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "create temp table camera_import ("
            + ", ".join(f"{c} {_TYPES[c]}" for c in COLUMNS)
            + ") on commit drop"
        )
        with cursor.cursor.copy(f"copy camera_import ({column_list}) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
        set_clause = ", ".join(f"{c} = excluded.{c}" for c in updates)
        cursor.execute(
            f"insert into {table} ({column_list}, created_at, updated_at) "
            f"select {column_list}, now(), now() from camera_import "
            f"on conflict (code) do update set {set_clause}, updated_at = now() "
            "returning (xmax = 0)"
        )
        inserted = [flag for (flag,) in cursor.fetchall()]
        cursor.execute("drop table camera_import")
    created = sum(inserted)
    return UpsertResult(created=created, updated=len(inserted) - created)
