"""Hotspots: Gi* against an explicit double loop, KDE mass, classes, H3, uncovered hotspots."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from scipy.stats import norm

from gis.grids import Grid
from gis.hotspots import (
    bin_points,
    classify,
    disc_kernel,
    gi_star_raster,
    gi_star_sparse,
    hotspots,
    kde_surface,
    uncovered_hotspots,
)


def gi_star_loop(
    values: np.ndarray, mask: np.ndarray, band: float
) -> tuple[np.ndarray, np.ndarray]:
    """Textbook Gi* (Ord & Getis 1995), one cell at a time, binary weights within ``band``
    cells (self included), x̄ and S over the masked cells only. Written independently."""
    cells = [(r, c) for r in range(values.shape[0]) for c in range(values.shape[1]) if mask[r, c]]
    x = np.array([values[r, c] for r, c in cells], dtype=float)
    n = len(cells)
    xbar = x.sum() / n
    s = math.sqrt((x**2).sum() / n - xbar**2)
    z = np.full(values.shape, np.nan)
    for r, c in cells:
        w = np.array([1.0 if math.hypot(r - q, c - k) <= band else 0.0 for q, k in cells])
        wi = w.sum()
        num = (w * x).sum() - xbar * wi
        den = s * math.sqrt((n * (w**2).sum() - wi**2) / (n - 1))
        z[r, c] = num / den
    p = 2 * norm.sf(np.abs(z))
    return z, p


def small_case() -> tuple[np.ndarray, np.ndarray]:
    values = np.array(
        [
            [0, 1, 0, 2, 0, 0],
            [1, 9, 8, 1, 0, 0],
            [0, 7, 9, 0, 0, 1],
            [0, 1, 0, 0, 3, 0],
            [2, 0, 0, 0, 0, 0],
        ],
        dtype=float,
    )
    mask = np.ones_like(values, dtype=bool)
    mask[4, 5] = mask[0, 0] = False  # outside the study area: not observations, not neighbours
    return values, mask


@pytest.mark.parametrize("band", [1.0, 1.5, 2.0])
def test_gi_star_matches_explicit_loop(band: float) -> None:
    values, mask = small_case()
    z, p = gi_star_raster(values, mask, disc_kernel(band))
    z_ref, p_ref = gi_star_loop(values, mask, band)
    assert np.allclose(z[mask], z_ref[mask]) and np.isnan(z[~mask]).all()
    assert np.allclose(p[mask], p_ref[mask])
    assert z[1, 1] > 2.5  # the 9-8-7-9 block is a hotspot


def test_gi_star_sparse_equals_raster() -> None:
    values, mask = small_case()
    z, _ = gi_star_raster(values, mask, disc_kernel(1.5))
    cells = np.argwhere(mask)
    d = np.hypot(*(cells[:, None, :] - cells[None, :, :]).transpose(2, 0, 1))
    zs, _ = gi_star_sparse(values[mask], sp.csr_array((d <= 1.5).astype(float)))
    assert np.allclose(zs, z[mask])


def test_gi_star_agrees_with_esda() -> None:
    import esda
    from libpysal.weights import W

    values, mask = small_case()
    cells = [tuple(c) for c in np.argwhere(mask)]
    neighbours = {
        i: [j for j, b in enumerate(cells) if j != i and math.dist(a, b) <= 1.5]
        for i, a in enumerate(cells)
    }
    w = W(neighbours, silence_warnings=True)
    g = esda.G_Local(values[mask], w, transform="B", star=True, permutations=0)
    z, _ = gi_star_raster(values, mask, disc_kernel(1.5))
    assert np.allclose(g.Zs, z[mask])


def test_constant_field_has_no_hotspot() -> None:
    values = np.full((4, 4), 3.0)
    z, p = gi_star_raster(values, np.ones((4, 4), bool), disc_kernel(1.5))
    assert np.all(z == 0.0) and np.all(p == 1.0)


def test_classify_by_p_and_sign() -> None:
    z = np.array([3.0, 2.0, 1.7, 0.5, -2.0, np.nan])
    p = 2 * norm.sf(np.abs(z))
    assert classify(z, p).tolist() == ["hot_99", "hot_95", "hot_90", "ns", "cold_95", "ns"]


def test_kde_conserves_mass_away_from_edges() -> None:
    g = Grid(0.0, 0.0, 100.0, 60, 60)
    counts = bin_points(g, [3000.0, 3050.0, 2990.0], [3000.0, 2950.0, 3010.0])
    kde = kde_surface(counts, g, bandwidth_m=300.0)
    assert kde.sum() * g.cell_area / 1e6 == pytest.approx(3.0, rel=1e-6)
    # one incident each in cells (30, 30), (29, 30), (30, 29): the peak is the cell next to both
    assert np.unravel_index(kde.argmax(), kde.shape) == (30, 30)


def test_hotspots_square_finds_planted_cluster_and_drops_outside() -> None:
    rng = np.random.default_rng(0)
    area = np.array([shapely.box(0, 0, 5000, 5000)], dtype=object)
    x = np.concatenate([rng.uniform(0, 5000, 2000), rng.normal(1200, 80, 800), [9000.0]])
    y = np.concatenate([rng.uniform(0, 5000, 2000), rng.normal(3700, 80, 800), [9000.0]])
    res = hotspots(x, y, area, cell_m=250.0, bandwidth_m=300.0)
    assert res.dropped == 1 and len(res.cells) == 400
    assert "Getis-Ord Gi*" in res.method and "KDE" in res.method
    top = res.cells.sort_values("gi_z").iloc[-1].geometry
    assert top.distance(shapely.Point(1200, 3700)) < 300
    assert res.cells["count"].sum() == 2800
    assert res.cells.crs.to_epsg() == 5186


def test_hotspots_h3_finds_planted_cluster() -> None:
    rng = np.random.default_rng(1)
    x0, y0 = 195_000.0, 545_000.0  # Seoul, EPSG:5186
    area = np.array([shapely.box(x0, y0, x0 + 6000, y0 + 6000)], dtype=object)
    x = np.concatenate([rng.uniform(x0, x0 + 6000, 3000), rng.normal(x0 + 2000, 100, 600)])
    y = np.concatenate([rng.uniform(y0, y0 + 6000, 3000), rng.normal(y0 + 4000, 100, 600)])
    res = hotspots(x, y, area, grid_kind="h3", h3_resolution=8)
    assert "H3 resolution 8" in res.method
    top = res.cells.sort_values("gi_z").iloc[-1]
    assert top["hotspot"] == "hot_99"
    assert top.geometry.distance(shapely.Point(x0 + 2000, y0 + 4000)) < 600
    assert res.cells["count"].sum() + res.dropped == 3600


def test_uncovered_hotspots_filters_by_coverage() -> None:
    rng = np.random.default_rng(2)
    area = np.array([shapely.box(0, 0, 2500, 2500)], dtype=object)
    x = np.concatenate(
        [rng.uniform(0, 2500, 500), rng.normal(600, 50, 300), rng.normal(1900, 50, 300)]
    )
    y = np.concatenate(
        [rng.uniform(0, 2500, 500), rng.normal(600, 50, 300), rng.normal(1900, 50, 300)]
    )
    res = hotspots(x, y, area, cell_m=250.0)
    cx = res.cells.geometry.centroid.x.to_numpy()
    covered = np.where(cx < 1250, 0.9, 0.1)  # west half well covered, east half not
    out = uncovered_hotspots(res, covered, max_coverage=0.3)
    assert len(out) > 0 and (out["covered_fraction"] <= 0.3).all()
    assert out.geometry.centroid.x.min() > 1250  # only the eastern cluster is "uncovered"
    assert out["gi_z"].is_monotonic_decreasing
    with pytest.raises(ValueError):
        uncovered_hotspots(res, covered[:-1])
