"""Building occlusion: cameras see neither into nor behind building footprints."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from gis.coverage import CoverageModel
from gis.footprints import camera_params
from gis.grids import Grid
from gis.occlusion import blocker_mask

from .conftest import ORIGIN, cameras, random_cameras

GRID = Grid(-100.0, -100.0, 1.0, 200, 200)


def _covered_m2(model: CoverageModel) -> float:
    return float((model.raster.day > 0).sum()) * GRID.cell_area


def test_a_wall_hides_what_lies_behind_it() -> None:
    # Reference: a PTZ camera at the origin sees a circle of r = 30 m (π·30² = 2,827.4 m²; the
    # 32-gon footprint is 0.6 % smaller). A 2 m thick wall at x = 10 … 12 hides the circular
    # segment beyond x = 10: r²·acos(d/r) − d·√(r² − d²) with d = 10 → 1,107.9 − 282.8 = 825.0 m²,
    # so the camera sees 2,827.4 − 825.0 = 2,002.4 m² (−0.6 % for the polygon: ~1,990 m²).
    params = camera_params(cameras([{"x": 0.0, "y": 0.0, "range_m": 30.0, "ptz": True}]))
    open_view = CoverageModel.build(params, GRID)
    wall = blocker_mask(GRID, [shapely.box(10, -60, 12, 60)])
    assert wall.sum() == 2 * 120
    walled = CoverageModel.build(params, GRID, blockers=wall)
    assert _covered_m2(open_view) == pytest.approx(math.pi * 900, rel=0.02)
    assert _covered_m2(walled) == pytest.approx(2002.4, rel=0.02)
    xs = GRID.centers_x()
    assert not walled.raster.day[:, xs > 10].any()  # nothing in or behind the wall
    assert (walled.raster.day[:, xs < 9] == open_view.raster.day[:, xs < 9]).all()


def test_a_small_building_casts_a_shadow_cone() -> None:
    # a 4 m square at 10 m east of the camera: cells straight behind it (east) are hidden,
    # cells beside it (north-east, off the shadow) stay visible
    params = camera_params(cameras([{"x": 0.0, "y": 0.0, "range_m": 30.0, "ptz": True}]))
    block = blocker_mask(GRID, [shapely.box(10, -2, 14, 2)])
    model = CoverageModel.build(params, GRID, blockers=block)
    day = model.raster.day
    row, col = GRID.locate(np.array([20.5, 20.5, 5.5]), np.array([0.5, 15.5, 0.5]))
    assert day[row[0], col[0]] == 0  # behind the building
    assert day[row[1], col[1]] == 1  # off to the side
    assert day[row[2], col[2]] == 1  # in front of it
    # Reference: the corners (10, ±2) bound the shadow at ±atan(0.2) = ±11.31°; hidden (building
    # included) = sector r = 30 of 2·11.31° minus the triangle in front of the face x = 10:
    # ½·30²·0.3948 − ½·10·4 = 177.7 − 20 = 157.7 m²
    hidden = 0.5 * 30**2 * 2 * math.atan(0.2) - 0.5 * 10 * 4
    lost = (CoverageModel.build(params, GRID).raster.day > 0).sum() - (day > 0).sum()
    assert lost == pytest.approx(hidden, rel=0.05)


def test_incremental_updates_agree_with_a_build_under_occlusion() -> None:
    ox, oy = ORIGIN
    grid = Grid(ox - 100.0, oy - 100.0, 1.0, 200, 200)
    boxes = [(-40, -40, -20, 10), (5, 5, 15, 60), (30, -80, 34, 0)]
    blockers = blocker_mask(
        grid, [shapely.box(ox + a, oy + b, ox + c, oy + d) for a, b, c, d in boxes]
    )
    frame = random_cameras(60, seed=3, half=80.0)
    full = CoverageModel.build(camera_params(frame), grid, blockers=blockers)
    assert not full.raster.day[blockers].any()  # nobody sees inside a building
    lost = CoverageModel.build(camera_params(frame), grid).raster.day.sum() - full.raster.day.sum()
    assert lost > 0
    empty = CoverageModel.build(camera_params(frame.iloc[:0]), grid, blockers=blockers)
    for cid, row in frame.iterrows():
        empty.upsert_camera(
            cid,
            x=row.geometry.x,
            y=row.geometry.y,
            heading_deg=row["heading_deg"],
            fov_deg=row["fov_deg"],
            range_m=row["range_m"],
            ptz=bool(row["ptz"]),
            infrared=bool(row["infrared"]),
        )
    assert (empty.raster.day == full.raster.day).all()
    assert (empty.raster.night == full.raster.night).all()
    for cid in frame.index:
        full.remove_camera(cid)
    assert not full.raster.day.any() and not full.raster.night.any()
