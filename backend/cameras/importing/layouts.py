"""Source layouts: each turns raw records into `CameraRow`s or `RowError`s.

Supported:
- `haechi`: our own CSV/GeoJSON columns (code, lon, lat, district, address, purpose, kind, ai,
  infrared, ptz, heading_deg, fov_deg, range_m, mount_height_m, stream_url, status,
  installed_on, rollout_stage).
- `ansimi`: Seoul 안심이 CCTV feed (자치구, 주소, 위도, 경도, 수량), one row per site.
- `ansimi_noheader`: the older headerless 안심이 copy (gu, address, lat, lon, count, dong, …).
- `standard`: 전국CCTV표준데이터 with Korean headers or the renamed (man, add, rd, object, num,
  see, install_day, lat, lng) header.
Sites holding several cameras expand to one camera per unit (code suffix -1, -2, …).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.cameras import validation as v
from backend.cameras.importing.rows import CameraRow, RowError

Record = dict[str, Any]
RowResult = CameraRow | RowError

HAECHI_FIELDS = [
    "district",
    "address",
    "purpose",
    "kind",
    "has_ai",
    "has_infrared",
    "has_ptz",
    "heading_deg",
    "fov_deg",
    "range_m",
    "mount_height_m",
    "stream_url",
    "status",
    "installed_on",
    "rollout_stage",
]
_ROLLOUT = {"none", "planned", "scheduled", "installing", "live"}
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MAX_CAMERAS_PER_SITE = 64


@dataclass(frozen=True)
class Layout:
    key: str
    description: str
    parse: Callable[[Record, int], list[RowResult]]


def _first(record: Record, *names: str) -> Any:
    for name in names:
        if name in record and record[name] not in (None, ""):
            return record[name]
    return None


def stable_code(prefix: str, *parts: object) -> str:
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def _site_count(raw: object) -> int:
    count = v.parse_float("count", raw, lo=1, hi=MAX_CAMERAS_PER_SITE)
    if count is None:
        return 1
    if count != int(count):
        raise v.FieldError("count", f"not a whole number of cameras: {raw!r}")
    return int(count)


def _expand(base: CameraRow, count: int) -> list[RowResult]:
    if count == 1:
        return [base]
    rows: list[RowResult] = []
    for unit in range(1, count + 1):
        rows.append(
            CameraRow(**{**base.__dict__, "code": f"{base.code}-{unit}"})  # type: ignore[arg-type]
        )
    return rows


def parse_haechi(record: Record, row: int) -> list[RowResult]:
    try:
        code = str(_first(record, "code", "camera_code", "id") or "").strip()
        if not code:
            raise v.FieldError("code", "is required")
        if not _CODE_RE.match(code):
            raise v.FieldError("code", f"{code!r} must be 1–64 letters, digits, _ . : -")
        point = v.validate_lon_lat(
            _first(record, "lon", "longitude", "lng", "x"), _first(record, "lat", "latitude", "y")
        )
        provided = {k for k in HAECHI_FIELDS if k in record}
        provided |= {"has_ai"} if "ai" in record else set()
        provided |= {"has_infrared"} if "infrared" in record else set()
        provided |= {"has_ptz"} if "ptz" in record else set()
        kind = v.parse_kind(record.get("kind"))
        has_ai = v.parse_bool("ai", record["ai"]) if "ai" in record else kind != "legacy"
        if "kind" in record and "ai" not in record:
            provided.add("has_ai")
        rollout = str(record.get("rollout_stage") or "none").strip().lower()
        if rollout not in _ROLLOUT:
            raise v.FieldError("rollout_stage", f"{rollout!r} is not one of {sorted(_ROLLOUT)}")
        fov = v.parse_float("fov_deg", record.get("fov_deg"), lo=1, hi=360)
        rng = v.parse_float("range_m", record.get("range_m"), lo=1, hi=300)
        height = v.parse_float("mount_height_m", record.get("mount_height_m"), lo=0.5, hi=60)
        result = CameraRow(
            row=row,
            code=code,
            lon=point.lon,
            lat=point.lat,
            district_hint=str(record.get("district") or "").strip(),
            address=str(record.get("address") or "").strip()[:255],
            purpose=v.parse_purpose(record.get("purpose")),
            kind=kind,
            has_ai=has_ai,
            has_infrared=v.parse_bool("infrared", record.get("infrared")),
            has_ptz=v.parse_bool("ptz", record.get("ptz")),
            heading_deg=v.parse_heading(record.get("heading_deg")),
            fov_deg=90.0 if fov is None else fov,
            range_m=30.0 if rng is None else rng,
            mount_height_m=4.0 if height is None else height,
            stream_url=v.validate_stream_url(str(record.get("stream_url") or "")),
            status=v.parse_status(record.get("status")),
            installed_on=v.parse_date("installed_on", record.get("installed_on")),
            rollout_stage=rollout,
            fields=frozenset(provided - {"district"}),
        )
    except v.FieldError as err:
        return [RowError(row, err.field, err.message)]
    return [result]


_ANSIMI_FIELDS = frozenset({"address"})


def _parse_ansimi_values(
    row: int, gu: object, address: object, lat: object, lon: object, count: object
) -> list[RowResult]:
    try:
        point = v.validate_lon_lat(lon, lat)
        units = _site_count(count)
    except v.FieldError as err:
        return [RowError(row, err.field, err.message)]
    gu_text, addr = str(gu or "").strip(), str(address or "").strip()
    base = CameraRow(
        row=row,
        code=stable_code("ANS", gu_text, addr, f"{point.lat:.8f}", f"{point.lon:.8f}"),
        lon=point.lon,
        lat=point.lat,
        district_hint=gu_text,
        address=addr[:255],
        purpose="crime_prevention",
        fields=_ANSIMI_FIELDS,
        derived_code=True,
    )
    return _expand(base, units)


def parse_ansimi(record: Record, row: int) -> list[RowResult]:
    return _parse_ansimi_values(
        row,
        record.get("자치구"),
        record.get("주소"),
        record.get("위도"),
        record.get("경도"),
        record.get("수량"),
    )


def parse_ansimi_noheader(record: Record, row: int) -> list[RowResult]:
    values = record["_values"]
    if len(values) < 5:
        return [RowError(row, "columns", f"expected at least 5 columns, found {len(values)}")]
    return _parse_ansimi_values(row, values[0], values[1], values[2], values[3], values[4])


_INSTALL_RE = re.compile(r"^(\d{2,4})[-./](\d{1,2}|[A-Za-z]{3})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def parse_install_month(raw: object) -> date | None:
    """Install year-month as written in the standard data (`2017-01-`, Excel's `11-Dec`)."""
    text = "" if raw is None else str(raw).strip()
    match = _INSTALL_RE.match(text)
    if not match:
        return None
    year_text, month_text = match.groups()
    month = _MONTHS.get(month_text.lower()) if month_text.isalpha() else int(month_text)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    if month is None or not 1 <= month <= 12 or not 1990 <= year <= 2030:
        return None
    return date(year, month, 1)


_STANDARD_FIELDS = frozenset({"address", "purpose", "has_ptz", "fov_deg", "installed_on"})


def parse_standard(record: Record, row: int) -> list[RowResult]:
    try:
        point = v.validate_lon_lat(
            _first(record, "lng", "경도", "WGS84경도"), _first(record, "lat", "위도", "WGS84위도")
        )
        units = _site_count(_first(record, "num", "카메라대수"))
        purpose = v.parse_purpose(_first(record, "object", "설치목적구분"))
    except v.FieldError as err:
        return [RowError(row, err.field, err.message)]
    manager = str(_first(record, "man", "관리기관명") or "")
    road = str(_first(record, "add", "소재지도로명주소") or "")
    lot = str(_first(record, "rd", "소재지지번주소") or "")
    view = str(_first(record, "see", "촬영방면정보") or "")
    panoramic = "360" in view
    base = CameraRow(
        row=row,
        code=stable_code("STD", manager, road, lot, f"{point.lat:.6f}", f"{point.lon:.6f}", view),
        lon=point.lon,
        lat=point.lat,
        district_hint=_gu_from_manager(manager),
        address=(road or lot)[:255],
        purpose=purpose,
        has_ptz=panoramic,
        fov_deg=360.0 if panoramic else 90.0,
        installed_on=parse_install_month(_first(record, "install_day", "설치년월")),
        fields=_STANDARD_FIELDS,
        derived_code=True,
    )
    return _expand(base, units)


def _gu_from_manager(manager: str) -> str:
    """'서울특별시 종로구청' → '종로구'; police or other managers give no hint."""
    match = re.search(r"(\S+구)청", manager)
    return match.group(1) if match else ""


LAYOUTS = {
    "haechi": Layout("haechi", "Haechi CSV/GeoJSON (code, lon, lat, …)", parse_haechi),
    "ansimi": Layout("ansimi", "Seoul 안심이 CCTV (자치구, 주소, 위도, 경도, 수량)", parse_ansimi),
    "ansimi_noheader": Layout(
        "ansimi_noheader", "Seoul 안심이 CCTV without header", parse_ansimi_noheader
    ),
    "standard": Layout("standard", "전국CCTV표준데이터 (관리기관명 …, 위도, 경도)", parse_standard),
}


def detect_csv_layout(header: list[str]) -> tuple[Layout, bool]:
    """Pick the layout from the first CSV line; returns (layout, first_line_is_header)."""
    names = {h.strip().lstrip("\ufeff").lower() for h in header}
    if {"자치구", "위도", "경도"} <= names:
        return LAYOUTS["ansimi"], True
    if {"lat", "lng"} <= names and ("man" in names or "add" in names):
        return LAYOUTS["standard"], True
    if {"위도", "경도"} <= names and ("관리기관명" in names or "카메라대수" in names):
        return LAYOUTS["standard"], True
    if "code" in names and (names & {"lon", "longitude", "lng", "x"}):
        return LAYOUTS["haechi"], True
    if len(header) >= 5 and header[0].strip().endswith("구") and _looks_numeric(header[2:4]):
        return LAYOUTS["ansimi_noheader"], False
    raise v.FieldError(
        "header",
        "unrecognised columns "
        f"{header[:8]!r}; expected our layout (code, lon, lat, …), 안심이 (자치구, 주소, 위도, "
        "경도, 수량) or 전국CCTV표준데이터 (관리기관명, …, 위도, 경도)",
    )


def _looks_numeric(values: list[str]) -> bool:
    try:
        [float(x) for x in values]
    except ValueError:
        return False
    return True


def iter_layout_rows(layout: Layout, records: Iterator[tuple[int, Record]]) -> Iterator[RowResult]:
    for row, record in records:
        yield from layout.parse(record, row)
