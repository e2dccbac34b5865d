"""Small factories for tests: users with roles, cameras at given places."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.models import User

from backend.accounts.roles import Role
from backend.accounts.services import user_create
from backend.cameras.models import Camera, District
from backend.cameras.services.cameras import camera_create

_seq = itertools.count(1)


def district(code: str) -> District:
    return District.objects.get(code=code)


def make_user(role: Role, *district_codes: str, username: str | None = None) -> User:
    ids = [district(c).id for c in district_codes]
    return user_create(
        username=username or f"{role.value}{next(_seq)}",
        password="correct-horse-battery",
        role=role,
        district_ids=ids,
    )


def make_camera(lon: float, lat: float, code: str | None = None, **fields: Any) -> Camera:
    return camera_create(code=code or f"T-{next(_seq):05d}", lon=lon, lat=lat, **fields)


# Well-known points (WGS84) and the gu they lie in.
CITY_HALL = (126.9779, 37.5663)  # 중구 (11140)
COEX = (127.0588, 37.5125)  # 강남구 (11680)
SINCHON = (126.9368, 37.5551)  # 서대문구 (11410)
