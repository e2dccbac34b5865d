"""Greedy MCLP: hand-derived picks on a toy layout, equality with plain greedy, demand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis.crs import METRIC
from gis.grids import Grid
from gis.siting import (
    DemandWeights,
    attractor_surface,
    coverage_matrix,
    demand_surface,
    greedy_mclp,
    population_surface,
    recommend_sites,
)


def plain_greedy(cover: np.ndarray, w: np.ndarray, k: int) -> list[int]:
    """Non-lazy greedy written out directly: best marginal gain, lowest index on ties."""
    covered = np.zeros(w.size, bool)
    picks: list[int] = []
    for _ in range(k):
        gains = [(cover[j] & ~covered) @ w for j in range(cover.shape[0])]
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        picks.append(best)
        covered |= cover[best]
    return picks


def test_toy_layout_hand_derived_picks() -> None:
    # Demand A=100 at (0,0), B=50 at (100,0), C=30 at (0,100). Candidates: A, B, C and
    # M=(50,0) midway between A and B. With r = 55, M covers A and B (150) → pick 1 = M,
    # gain 150; then only C adds anything → pick 2 = C, gain 30; then nothing is left.
    demand_xy = np.array([[0, 0], [100, 0], [0, 100]], dtype=float)
    cand = np.array([[0, 0], [100, 0], [0, 100], [50, 0]], dtype=float)
    cover = coverage_matrix(cand, demand_xy, 55.0)
    picks, gains, newly = greedy_mclp(cover, [100.0, 50.0, 30.0], k=5)
    assert picks.tolist() == [3, 2] and gains.tolist() == [150.0, 30.0]
    assert newly.tolist() == [2, 1]
    # A already covered by an existing camera (weight 0): M and B tie at 50 → lowest index (B)
    picks, gains, _ = greedy_mclp(cover, [0.0, 50.0, 30.0], k=1)
    assert picks.tolist() == [1] and gains.tolist() == [50.0]


def test_lazy_greedy_equals_plain_greedy_on_random_grid() -> None:
    rng = np.random.default_rng(4)
    g = np.stack(np.meshgrid(np.arange(12) * 10.0, np.arange(12) * 10.0), -1).reshape(-1, 2)
    w = rng.integers(0, 5, len(g)).astype(float)
    cover = coverage_matrix(g, g, 15.0)
    picks, gains, _ = greedy_mclp(cover, w, k=10)
    dense = cover.toarray().astype(bool)
    assert picks.tolist() == plain_greedy(dense, w, 10)
    assert gains.sum() <= w.sum() and np.all(np.diff(gains) <= 1e-9)


def test_recommend_sites_on_grid_prefers_uncovered_risk() -> None:
    grid = Grid(0.0, 0.0, 10.0, 20, 20)
    mask = np.ones(grid.shape, bool)
    risk = np.zeros(grid.shape)
    risk[15, 15] = 10.0  # a risky, uncovered cell
    risk[3, 3] = 10.0  # equally risky but already covered
    share = np.ones(grid.shape)
    share[0:7, 0:7] = 0.0
    demand = demand_surface(mask, share, risk=risk, weights=DemandWeights(1.0, 0.0, 0.0))
    res = recommend_sites(grid, demand, 3, radius_m=15.0, uncovered_share=share)
    assert len(res.sites) == 1  # only one cell carries demand
    site = res.sites.geometry.iloc[0]
    assert site.distance(shapely.Point(155, 155)) <= 15.0
    assert res.sites["gain_pct"].iloc[0] == pytest.approx(100.0)
    assert res.sites["gain_m2"].iloc[0] > 0 and res.sites.crs.to_epsg() == 5186
    assert "greedy maximal covering" in res.method


def test_plain_area_demand_and_k_zero() -> None:
    grid = Grid(0.0, 0.0, 10.0, 10, 10)
    mask = np.ones(grid.shape, bool)
    demand = demand_surface(mask, np.ones(grid.shape))
    assert demand.sum() == 100.0
    res = recommend_sites(grid, demand, 4, radius_m=20.0)
    assert res.sites["gain"].is_monotonic_decreasing and len(res.sites) == 4
    assert res.sites["gain_m2"].sum() == pytest.approx(res.sites["gain"].sum() * 100.0)
    assert len(recommend_sites(grid, demand, 0).sites) == 0
    with pytest.raises(ValueError):
        recommend_sites(grid, demand, -1)


def test_population_and_attractor_surfaces() -> None:
    grid = Grid(0.0, 0.0, 10.0, 20, 10)
    dongs = gpd.GeoDataFrame(
        {"population": [1000.0, 500.0]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=METRIC,
    )
    pop = population_surface(grid, dongs)
    assert pop[:, :10].sum() == pytest.approx(1000.0) and pop[:, 10:].sum() == pytest.approx(500.0)
    assert pop[0, 0] == pytest.approx(10.0)
    fl = attractor_surface(grid, [55.0], [55.0], sigma_m=10.0)
    assert fl.sum() == pytest.approx(1.0, rel=1e-3) and fl.argmax() == 5 * 20 + 5
