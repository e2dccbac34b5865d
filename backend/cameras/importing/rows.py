"""The row model every import layout produces, and the per-row error record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class CameraRow:
    """One camera to upsert. `fields` names the attributes this source actually provides."""

    row: int  # 1-based line/feature number in the source file (header = line 1 for CSV)
    code: str
    lon: float
    lat: float
    district_hint: str = ""
    address: str = ""
    purpose: str = "crime_prevention"
    kind: str = "legacy"
    has_ai: bool = False
    has_infrared: bool = False
    has_ptz: bool = False
    heading_deg: float | None = None
    fov_deg: float = 90.0
    range_m: float = 30.0
    mount_height_m: float = 4.0
    stream_url: str = ""
    status: str = "online"
    installed_on: date | None = None
    rollout_stage: str = "none"
    fields: frozenset[str] = field(default_factory=frozenset)
    derived_code: bool = False  # code computed from the row's content (source has no ids)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "reason": self.reason}
