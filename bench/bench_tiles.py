"""Vector tiles over the seeded 160,000-camera registry (issue 6 targets: p95 ≤ 50 ms uncached,
≤ 5 ms cached for z10–z16 tiles of central Seoul; payload ≥ 10× smaller than GeoJSON).

The Django work runs in a subprocess (bench/tiles_run.py) against a fresh `<db>_bench_tiles` database.
"""

from __future__ import annotations

from bench.__main__ import result
from bench.django_run import run_django_bench


def run() -> list[dict]:
    data = run_django_bench("bench.tiles_run", suffix="_bench_tiles")
    where = f"{data['tiles']} cameras tiles z10–z16 around City Hall, full Django stack"
    return [
        result("tiles.cameras_uncached_p95_ms", data["uncached_p95_ms"], "ms",
               notes=f"{where}; target ≤ 50 ms; max per zoom {data['uncached_max_ms_per_zoom']}",
               higher_is_better=False),
        result("tiles.cameras_cached_p95_ms", data["cached_p95_ms"], "ms",
               baseline="uncached p95 (same tiles, same run)",
               baseline_value=data["uncached_p95_ms"],
               notes=f"{where}; Redis hit; target ≤ 5 ms", higher_is_better=False),
        result("tiles.payload_ratio_vs_geojson", data["geojson_bytes"] / max(data["mvt_bytes"], 1),
               "x", notes=f"{data['mvt_bytes']:,} B MVT vs {data['geojson_bytes']:,} B GeoJSON "
               f"for the same {data['features']:,} features (GeoJSON = registry records: code, "
               f"status, kind, has_ai, heading/fov/range); tile carries status + has_ai at z12–15, "
               f"every attribute from z16; target ≥ 10×; MVT bytes per zoom "
               f"{data['mvt_bytes_per_zoom']}"),
        result("tiles.payload_ratio_vs_same_properties_geojson",
               data["same_properties_geojson_bytes"] / max(data["mvt_bytes"], 1), "x",
               notes=f"{data['mvt_bytes']:,} B MVT vs {data['same_properties_geojson_bytes']:,} B "
               "GeoJSON carrying exactly the tile's properties (stricter baseline; no target)"),
    ]  # fmt: skip
