"""A deterministic, realistic synthetic registry of Seoul's cameras (`seed_cameras`).

Per-gu counts follow the real 안심이 camera counts (or district area when the shared data is
absent); points cluster around real camera sites, subway stations and parks where that data
exists, always inside the gu polygon. The AI rollout follows the city's plan: 15,000 cameras
replaced with AI cameras, 70,000 upgraded with analytics (≈85,000 AI-enabled), 10,657 new AI
cameras planned, the first 4,784 in parks, trails and crowded areas (phase 1).
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.db import connection, transaction

from backend.cameras.importing.writer import COLUMNS, camera_rows_upsert
from backend.cameras.models import Camera, District
from backend.cameras.seoul import gu_code

logger = logging.getLogger(__name__)

CITY_TOTAL = 160_000
PLAN = {"replaced_ai": 15_000, "upgraded_ai": 70_000, "new_ai": 10_657}
PHASE1 = 4_784
SEED_SOURCE = "seed"
METRES_PER_DEG_LAT = 111_320.0
METRES_PER_DEG_LON = 88_200.0  # at 37.5° N
PURPOSES = (
    ("crime_prevention", 0.64), ("multipurpose", 0.12), ("child_protection", 0.10),
    ("traffic", 0.05), ("park", 0.04), ("littering", 0.03), ("facility", 0.02),
)  # fmt: skip


@dataclass
class Anchors:
    """Places cameras cluster around, in lon/lat: real camera sites and crowded places."""

    sites: np.ndarray  # (n, 2)
    site_gu: list[str]  # SIG_CD per site
    crowded: np.ndarray  # (m, 2) stations and parks


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def load_anchors(data_dir: Path | None = None) -> Anchors:
    """Real places from ../shared/data/seoul when present; empty arrays otherwise."""
    base = (data_dir or Path(settings.HAECHI_SHARED_DATA_DIR)) / "seoul"
    sites, site_gu, crowded = [], [], []
    ansimi = base / "cctv" / "seoul_ansimi_cctv_2023.csv"
    if ansimi.exists():
        for row in _read_csv(ansimi):
            code = gu_code(row["자치구"])
            try:
                point = (float(row["경도"]), float(row["위도"]))
            except ValueError:
                continue
            if code:
                for _ in range(max(1, int(float(row.get("수량") or 1)))):
                    sites.append(point)
                    site_gu.append(code)
    for name, lon, lat in (
        ("infrastructure/seoul_subway_stations.csv", "경도", "위도"),
        ("infrastructure/seoul_major_parks.csv", "경도", "위도"),
    ):
        path = base / name
        if path.exists():
            for row in _read_csv(path):
                try:
                    crowded.append((float(row[lon]), float(row[lat])))
                except (KeyError, ValueError):
                    continue
    if not sites:
        logger.warning("no real camera sites under %s: seeding uniformly inside districts", base)
    return Anchors(
        sites=np.array(sites, dtype=float).reshape(-1, 2),
        site_gu=site_gu,
        crowded=np.array(crowded, dtype=float).reshape(-1, 2),
    )


def _apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split `total` proportionally to weights with the largest-remainder method (exact sum)."""
    keys = sorted(weights)
    w = np.array([weights[k] for k in keys], dtype=float)
    raw = total * w / w.sum()
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts))[: total - counts.sum()]:
        counts[i] += 1
    return dict(zip(keys, counts.tolist(), strict=True))


def _points_in(
    polygon: shapely.Geometry,
    n: int,
    rng: np.random.Generator,
    centres: np.ndarray,
    sigma_m: float,
    clustered_share: float,
) -> np.ndarray:
    """n lon/lat points inside polygon: a share jittered around centres, the rest uniform."""
    minx, miny, maxx, maxy = polygon.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        need = (n - len(out)) * 2 + 16
        if len(centres):
            n_cluster = int(need * clustered_share)
            picks = centres[rng.integers(0, len(centres), n_cluster)]
            jitter = rng.normal(0.0, sigma_m, (n_cluster, 2))
            clustered = picks + jitter / [METRES_PER_DEG_LON, METRES_PER_DEG_LAT]
        else:
            n_cluster, clustered = 0, np.empty((0, 2))
        uniform = np.column_stack(
            [rng.uniform(minx, maxx, need - n_cluster), rng.uniform(miny, maxy, need - n_cluster)]
        )
        candidates = np.vstack([clustered, uniform])
        rng.shuffle(candidates)
        inside = candidates[shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])]
        out = np.vstack([out, inside])
    return out[:n]


def _kinds(count: int, rng: np.random.Generator) -> np.ndarray:
    """The city's rollout split scaled to `count` cameras, shuffled."""
    scaled = {k: round(v * count / CITY_TOTAL) for k, v in PLAN.items()}
    legacy = count - sum(scaled.values())
    kinds = np.array(
        ["legacy"] * legacy + [k for k, v in scaled.items() for _ in range(v)], dtype=object
    )
    rng.shuffle(kinds)
    return kinds


def _near_crowded(points: np.ndarray, crowded: np.ndarray, radius_m: float) -> np.ndarray:
    if not len(crowded):
        return np.zeros(len(points), dtype=bool)
    from scipy.spatial import cKDTree

    scale = np.array([METRES_PER_DEG_LON, METRES_PER_DEG_LAT])
    tree = cKDTree(crowded * scale)
    distance, _ = tree.query(points * scale, k=1)
    return distance <= radius_m


