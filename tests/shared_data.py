"""Locate ../shared/data and skip tests cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get(
        "HAECHI_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


def shared_path(relative: str) -> Path:
    """Return the path under ../shared/data, or skip the calling test if it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data not available: {path} (set HAECHI_SHARED_DATA)")
    return path
