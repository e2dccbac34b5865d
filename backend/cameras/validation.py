"""Validation of camera attributes coming from users, files and APIs.

Pure functions: each returns the cleaned value or raises `FieldError` with a message a person
can act on. Used by the importer, the API serializers and `Camera.clean()`.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
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


NETWORK_SCHEMES = ("rtsp", "rtsps", "http", "https")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


def validate_stream_url(url: str, *, allow_private: bool | None = None) -> str:
    """Check a camera stream URL before video hosts are told to open it.

    Schemes rtsp/rtsps/http/https only; `file` and hosts on loopback, private, link-local or
    otherwise non-public addresses (and this deployment's own service hosts) only when
    `allow_private` (default: the `HAECHI_ALLOW_PRIVATE_STREAMS` setting). Host names are not
    resolved: a name pointing inside must be stopped by the hosts' egress policy.
    """
    url = url.strip()
    if not url:
        return ""
    if allow_private is None:
        from django.conf import settings

        allow_private = bool(getattr(settings, "HAECHI_ALLOW_PRIVATE_STREAMS", False))
    if any(ch in url for ch in "\n\r\t "):
        raise FieldError("stream_url", "contains whitespace")
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme not in STREAM_SCHEMES:
        raise FieldError(
            "stream_url",
            f"scheme {parsed.scheme or '(none)'!r} not allowed; use one of {', '.join(NETWORK_SCHEMES)}",
        )
    if scheme == "file":
        if not allow_private:
            raise FieldError(
                "stream_url",
                "file:// stream URLs are refused (HAECHI_ALLOW_PRIVATE_STREAMS is off)",
            )
        return url
    try:
        host = parsed.hostname
        parsed.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as err:
        raise FieldError("stream_url", f"malformed host or port in {url!r}") from err
    if not host:
        raise FieldError("stream_url", f"no host in {url!r}")
    if not allow_private:
        reason = _private_host_reason(host)
        if reason:
            raise FieldError(
                "stream_url",
                f"host {host!r} is {reason}; stream URLs must point at public camera addresses "
                "(HAECHI_ALLOW_PRIVATE_STREAMS is off)",
            )
    return url


def _private_host_reason(host: str) -> str:
    """Why `host` must not be opened by a video host, or '' when it may."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return "a local name"
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
        if _NUMERIC_HOST.match(name):  # 2130706433, 0x7f.1, 127.1: what inet_aton accepts
            try:
                address = ipaddress.IPv4Address(socket.inet_aton(name))
            except OSError:
                return "not a valid address"
    if address is None:
        return "one of this deployment's own services" if name in _service_hosts() else ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or address.is_unspecified:
        return "a private address"
    if address.is_multicast:
        return "a multicast address"
    if not address.is_global:
        return "a non-public address"
    return "one of this deployment's own services" if name in _service_hosts() else ""


def _service_hosts() -> set[str]:
    """Host names and addresses of this deployment's own database, Redis and web host."""
    from backend.config import env

    hosts = {socket.gethostname().lower()}
    for url in (env.DATABASE_URL, env.REDIS_URL, env.CELERY_BROKER_URL, env.CHANNELS_REDIS_URL,
                env.VIDEO_REDIS_URL):  # fmt: skip
        try:
            if urlparse(url).hostname:
                hosts.add(str(urlparse(url).hostname).lower())
        except ValueError:
            continue
    return hosts


def stream_url_masked(url: str) -> str:
    """The URL with any user:password replaced by `***` (what non-admins see)."""
    if "@" not in url:
        return url
    parsed = urlparse(url)
    if not parsed.username and not parsed.password:
        return url
    host = parsed.netloc.rsplit("@", 1)[1]
    return parsed._replace(netloc=f"***@{host}").geturl()


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
