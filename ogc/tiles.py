"""Mapbox Vector Tiles of the large layers (OGC API - Tiles, WebMercatorQuad): the rows of
each tile as an ORM query (the layer's own model and filters), made a tile by PostGIS
(`ST_AsMVTGeom` per row, `ST_AsMVT` over them: ogc.db).

- nodes and segments: every mapped node / route leg in the tile;
- positions of a window (a day by default, at most a week): below zoom `POINTS_FROM` a
  density grid (64 x 64 cells a tile: positions and distinct vessels per cell, the busiest
  lanes and anchorages at a glance), from it the positions themselves (at most
  `MAX_POINTS` a tile, the latest first);
- tracks: each vessel's line through its positions of the window in the tile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import Polygon
from django.db.models import Count, F, Max, QuerySet

from ais.models import VesselPosition
from core.functions import AsMVTGeom, Cell, EpochSeconds, MakeLine, SnapToGrid
from corridors.models import Route, RouteSegment
from geo.models import Node
from geo.services.nodes import nodes

MAX_ZOOM = 18
POINTS_FROM = 11
MAX_POINTS = 50_000
GRID = 64  # density cells a tile side
WORLD_M = 40_075_016.685578488  # the Web Mercator world's width, metres
TILED = ("nodes", "segments", "positions", "tracks")
TABLES = {  # what the cached tiles depend on (core.layercache)
    "nodes": (Node._meta.db_table,),
    "segments": (RouteSegment._meta.db_table, Route._meta.db_table),
}


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, with a margin of the MVT buffer."""
        n = 2**self.z
        margin = 64 / 4096

        def lon(x: float) -> float:
            return x / n * 360.0 - 180.0

        def lat(y: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))

        west, east = lon(self.x - margin), lon(self.x + 1 + margin)
        north, south = lat(max(self.y - margin, 0)), lat(min(self.y + 1 + margin, n))
        return max(west, -180.0), south, min(east, 180.0), north

    def box(self) -> Polygon:
        box = Polygon.from_bbox(self.bounds())
        box.srid = 4326
        return box


def rows(
    collection: str, tile: Tile, start: datetime | None = None, end: datetime | None = None
) -> QuerySet:
    """The rows of `collection` in `tile`, their geometry in `mvt_geom` (tile coordinates)."""
    box = tile.box()
    z, x, y = tile.z, tile.x, tile.y
    if collection == "nodes":
        return (
            nodes(mapped=True)
            .filter(geom__bboverlaps=box)
            .values("code", "name_en", "name_zh", "kind", mvt_geom=AsMVTGeom("geom", z, x, y))
        )
    if collection == "segments":
        return (
            RouteSegment.objects.filter(geom__bboverlaps=box)
            .values("seq", "mode", route_code=F("route__code"))
            .annotate(mvt_geom=AsMVTGeom("geom", z, x, y))
        )
    positions = VesselPosition.objects.between(start, end).filter(geom__bboverlaps=box)
    if collection == "tracks":
        return (
            positions.values("mmsi")
            .annotate(positions=Count("ts"), last=EpochSeconds(Max("ts")))
            .annotate(mvt_geom=AsMVTGeom(MakeLine("geom", order_by="ts"), z, x, y))
        )
    if z < POINTS_FROM:
        size = WORLD_M / 2**z / GRID
        return (
            positions.annotate(cell=SnapToGrid("geom", size))
            .values("cell")
            .annotate(positions=Count("ts"), vessels=Count("mmsi", distinct=True))
            .annotate(mvt_geom=AsMVTGeom(Cell("cell", size), z, x, y, buffer=0))
            .values("positions", "vessels", "mvt_geom")
        )
    return positions.order_by("-ts").values(
        "mmsi", "sog_kn", "cog_deg", time=EpochSeconds("ts"), mvt_geom=AsMVTGeom("geom", z, x, y)
    )[:MAX_POINTS]
