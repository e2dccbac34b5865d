"""Camera footprints: sector orientation, full circles, defaults and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from gis.footprints import FootprintDefaults, camera_footprints, camera_params

from .conftest import cameras


def test_sector_points_along_heading_clockwise_from_north() -> None:
    fp = camera_footprints(
        cameras([{"x": 0.0, "y": 0.0, "heading_deg": 90.0, "fov_deg": 60.0, "range_m": 20.0}])
    )
    poly = fp.geometry.iloc[0]
    assert poly.is_valid and not fp["full_circle"].iloc[0]
    assert poly.contains(shapely.Point(15, 0))  # east: inside
    assert not poly.contains(shapely.Point(0, 15))  # north: outside
    assert not poly.contains(shapely.Point(-15, 0))
    # 31 fan triangles of 60/31°: A = 31 · ½ r² sin(60°/31) = 31 · 200 · 0.033774 = 209.40 m²
    assert poly.area == pytest.approx(209.40, abs=0.05)


def test_full_circle_for_ptz_360_and_nan_heading() -> None:
    fp = camera_footprints(
        cameras(
            [
                {"x": 0.0, "y": 0.0, "heading_deg": 10.0, "fov_deg": 90.0, "ptz": True},
                {"x": 0.0, "y": 0.0, "heading_deg": 10.0, "fov_deg": 360.0},
                {"x": 0.0, "y": 0.0, "heading_deg": math.nan, "fov_deg": 90.0},
                {"x": 0.0, "y": 0.0, "heading_deg": 10.0, "fov_deg": 90.0},
            ]
        ),
        FootprintDefaults(range_m=10.0),
    )
    assert fp["full_circle"].tolist() == [True, True, True, False]
    # 32-gon inscribed in r = 10: A = ½ · 32 · 100 · sin(2π/32) = 312.15 m²
    for poly in fp.geometry.iloc[:3]:
        assert poly.is_valid and poly.area == pytest.approx(312.15, abs=0.05)


def test_invalid_values_fall_back_to_defaults() -> None:
    p = camera_params(
        cameras([{"x": 1.0, "y": 2.0, "heading_deg": 370.0, "fov_deg": -5.0, "range_m": np.nan}]),
        FootprintDefaults(fov_deg=70.0, range_m=33.0),
    )
    assert p.fov[0] == 70.0 and p.range_m[0] == 33.0 and p.heading[0] == pytest.approx(10.0)


def test_missing_location_and_offline_are_inactive() -> None:
    frame = cameras(
        [{"x": 0.0, "y": 0.0, "online": False}, {"x": 5.0, "y": 5.0}, {"x": 9.0, "y": 9.0}]
    )
    frame.loc[1, "geometry"] = shapely.Point()  # empty point
    frame.loc[2, "geometry"] = shapely.LineString([(0, 0), (1, 1)])  # not a point
    fp = camera_footprints(frame)
    assert fp["active"].tolist() == [False, False, False]
    assert fp.geometry.is_empty.all()


def test_lonlat_input_is_projected_to_5186() -> None:
    import geopandas as gpd

    cams = gpd.GeoDataFrame(
        {"range_m": [30.0]}, geometry=[shapely.Point(126.978, 37.5665)], crs="EPSG:4326"
    )
    fp = camera_footprints(cams)
    assert fp.crs.to_epsg() == 5186
    x, y = fp.geometry.iloc[0].centroid.coords[0]
    assert 190_000 < x < 210_000 and 540_000 < y < 560_000