def seed_rows(
    *, count: int, seed: int, districts: list[District], anchors: Anchors
) -> list[tuple[object, ...]]:
    """Build `count` camera rows (COLUMNS order) deterministically from `seed`."""
    rng = np.random.default_rng(seed)
    by_code = {d.code: d for d in districts}
    if anchors.site_gu:
        real = Counter(anchors.site_gu)
        weights = {c: float(real[c]) or 1.0 for c in by_code}
    else:
        weights = {c: d.area_km2 for c, d in by_code.items()}
    per_gu = _apportion(count, weights)
    site_gu = np.array(anchors.site_gu, dtype=object)
    points, gu_of = [], []
    for code in sorted(per_gu):
        district = by_code[code]
        polygon = shapely.from_wkb(bytes(district.geom.wkb))
        shapely.prepare(polygon)
        own_sites = anchors.sites[site_gu == code] if len(site_gu) else np.empty((0, 2))
        centres = np.vstack([own_sites, anchors.crowded]) if len(own_sites) else anchors.crowded
        pts = _points_in(polygon, per_gu[code], rng, centres, 35.0, 0.85 if len(own_sites) else 0.4)
        points.append(pts)
        gu_of.extend([code] * len(pts))
    xy = np.vstack(points)
    kinds = _kinds(count, rng)
    ai = kinds != "legacy"
    crowded = _near_crowded(xy, anchors.crowded, 600.0)
    phase1_target = round(PHASE1 * count / CITY_TOTAL)
    installed_ai = np.flatnonzero(ai & (kinds != "new_ai"))
    preferred = installed_ai[crowded[installed_ai]]
    rest = installed_ai[~crowded[installed_ai]]
    phase1 = np.concatenate([rng.permutation(preferred), rng.permutation(rest)])[:phase1_target]
    phase = np.where(ai, 3, 0)
    phase[installed_ai[rng.random(len(installed_ai)) < 0.45]] = 2
    phase[phase1] = 1
    phase[kinds == "new_ai"] = 3
    purposes, weights_p = zip(*PURPOSES, strict=True)
    purpose = rng.choice(purposes, size=count, p=np.array(weights_p) / sum(weights_p))
    purpose[crowded & (rng.random(count) < 0.3)] = "park"
    ptz = rng.random(count) < 0.12
    infrared = np.where(ai, rng.random(count) < 0.9, rng.random(count) < 0.55)
    heading = rng.uniform(0, 360, count).round(1)
    fov = np.where(ptz, 360.0, rng.uniform(60, 110, count).round(0))
    range_m = np.where(ai, rng.uniform(30, 50, count), rng.uniform(20, 40, count)).round(0)
    height = rng.uniform(3.0, 6.0, count).round(1)
    status_draw = rng.random(count)
    status = np.select(
        [status_draw < 0.03, status_draw < 0.05, status_draw < 0.07],
        ["offline", "degraded", "maintenance"],
        "online",
    ).astype(object)
    status[kinds == "new_ai"] = "planned"
    stage_draw = rng.random(count)
    stage = np.select(
        [phase == 1, stage_draw < 0.55, stage_draw < 0.75], ["live", "live", "installing"],
        "scheduled",
    ).astype(object)  # fmt: skip
    stage[~ai] = "none"
    stage[kinds == "new_ai"] = "planned"
    day0 = date(2010, 1, 1)
    installed_days = rng.integers(0, 365 * 15, count)
    gu_seq: dict[str, int] = {}
    rows: list[tuple[object, ...]] = []
    district_ids = {c: d.id for c, d in by_code.items()}
    for i in range(count):
        code = gu_of[i]
        gu_seq[code] = gu_seq.get(code, 0) + 1
        planned = kinds[i] == "new_ai"
        rows.append(
            (
                f"SEED-{code}-{gu_seq[code]:06d}",
                f"SRID=4326;POINT({xy[i, 0]:.7f} {xy[i, 1]:.7f})",
                district_ids[code], "", str(purpose[i]), str(kinds[i]), bool(ai[i]),
                bool(infrared[i]), bool(ptz[i]), float(heading[i]), float(fov[i]),
                float(range_m[i]), float(height[i]), "", str(status[i]),
                None if planned else day0 + timedelta(days=int(installed_days[i])),
                str(stage[i]), int(phase[i]) or None, SEED_SOURCE,
            )
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class SeedResult:
    created: int
    updated: int
    removed: int


def cameras_seed(
    *, count: int, seed: int, progress: Callable[[str], None] | None = None
) -> SeedResult:
    """Create or refresh the seeded registry; same (count, seed) always gives the same cameras."""
    if count < 0:
        raise ValueError("count must be ≥ 0")
    districts = list(District.objects.all())
    if not districts:
        raise ValueError("no districts loaded: run `manage.py import_districts` first")
    say = progress or (lambda message: None)
    say("loading anchors (real camera sites, stations, parks)")
    anchors = load_anchors()
    say(f"generating {count:,} cameras in {len(districts)} districts (seed {seed})")
    rows = seed_rows(count=count, seed=seed, districts=districts, anchors=anchors)
    say("writing (COPY + upsert)")
    codes = [r[0] for r in rows]
    with transaction.atomic():
        result = camera_rows_upsert(rows=rows, update_columns=COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"delete from {Camera._meta.db_table} where source = %s and not (code = any(%s))",
                [SEED_SOURCE, codes],
            )
            removed = cursor.rowcount
    return SeedResult(created=result.created, updated=result.updated, removed=removed)
