"""The synthetic registry: deterministic, inside the districts, following the rollout plan."""

import pytest
from django.db.models import Count

from backend.cameras.models import Camera, District
from backend.cameras.services.seeding import CITY_TOTAL, PHASE1, PLAN, cameras_seed

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(
        Camera.objects.order_by("code").values_list(
            "code", "location", "kind", "status", "heading_deg"
        )
    )


def test_seed_is_deterministic_and_idempotent():
    first = cameras_seed(count=3000, seed=7)
    snap = _snapshot()
    assert first.created == 3000
    again = cameras_seed(count=3000, seed=7)
    assert (again.created, again.updated, again.removed) == (0, 3000, 0)
    assert _snapshot() == snap
    other = cameras_seed(count=2000, seed=8)
    assert other.removed == 1000 and Camera.objects.count() == 2000
    assert _snapshot() != snap[:2000]


def test_every_seeded_camera_lies_in_its_district():
    cameras_seed(count=5000, seed=3)
    outside = Camera.objects.exclude(district__geom__contains=models_location())
    assert outside.count() == 0
    assert set(Camera.objects.values_list("district__code", flat=True)) == set(
        District.objects.values_list("code", flat=True)
    )


def models_location():
    from django.db.models import F

    return F("location")


def test_rollout_split_follows_the_city_plan():
    count = 16_000  # a tenth of the city: every plan figure scales by 0.1
    cameras_seed(count=count, seed=1)
    kinds = dict(Camera.objects.values_list("kind").annotate(n=Count("id")))
    for kind, planned in PLAN.items():
        assert kinds[kind] == round(planned * count / CITY_TOTAL)
    ai = Camera.objects.filter(has_ai=True).count()
    assert ai == sum(kinds[k] for k in PLAN)
    assert Camera.objects.filter(rollout_phase=1).count() == round(PHASE1 * count / CITY_TOTAL)
    assert not Camera.objects.filter(kind="new_ai").exclude(status="planned").exists()
    assert not Camera.objects.filter(kind="legacy", has_ai=True).exists()


@pytest.mark.shared_data
def test_per_district_counts_follow_the_real_ansimi_counts():
    from collections import Counter

    from backend.cameras.services.seeding import load_anchors
    from tests.shared_data import shared_path

    shared_path("seoul/cctv/seoul_ansimi_cctv_2023.csv")
    real = Counter(load_anchors().site_gu)
    cameras_seed(count=20_000, seed=2)
    seeded = dict(Camera.objects.values_list("district__code").annotate(n=Count("id")))
    total_real = sum(real.values())
    for code, n_real in real.items():
        expected = 20_000 * n_real / total_real
        assert abs(seeded[code] - expected) <= 1, (code, seeded[code], expected)
