"""Field validation rules shared by the importer, the API and the model."""

import pytest

from backend.cameras import validation as v


def test_point_in_seoul_is_accepted():
    assert v.validate_lon_lat("126.9779", "37.5663") == v.LonLat(126.9779, 37.5663)


def test_swapped_lon_lat_is_named_as_such():
    with pytest.raises(v.FieldError, match="swapped"):
        v.validate_lon_lat(37.5663, 126.9779)


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [
        (129.07, 35.18, "outside Seoul"),  # Busan
        ("", 37.5, "required"),
        ("abc", 37.5, "not a number"),
        (999.999999, 99.999999, "outside -180"),
        ("nan", 37.5, "finite"),
    ],
)
def test_bad_coordinates_are_rejected(lon, lat, message):
    with pytest.raises(v.FieldError, match=message):
        v.validate_lon_lat(lon, lat)


@pytest.mark.parametrize(
    "url",
    ["rtsp://10.0.0.5:554/live", "rtsps://cam/x", "http://h/mjpg", "https://h/x", "file:///v.mp4"],
)
def test_allowed_stream_schemes(url):
    assert v.validate_stream_url(url) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/video", "not allowed"),
        ("javascript:alert(1)", "not allowed"),
        ("rtsp:///nohost", "no host"),
        ("just-a-path", "not allowed"),
    ],
)
def test_bad_stream_urls(url, message):
    with pytest.raises(v.FieldError, match=message):
        v.validate_stream_url(url)


def test_heading_wraps_360_and_rejects_absurd_values():
    assert v.parse_heading("360") == 0
    assert v.parse_heading("") is None
    assert v.parse_heading("nan") is None
    with pytest.raises(v.FieldError):
        v.parse_heading("720")


def test_korean_purposes_map_to_codes():
    assert v.parse_purpose("생활방범") == "crime_prevention"
    assert v.parse_purpose("교통단속(방범겸용)") == "traffic"
    assert v.parse_purpose("주정차단속") == "other"
    with pytest.raises(v.FieldError):
        v.parse_purpose("surveillance-of-everything")
