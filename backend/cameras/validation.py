"""Validation of camera attributes coming from users, files and APIs.

Pure functions: each returns the cleaned value or raises `FieldError` with a message a person
can act on. Used by the importer, the API serializers and `Camera.clean()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlparse

from backend.cameras.models import STREAM_SCHEMES, CameraKind, CameraPurpose, CameraStatus

# Seoul's bounding box with a margin; anything outside cannot be a Seoul camera.
SEOUL_LON = (126.70, 127.30)
SEOUL_LAT = (37.38, 37.75)


class FieldError(ValueError):
    """A value failed validation; `field` names the column or attribute."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LonLat:
    lon: float
    lat: float


def parse_float(
    field: str, raw: object, *, lo: float, hi: float, required: bool = False
) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if required:
            raise FieldError(field, "is required")
        return None
    try:
        value = float(str(raw).strip().replace(",", ""))
    except ValueError as err:
        raise FieldError(field, f"not a number: {raw!r}") from err
    if math.isnan(value) or math.isinf(value):
        if required:
            raise FieldError(field, f"not a finite number: {raw!r}")
        return None
    if not lo <= value <= hi:
        raise FieldError(field, f"{value:g} is outside {lo:g}…{hi:g}")
    return value


def validate_lon_lat(raw_lon: object, raw_lat: object) -> LonLat:
    """Check a WGS84 coordinate lies in Seoul; recognise swapped lon/lat explicitly."""
    lon = parse_float("lon", raw_lon, lo=-180, hi=180, required=True)
    lat = parse_float("lat", raw_lat, lo=-180, hi=180, required=True)
    assert lon is not None and lat is not None
    in_lon = SEOUL_LON[0] <= lon <= SEOUL_LON[1]
    in_lat = SEOUL_LAT[0] <= lat <= SEOUL_LAT[1]
    if in_lon and in_lat:
        return LonLat(lon, lat)
    if SEOUL_LON[0] <= lat <= SEOUL_LON[1] and SEOUL_LAT[0] <= lon <= SEOUL_LAT[1]:
        raise FieldError("lon", f"lon/lat look swapped (lon={lon:g}, lat={lat:g})")
    raise FieldError("lon", f"({lon:g}, {lat:g}) is outside Seoul")


def validate_stream_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    parsed = urlparse(url)
    if parsed.scheme.lower() not in STREAM_SCHEMES:
        raise FieldError(
            "stream_url",
            f"scheme {parsed.scheme or '(none)'!r} not allowed; use one of {', '.join(STREAM_SCHEMES)}",
        )
    if parsed.scheme.lower() != "file" and not parsed.hostname:
        raise FieldError("stream_url", f"no host in {url!r}")
    if any(ch in url for ch in "\n\r\t "):
        raise FieldError("stream_url", "contains whitespace")
    return url


_TRUE = {"1", "true", "yes", "y", "t", "on", "o", "예", "유"}
_FALSE = {"0", "false", "no", "n", "f", "off", "x", "", "아니오", "무"}


def parse_bool(field: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = "" if raw is None else str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError(field, f"not a yes/no value: {raw!r}")


def parse_choice(field: str, raw: object, choices: type, default: str) -> str:
    text = "" if raw is None else str(raw).strip().lower()
    if not text:
        return default
    values = {c.value for c in choices}  # type: ignore[attr-defined]
    if text not in values:
        raise FieldError(field, f"{raw!r} is not one of {', '.join(sorted(values))}")
    return text


def parse_kind(raw: object) -> str:
    return parse_choice("kind", raw, CameraKind, CameraKind.LEGACY)


def parse_status(raw: object) -> str:
    return parse_choice("status", raw, CameraStatus, CameraStatus.ONLINE)


# Korean purpose labels of the national CCTV standard data (설치목적구분) → our purpose codes.
PURPOSE_KO = {
    "생활방범": CameraPurpose.CRIME_PREVENTION,
    "방범": CameraPurpose.CRIME_PREVENTION,
    "다목적": CameraPurpose.MULTIPURPOSE,
    "어린이보호": CameraPurpose.CHILD_PROTECTION,
    "교통단속": CameraPurpose.TRAFFIC,
    "교통정보수집": CameraPurpose.TRAFFIC,
    "차량방범": CameraPurpose.TRAFFIC,
    "시설물관리": CameraPurpose.FACILITY,
    "쓰레기단속": CameraPurpose.LITTERING,
    "재난재해": CameraPurpose.DISASTER,
    "공원": CameraPurpose.PARK,
    "기타": CameraPurpose.OTHER,
}


def parse_purpose(raw: object) -> str:
    text = "" if raw is None else str(raw).strip()
    if not text:
        return CameraPurpose.CRIME_PREVENTION
    if text in PURPOSE_KO:
        return PURPOSE_KO[text]
    for label, purpose in PURPOSE_KO.items():
        if text.startswith(label):  # e.g. 교통단속(방범겸용)
            return purpose
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):  # other Korean free text
        return CameraPurpose.OTHER
    return parse_choice("purpose", text, CameraPurpose, CameraPurpose.CRIME_PREVENTION)


def parse_date(field: str, raw: object) -> date | None:
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise FieldError(field, f"not an ISO date (YYYY-MM-DD): {raw!r}") from err


def parse_heading(raw: object) -> float | None:
    """Heading in degrees clockwise from north; 360 is folded to 0; empty/NaN means unknown."""
    value = parse_float("heading_deg", raw, lo=0, hi=360)
    return None if value is None else value % 360
