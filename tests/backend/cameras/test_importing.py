"""Bulk import: upsert by code, all-or-nothing per file, a per-row report."""

from __future__ import annotations

import json

import pytest

from backend.audit.models import AuditEntry
from backend.cameras.models import Camera
from backend.cameras.services.importing import cameras_import
from tests.factories import CITY_HALL, COEX, make_camera

pytestmark = pytest.mark.django_db

HEADER = "code,lon,lat,district,address,kind,heading_deg,fov_deg,range_m,stream_url,status\n"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "\n".join(lines) + "\n").encode(encoding)


def test_creates_then_updates_by_code():
    data = csv_bytes(
        f"A-1,{CITY_HALL[0]},{CITY_HALL[1]},중구,시청앞,upgraded_ai,90,80,35,rtsp://cam/1,online",
        f"A-2,{COEX[0]},{COEX[1]},강남구,코엑스,legacy,,,,,offline",
    )
    report = cameras_import(data=data, filename="cams.csv")
    assert (report.created, report.updated, report.rejected, report.committed) == (2, 0, 0, True)
    a1 = Camera.objects.get(code="A-1")
    assert a1.district.code == "11140"
    assert a1.has_ai and a1.kind == "upgraded_ai" and a1.heading_deg == 90
    assert Camera.objects.get(code="A-2").district.code == "11680"

    changed = csv_bytes(
        f"A-1,{CITY_HALL[0]},{CITY_HALL[1]},중구,시청앞,upgraded_ai,180,80,35,,online"
    )
    again = cameras_import(data=changed, filename="cams.csv")
    assert (again.created, again.updated) == (0, 1)
    assert Camera.objects.get(code="A-1").heading_deg == 180
    assert AuditEntry.objects.filter(action="camera.imported").count() == 2


def test_one_bad_row_rejects_the_whole_file_and_reports_row_and_field():
    make_camera(*CITY_HALL, code="KEEP-1", heading_deg=45)
    before = list(Camera.objects.values_list("code", "heading_deg"))
    data = csv_bytes(
        f"B-1,{CITY_HALL[0]},{CITY_HALL[1]},,,,,,,,",
        f"KEEP-1,{CITY_HALL[0]},{CITY_HALL[1]},,,,10,,,,",
        f"B-3,{CITY_HALL[1]},{CITY_HALL[0]},,,,,,,,",  # swapped lon/lat on line 4
        f"B-4,{CITY_HALL[0]},{CITY_HALL[1]},,,,,,,ftp://x/y,",  # bad scheme on line 5
    )
    report = cameras_import(data=data, filename="bad.csv")
    assert not report.committed
    assert [(e.row, e.field) for e in report.errors] == [(4, "lon"), (5, "stream_url")]
    assert "swapped" in report.errors[0].reason
    assert list(Camera.objects.values_list("code", "heading_deg")) == before


def test_skip_invalid_writes_the_valid_rows_only():
    data = csv_bytes(
        f"C-1,{CITY_HALL[0]},{CITY_HALL[1]},,,,,,,,",
        "C-2,129.07,35.18,,,,,,,,",  # Busan
    )
    report = cameras_import(data=data, filename="mixed.csv", skip_invalid=True)
    assert report.committed and report.created == 1 and report.rejected == 1
    assert Camera.objects.filter(code__startswith="C-").count() == 1


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ("D-1,{x},{y},부산진구,,,,,,,", "district", "unknown district"),
        ("D-1,{x},{y},,,,720,,,,", "heading_deg", "outside"),
        ("D-1,{x},{y},,,,,0,,,", "fov_deg", "outside"),
        ("D-1,{x},{y},,,,,,5000,,", "range_m", "outside"),
        ("D-1,{x},{y},,,spaceship,,,,,", "kind", "not one of"),
        ("D-1,{x},{y},,,,,,,,exploded", "status", "not one of"),
        ("D 1,{x},{y},,,,,,,,", "code", "must be"),
    ],
)
def test_each_bad_value_is_named(line, field, reason):
    data = csv_bytes(line.format(x=CITY_HALL[0], y=CITY_HALL[1]))
    report = cameras_import(data=data, filename="one.csv")
    assert not report.committed and report.rejected == 1
    assert report.errors[0].field == field and reason in report.errors[0].reason
    assert not Camera.objects.filter(code__startswith="D").exists()


def test_duplicate_codes_in_one_file_are_rejected():
    data = csv_bytes(
        f"E-1,{CITY_HALL[0]},{CITY_HALL[1]},,,,,,,,", f"E-1,{COEX[0]},{COEX[1]},,,,,,,,"
    )
    report = cameras_import(data=data, filename="dup.csv")
    assert not report.committed
    assert report.errors[0].row == 3 and "duplicate code" in report.errors[0].reason


def test_cp949_file_is_decoded():
    data = csv_bytes(
        f"F-1,{CITY_HALL[0]},{CITY_HALL[1]},중구,서울특별시청 앞,,,,,,", encoding="cp949"
    )
    report = cameras_import(data=data, filename="cp949.csv")
    assert report.encoding == "cp949" and report.committed
    assert Camera.objects.get(code="F-1").address == "서울특별시청 앞"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\xff\xfe\x00binary\x81\x82\xff" * 10, "neither UTF-8 nor CP949"),
        (b"foo,bar,baz\n1,2,3\n", "unrecognised columns"),
        (b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        (b'{"type": "Feature"}', "FeatureCollection"),
    ],
)
def test_unreadable_files_get_a_file_level_error(data, message):
    count = Camera.objects.count()
    report = cameras_import(data=data, filename="x.csv")
    assert message in report.error and not report.committed
    assert Camera.objects.count() == count


def test_malformed_csv_quote_is_reported_with_its_line():
    data = csv_bytes(f'G-1,{CITY_HALL[0]},{CITY_HALL[1]},,"unterminated,,,,,,\n')
    report = cameras_import(data=data, filename="q.csv")
    assert not report.committed and report.errors and report.errors[0].field == "csv"


def test_geojson_import():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(COEX)},
                "properties": {"code": "GJ-1", "kind": "new_ai", "ptz": True, "fov_deg": 360},
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(COEX), list(CITY_HALL)]},
                "properties": {"code": "GJ-2"},
            },
        ],
    }
    data = json.dumps(collection).encode()
    strict = cameras_import(data=data, filename="c.geojson")
    assert not strict.committed and strict.errors[0].field == "geometry"
    report = cameras_import(data=data, filename="c.geojson", skip_invalid=True)
    camera = Camera.objects.get(code="GJ-1")
    assert report.created == 1 and camera.has_ptz and camera.has_ai and camera.fov_deg == 360


def test_source_without_headings_keeps_headings_set_by_an_admin():
    ansimi = "자치구,주소,위도,경도,수량\n중구,시청 앞 기둥,37.5663,126.9779,2\n".encode()
    first = cameras_import(data=ansimi, filename="ansimi.csv")
    assert first.created == 2 and first.layout == "ansimi"
    camera = Camera.objects.filter(address="시청 앞 기둥").order_by("code").first()
    camera.heading_deg = 123
    camera.save()
    second = cameras_import(data=ansimi, filename="ansimi.csv")
    assert (second.created, second.updated) == (0, 2)
    camera.refresh_from_db()
    assert camera.heading_deg == 123


def test_dry_run_writes_nothing():
    report = cameras_import(
        data=csv_bytes(f"H-1,{CITY_HALL[0]},{CITY_HALL[1]},,,,,,,,"), filename="d.csv", dry_run=True
    )
    assert not report.committed and report.rejected == 0
    assert not Camera.objects.filter(code="H-1").exists()
