"""Where model files live: ``$HAECHI_VAR`` (default ``<repo>/.var``) and ``../shared/data``."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def var_dir() -> Path:
    """The project's private state directory (never committed)."""
    return Path(os.environ.get("HAECHI_VAR") or REPO_ROOT / ".var")


def wheels_dir() -> Path:
    return var_dir() / "wheels"


def models_dir() -> Path:
    return var_dir() / "models"


def shared_data_dir() -> Path:
    """``../shared/data`` next to the repository, or ``$HAECHI_SHARED_DATA``; may not exist."""
    return Path(os.environ.get("HAECHI_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")


def footage_dir() -> Path | None:
    """The real development footage, when this machine has it."""
    path = shared_data_dir() / "footage"
    return path if path.is_dir() else None
