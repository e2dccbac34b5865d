"""Importing a camera file: all-or-nothing per file, with a per-row report."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from django.db import transaction

from backend.audit.services import audit_record
from backend.cameras.importing.layouts import iter_layout_rows
from backend.cameras.importing.reader import ImportFileError, read_source
from backend.cameras.importing.rows import CameraRow, RowError
from backend.cameras.importing.writer import camera_rows_upsert
from backend.cameras.models import District
from backend.cameras.seoul import gu_code
from backend.cameras.services.video_sync import cameras_video_sync_on_commit

logger = logging.getLogger(__name__)
MAX_LISTED_ERRORS = 1000
# A camera a district names as its own may stand just outside the mapped boundary (boundary
# generalisation, cameras on border roads); within this distance it stays with that district.
BOUNDARY_TOLERANCE_M = 1000.0
_METRES_PER_DEG = np.array([88_200.0, 111_320.0])  # lon, lat at 37.5° N


@dataclass
class ImportReport:
    file: str
    format: str = ""
    encoding: str = ""
    layout: str = ""
    rows: int = 0  # source rows (sites) read
    cameras: int = 0  # cameras those rows describe
    created: int = 0
    updated: int = 0
    rejected: int = 0
    committed: bool = False
    dry_run: bool = False
    error: str = ""  # whole-file problem (encoding, format, header)
    errors: list[RowError] = field(default_factory=list)
    district_mismatches: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error and (self.rejected == 0 or self.committed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "layout": self.layout,
            "rows": self.rows,
            "cameras": self.cameras,
            "created": self.created,
            "updated": self.updated,
            "rejected": self.rejected,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "error": self.error,
            "errors": [e.as_dict() for e in self.errors[:MAX_LISTED_ERRORS]],
            "errors_truncated": len(self.errors) > MAX_LISTED_ERRORS,
            "district_mismatches": self.district_mismatches,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        state = "committed" if self.committed else ("dry run" if self.dry_run else "NOT committed")
        return (
            f"{self.file}: {self.layout or '?'} {self.format} ({self.encoding}), {self.rows} rows → "
            f"{self.cameras} cameras: {self.created} created, {self.updated} updated, "
            f"{self.rejected} rejected; {state} in {self.seconds:.1f} s"
        )


def _assign_districts(rows: list[CameraRow]) -> tuple[list[int | None], list[RowError], int]:
    """District id per row by point-in-polygon; checks any district named in the file."""
    districts = list(District.objects.only("id", "code", "geom"))
    if not districts:
        raise ImportFileError("no districts loaded: run `manage.py import_districts` first")
    xs = np.fromiter((r.lon for r in rows), dtype=float, count=len(rows))
    ys = np.fromiter((r.lat for r in rows), dtype=float, count=len(rows))
    assigned = np.zeros(len(rows), dtype=np.int64)
    code_of: dict[int, str] = {}
    polygons: dict[str, shapely.Geometry] = {}
    for district in districts:
        polygon = shapely.from_wkb(bytes(district.geom.wkb))
        shapely.prepare(polygon)
        todo = assigned == 0
        hit = shapely.contains_xy(polygon, xs[todo], ys[todo])
        idx = np.flatnonzero(todo)[hit]
        assigned[idx] = district.id
        code_of[district.id] = district.code
        polygons[district.code] = polygon
    id_of = {code: pk for pk, code in code_of.items()}
    for i in np.flatnonzero(assigned == 0):
        hint_code = gu_code(rows[i].district_hint) if rows[i].district_hint else None
        if (
            hint_code in polygons
            and _distance_m(polygons[hint_code], xs[i], ys[i]) <= BOUNDARY_TOLERANCE_M
        ):
            assigned[i] = id_of[hint_code]
    errors: list[RowError] = []
    result: list[int | None] = []
    mismatches = 0
    for row, district_id in zip(rows, assigned.tolist(), strict=True):
        hint_code = gu_code(row.district_hint) if row.district_hint else None
        if row.district_hint and hint_code is None:
            errors.append(RowError(row.row, "district", f"unknown district {row.district_hint!r}"))
            result.append(None)
        elif district_id == 0:
            errors.append(
                RowError(row.row, "lon", f"({row.lon:g}, {row.lat:g}) is in no Seoul district")
            )
            result.append(None)
        else:
            mismatches += hint_code is not None and hint_code != code_of[district_id]
            result.append(district_id)
    return result, errors, mismatches


def _distance_m(polygon: shapely.Geometry, lon: float, lat: float) -> float:
    """Approximate metric distance from a lon/lat point to a 4326 polygon (local scaling)."""
    scaled = shapely.transform(polygon, lambda xy: xy * _METRES_PER_DEG)
    return float(
        shapely.distance(scaled, shapely.Point(lon * _METRES_PER_DEG[0], lat * _METRES_PER_DEG[1]))
    )


def cameras_import(
    *,
    data: bytes,
    filename: str,
    actor: Any = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    source: str = "import",
) -> ImportReport:
    """Validate every row, then upsert all cameras by code in one transaction.

    With any rejected row nothing is written, unless `skip_invalid` is set (then the valid rows
    are written and the rejected ones reported). `dry_run` validates without writing.
    """
    started = time.perf_counter()
    report = ImportReport(file=filename, dry_run=dry_run)
    try:
        src = read_source(data, filename)
        report.format, report.encoding, report.layout = src.format, src.encoding, src.layout.key
        rows: list[CameraRow] = []
        errors: list[RowError] = []
        sites: set[int] = set()
        for item in iter_layout_rows(src.layout, src.records):
            sites.add(item.row)
            (errors if isinstance(item, RowError) else rows).append(item)  # type: ignore[arg-type]
        errors.extend(RowError(r, f, m) for r, f, m in src.errors)
        report.rows = len(sites)
        seen: dict[str, int] = {}
        repeats: dict[str, int] = {}
        unique_rows: list[CameraRow] = []
        for row in rows:
            if row.derived_code and row.code in seen:
                # Identical records in an id-less source are distinct cameras: number them.
                repeats[row.code] = repeats.get(row.code, 1) + 1
                row.code = f"{row.code}.{repeats[row.code]}"
            if row.code in seen:
                errors.append(
                    RowError(
                        row.row,
                        "code",
                        f"duplicate code {row.code!r} (first on row {seen[row.code]})",
                    )
                )
                continue
            seen[row.code] = row.row
            unique_rows.append(row)
        district_ids, district_errors, report.district_mismatches = (
            _assign_districts(unique_rows) if unique_rows else ([], [], 0)
        )
        errors.extend(district_errors)
    except ImportFileError as err:
        report.error = str(err)
        report.seconds = time.perf_counter() - started
        return report

    errors.sort(key=lambda e: e.row)
    report.errors = errors
    report.rejected = len(errors)
    valid = [(r, d) for r, d in zip(unique_rows, district_ids, strict=True) if d is not None]
    report.cameras = len(valid) + len(errors)
    if not valid and not errors:
        report.error = "file has no camera rows"
    elif (errors and not skip_invalid) or dry_run:
        pass
    else:
        provided = set().union(*(r.fields for r, _ in valid)) if valid else set()
        with transaction.atomic():
            result = camera_rows_upsert(
                rows=(_copy_row(r, d, source) for r, d in valid), update_columns=provided
            )
            audit_record(
                actor=actor,
                action="camera.imported",
                object_type="cameras.camera",
                object_id=filename[:64],
                data={"created": result.created, "updated": result.updated,
                      "rejected": report.rejected, "layout": report.layout},
            )  # fmt: skip
            cameras_video_sync_on_commit(codes=[r.code for r, _ in valid])
        report.created, report.updated, report.committed = result.created, result.updated, True
    report.seconds = time.perf_counter() - started
    logger.info(report.summary())
    return report


def _copy_row(row: CameraRow, district_id: int, source: str) -> tuple[object, ...]:
    return (
        row.code, f"SRID=4326;POINT({row.lon!r} {row.lat!r})", district_id, row.address,
        row.purpose, row.kind, row.has_ai, row.has_infrared, row.has_ptz, row.heading_deg,
        row.fov_deg, row.range_m, row.mount_height_m, row.stream_url, row.status,
        row.installed_on, row.rollout_stage, None, source,
    )  # fmt: skip
