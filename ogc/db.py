"""The OGC app's database module: a query's rows made one Mapbox Vector Tile layer."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet


def mvt(rows: QuerySet, layer: str) -> bytes:
    """`ST_AsMVT` over the rows of `rows` (their geometry in `mvt_geom`, every other column
    a feature property): the tile's bytes (empty when no row falls in it)."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ST_AsMVT(mvt_rows, %s, 4096, 'mvt_geom') FROM ({sql}) AS mvt_rows",
            [layer, *params],
        )
        found = cursor.fetchone()
    return bytes(found[0]) if found and found[0] else b""
