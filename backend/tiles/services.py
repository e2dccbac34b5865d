"""Writing tile state: explicit invalidation (the triggers already cover table changes)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction


@transaction.atomic
def tiles_invalidate(*, layers: Iterable[str]) -> None:
    """Bump the version of layers, so their cached tiles are no longer served."""
    names = sorted(set(layers))
    if not names:
        return
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO tiles_layerversion AS v (layer, version) "
            "SELECT unnest(%s::text[]), (extract(epoch FROM clock_timestamp()) * 1000000)::bigint "
            "ON CONFLICT (layer) DO UPDATE SET version = greatest(v.version + 1, excluded.version)",
            [names],
        )
