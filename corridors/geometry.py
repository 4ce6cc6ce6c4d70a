"""Line geometry for route segments (pure shapely, lon/lat WGS84).

- rail and road legs: *schematic* polylines from node to node through named via points;
- river legs: the river centreline of the bundled basemap between the two nodes' nearest
  points on it (joined to the nodes by short connectors);
- sea legs: navigable water only, from `geo.searouting` (cached in `sea_lanes.geojson`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, substring

from geo.searouting import haversine_m, line_length_m

Coord = tuple[float, float]
MAX_RIVER_OFFSET_M = 40_000.0


@dataclass(frozen=True)
class SegmentLine:
    coords: tuple[Coord, ...]
    length_m: float
    schematic: bool


def schematic_line(points: Iterable[Coord]) -> SegmentLine:
    coords = tuple(points)
    return SegmentLine(coords=coords, length_m=line_length_m(list(coords)), schematic=True)


def merge_river(lines: Iterable[BaseGeometry]) -> BaseGeometry:
    """One (multi)line from the pieces of a river."""
    parts: list[LineString] = []
    for line in lines:
        parts.extend(line.geoms if isinstance(line, MultiLineString) else [line])
    return linemerge(parts)


def river_line(river: BaseGeometry, start: Coord, end: Coord) -> SegmentLine | None:
    """The stretch of `river` between the points nearest to `start` and `end`, or None when
    either node lies more than MAX_RIVER_OFFSET_M from it or they are on separate pieces."""
    pieces = list(river.geoms) if isinstance(river, MultiLineString) else [river]
    a, b = Point(start), Point(end)
    best = min(pieces, key=lambda p: p.distance(a) + p.distance(b))
    pa, pb = best.interpolate(best.project(a)), best.interpolate(best.project(b))
    if max(haversine_m(*start, pa.x, pa.y), haversine_m(*end, pb.x, pb.y)) > MAX_RIVER_OFFSET_M:
        return None
    da, db = best.project(a), best.project(b)
    stretch = substring(best, min(da, db), max(da, db))
    inner = list(stretch.coords) if stretch.geom_type == "LineString" else []
    if da > db:
        inner.reverse()
    coords = [start, *[(round(x, 5), round(y, 5)) for x, y in inner], end]
    # Drop repeats (a node lying on the river line itself).
    deduped = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
    if len(deduped) < 2:
        return None
    return SegmentLine(coords=tuple(deduped), length_m=line_length_m(deduped), schematic=False)


def sea_line(coords: Iterable[Coord]) -> SegmentLine:
    pts = tuple(coords)
    return SegmentLine(coords=pts, length_m=line_length_m(list(pts)), schematic=False)


def union_lines(lines: Iterable[BaseGeometry]) -> BaseGeometry:
    return shapely.union_all(list(lines))
