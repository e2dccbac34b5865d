"""The real Seoul open-data files in ../shared/data/seoul/cctv (skipped when absent)."""

import pytest

from backend.cameras.models import Camera
from backend.cameras.services.importing import cameras_import
from tests.shared_data import shared_path

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data, pytest.mark.slow]


def test_ansimi_2023_imports_all_84013_cameras():
    path = shared_path("seoul/cctv/seoul_ansimi_cctv_2023.csv")
    report = cameras_import(data=path.read_bytes(), filename=path.name)
    assert report.layout == "ansimi" and report.rows == 83_734
    assert report.rejected == 0 and report.committed
    assert report.created == 84_013 == Camera.objects.filter(code__startswith="ANS-").count()
    # Every camera lies in (or within 1 km of) the gu that operates it; ~0.6 % sit across a border.
    assert report.district_mismatches < 0.01 * report.created
    again = cameras_import(data=path.read_bytes(), filename=path.name)
    assert (again.created, again.updated) == (0, 84_013)


def test_standard_data_placeholder_coordinates_are_rejected_with_reasons():
    path = shared_path("seoul/cctv/seoul_cctv_standard_2018.csv")
    strict = cameras_import(data=path.read_bytes(), filename=path.name)
    assert strict.layout == "standard" and not strict.committed
    assert strict.rejected >= 680  # the README counts 685 placeholder coordinates
    assert all(e.field in {"lon", "purpose", "count"} for e in strict.errors)
    assert not Camera.objects.filter(code__startswith="STD-").exists()
    lenient = cameras_import(data=path.read_bytes(), filename=path.name, skip_invalid=True)
    assert lenient.committed and lenient.created > 37_000


def test_original_cp949_standard_file_reads_the_same():
    utf8 = shared_path("seoul/cctv/seoul_cctv_standard_2018.csv")
    cp949 = shared_path("seoul/cctv/original/seoul_cctv_standard_2018.cp949.csv")
    a = cameras_import(data=utf8.read_bytes(), filename=utf8.name, dry_run=True)
    b = cameras_import(data=cp949.read_bytes(), filename=cp949.name, dry_run=True)
    assert b.encoding == "cp949" and a.encoding == "utf-8-sig"
    assert (a.rows, a.cameras, a.rejected) == (b.rows, b.cameras, b.rejected)
