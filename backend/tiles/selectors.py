"""Reading tiles: validate the address, resolve the user's scope, cache, render with PostGIS."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from backend.accounts.selectors import user_district_ids
from backend.common.exceptions import ApplicationError
from backend.tiles.cache import cache_get, cache_set
from backend.tiles.layers import MAX_ZOOM, TileLayer, layer_get, layer_list

_NOW_US = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"


@dataclass(frozen=True)
class Tile:
    layer: TileLayer
    data: bytes
    version: int
    scope: str
    cached: bool

    @property
    def etag(self) -> str:
        digest = hashlib.blake2b(self.data, digest_size=8).hexdigest()
        return f'"{self.layer.name}-{self.version}-{digest}"'


def tile_address_parse(*, layer: str, z: str, x: str, y: str) -> tuple[TileLayer, int, int, int]:
    """Validate a tile address: known layer, 0 ≤ z ≤ 22, 0 ≤ x, y < 2^z (else ApplicationError)."""
    found = layer_get(layer)
    if found is None:
        known = ", ".join(la.name for la in layer_list())
        raise ApplicationError(f"unknown tile layer {layer!r}; known: {known}", code="bad_layer")
    try:
        zi, xi, yi = int(z), int(x), int(y)
    except ValueError as err:
        raise ApplicationError("z, x and y must be integers", code="bad_tile") from err
    if not 0 <= zi <= MAX_ZOOM:
        raise ApplicationError(f"z must be between 0 and {MAX_ZOOM}", code="bad_tile")
    if not (found.minzoom <= zi <= found.maxzoom):
        raise ApplicationError(
            f"layer {found.name} has zooms {found.minzoom}–{found.maxzoom}", code="bad_tile"
        )
    n = 1 << zi
    if not (0 <= xi < n and 0 <= yi < n):
        raise ApplicationError(f"x and y must be in [0, {n - 1}] at z={zi}", code="bad_tile")
    return found, zi, xi, yi


def layer_version(*, layer: str) -> int:
    """Current version of a layer (created on first use; bumped by the database triggers)."""
    with connection.cursor() as cur:
        cur.execute("SELECT version FROM tiles_layerversion WHERE layer = %s", [layer])
        row = cur.fetchone()
        if row is not None:
            return int(row[0])
        cur.execute(
            f"INSERT INTO tiles_layerversion (layer, version) VALUES (%s, {_NOW_US}) "
            "ON CONFLICT (layer) DO UPDATE SET version = tiles_layerversion.version "
            "RETURNING version",
            [layer],
        )
        return int(cur.fetchone()[0])


def _scope(layer: TileLayer, user: Any) -> tuple[str, list[int] | None]:
    if not layer.scoped:
        return "all", None
    allowed = user_district_ids(user=user)
    if allowed is None:
        return "all", None
    ids = sorted(allowed)
    return "d" + hashlib.blake2b(repr(ids).encode(), digest_size=8).hexdigest(), ids


def tile_render(*, layer: TileLayer, z: int, x: int, y: int, districts: list[int] | None) -> bytes:
    """Render one tile with PostGIS (no cache)."""
    params = {
        "z": z,
        "x": x,
        "y": y,
        "scoped": districts is not None,
        "districts": districts or [],
    }
    with transaction.atomic(), connection.cursor() as cur:
        # one tile is a small query: parallel workers cost more than they save (2-core hosts)
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cur.execute(layer.sql(z), params)
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def tile_get(*, user: Any, layer: str, z: str, x: str, y: str) -> Tile:
    """The tile for a user: cached per layer version, zxy and district scope."""
    found, zi, xi, yi = tile_address_parse(layer=layer, z=z, x=x, y=y)
    scope, districts = _scope(found, user)
    version = layer_version(layer=found.name)
    key = f"{found.name}:{version}:{scope}:{zi}/{xi}/{yi}"
    data = cache_get(key)
    if data is not None:
        return Tile(found, data, version, scope, cached=True)
    data = tile_render(layer=found, z=zi, x=xi, y=yi, districts=districts)
    cache_set(key, data)
    return Tile(found, data, version, scope, cached=False)
