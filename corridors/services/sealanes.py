"""Sea lanes: the sea legs of the routes, routed over the water of the bundled land mask
(`geo.searouting`) and cached in `data/gis/sea_lanes.geojson`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from core.ingest.geojson import read_features
from geo.ingest.nodes import parse_nodes
from geo.searouting import SeaRouter

from ..geometry import SegmentLine, sea_line
from ..ingest.routes import parse_segments

SEA_LANES_FILE = "sea_lanes.geojson"
Coord = tuple[float, float]


@cache
def _land(data_dir: Path) -> BaseGeometry:
    land = shapely.union_all([f.geom for f in read_features(data_dir / "basemap" / "land.geojson")])
    shapely.prepare(land)
    return land


@cache
def _router(data_dir: Path) -> SeaRouter:
    return SeaRouter(_land(data_dir))


def route_sea_leg(data_dir: Path, origin: Coord, destination: Coord) -> SegmentLine:
    leg = _router(data_dir).route(origin, destination)
    return sea_line(leg.coords)


def build_sea_lanes(data_dir: Path) -> int:
    """Route every sea segment of `route_segments.csv` over water and write the lanes to
    `sea_lanes.geojson` (the loader reads them from there). Returns the lane count."""
    nodes = {r.code: (r.lon, r.lat) for r in parse_nodes(data_dir / "nodes.csv")}
    features, done = [], set()
    for seg in parse_segments(data_dir / "route_segments.csv"):
        key = (seg.from_node, seg.to_node)
        if seg.mode != "sea" or key in done:
            continue
        done.add(key)
        leg = _router(data_dir).route(nodes[seg.from_node], nodes[seg.to_node])
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "from": seg.from_node,
                    "to": seg.to_node,
                    "length_m": round(leg.length_m),
                    "approach_start_m": round(leg.approach_start_m),
                    "approach_end_m": round(leg.approach_end_m),
                },
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in leg.coords]},
            }
        )
    doc = {
        "type": "FeatureCollection",
        "name": "sea_lanes",
        "description": (
            "Sea legs routed over the water of basemap/land.geojson by geo.searouting "
            "(0.05 deg grid, A*, straightened); regenerate with `manage.py build_sea_lanes`."
        ),
        "features": features,
    }
    (data_dir / SEA_LANES_FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    return len(features)


def cached_sea_lanes(data_dir: Path) -> dict[tuple[str, str], tuple[Coord, ...]]:
    path = data_dir / SEA_LANES_FILE
    if not path.exists():
        return {}
    return {
        (f.properties["from"], f.properties["to"]): tuple(f.geom.coords)
        for f in read_features(path, {"LineString"})
    }
