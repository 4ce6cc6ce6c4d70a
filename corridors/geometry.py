"""Line geometry for route segments (pure shapely, lon/lat WGS84).

- rail and road legs: *schematic* polylines from node to node through named via points;
- river legs: the river centreline of the bundled basemap between the two nodes' nearest
  points on it (joined to the nodes by short connectors);
- sea legs: navigable water only, from `geo.searouting` (cached in `sea_lanes.geojson`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from core.geodesy import haversine_m, line_length_m

Coord = tuple[float, float]
MAX_RIVER_OFFSET_M = 40_000.0
MAX_ESTUARY_OFFSET_M = 150_000.0


@dataclass(frozen=True)
class SegmentLine:
    coords: tuple[Coord, ...]
    length_m: float
    schematic: bool


def schematic_line(points: Iterable[Coord]) -> SegmentLine:
    coords = tuple(points)
    return SegmentLine(coords=coords, length_m=line_length_m(list(coords)), schematic=True)


def merge_river(
    lines: Iterable[BaseGeometry], snap_deg: float = 0.02, min_piece_deg: float = 0.1
) -> LineString:
    """One line from the pieces of a river, chained end to start from its source.

    Natural Earth cuts a river where a lake or a tributary joins: pieces whose ends lie
    within `snap_deg` are chained; spurs shorter than `min_piece_deg` are dropped."""
    parts: list[LineString] = []
    for line in lines:
        parts.extend(line.geoms if isinstance(line, MultiLineString) else [line])
    parts = [p for p in parts if p.length >= min_piece_deg]
    if not parts:
        raise ValueError("no river pieces")

    # The source is the piece whose start no other piece ends near.
    def has_upstream(piece: LineString) -> bool:
        return any(
            Point(o.coords[-1]).distance(Point(piece.coords[0])) <= snap_deg
            for o in parts
            if o is not piece
        )

    current = next((p for p in parts if not has_upstream(p)), parts[0])
    coords = list(current.coords)
    remaining = [p for p in parts if p is not current]
    while remaining:
        tail = Point(coords[-1])
        nxt = min(remaining, key=lambda p: Point(p.coords[0]).distance(tail))
        if Point(nxt.coords[0]).distance(tail) > snap_deg:
            break
        coords.extend(nxt.coords[1:])
        remaining.remove(nxt)
    return LineString(coords)


def river_line(river: LineString, start: Coord, end: Coord) -> SegmentLine | None:
    """The stretch of `river` between the points nearest to `start` and `end`, joined to
    the two nodes by straight connectors. None when a node lies more than
    MAX_RIVER_OFFSET_M from the river; where a node lies beyond the drawn end of the river
    (an estuary port) a connector of up to MAX_ESTUARY_OFFSET_M is allowed and the leg is
    flagged schematic."""
    a, b = Point(start), Point(end)
    da, db = river.project(a), river.project(b)
    pa, pb = river.interpolate(da), river.interpolate(db)
    schematic = False
    for node, snapped, along in ((start, pa, da), (end, pb, db)):
        offset = haversine_m(*node, snapped.x, snapped.y)
        at_end = along <= 1e-9 or along >= river.length - 1e-9
        if offset > MAX_RIVER_OFFSET_M:
            if not at_end or offset > MAX_ESTUARY_OFFSET_M:
                return None
            schematic = True
    stretch = substring(river, min(da, db), max(da, db))
    inner = list(stretch.coords) if stretch.geom_type == "LineString" else []
    if da > db:
        inner.reverse()
    coords = [start, *[(round(x, 5), round(y, 5)) for x, y in inner], end]
    # Drop repeats (a node lying on the river line itself).
    deduped = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
    if len(deduped) < 2:
        return None
    return SegmentLine(coords=tuple(deduped), length_m=line_length_m(deduped), schematic=schematic)


def sea_line(coords: Iterable[Coord]) -> SegmentLine:
    pts = tuple(coords)
    return SegmentLine(coords=pts, length_m=line_length_m(list(pts)), schematic=False)
