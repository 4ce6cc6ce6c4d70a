"""Use cases of the corridors app: loading the corridor, sea lanes, route coverage."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import shapely
from django.contrib.gis.geos import LineString as GEOSLineString
from django.contrib.gis.geos import MultiLineString
from django.db import transaction

from geo.ingest.errors import LayerError
from geo.ingest.geojson import read_features
from geo.ingest.nodes import parse_categories, parse_node_services, parse_nodes
from geo.models import Node
from geo.searouting import SeaRouter
from geo.services import (
    ImportCounts,
    NodeCoverage,
    apply_changes,
    compute_coverage,
    import_basemap,
    import_categories,
    import_geofences,
    import_node_services,
    import_nodes,
)
from ports.ingest.published import parse_published
from ports.services import ensure_default_rules, import_published_figures

from .geometry import SegmentLine, merge_river, river_line, schematic_line, sea_line
from .ingest.routes import RouteRow, SegmentRow, parse_routes, parse_segments
from .models import Route, RouteMember, RouteSegment

log = logging.getLogger(__name__)
SEA_LANES_FILE = "sea_lanes.geojson"
Coord = tuple[float, float]


# --- sea lanes ----------------------------------------------------------------------------


@cache
def _land(data_dir: Path):
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


def _cached_sea_lanes(data_dir: Path) -> dict[tuple[str, str], tuple[Coord, ...]]:
    path = data_dir / SEA_LANES_FILE
    if not path.exists():
        return {}
    return {
        (f.properties["from"], f.properties["to"]): tuple(f.geom.coords)
        for f in read_features(path, {"LineString"})
    }


# --- loading ------------------------------------------------------------------------------


def segment_geometry(
    seg: SegmentRow, coords: dict[str, Coord], data_dir: Path, sea_lanes: dict, river
) -> SegmentLine:
    start, end = coords[seg.from_node], coords[seg.to_node]
    if seg.mode == "sea":
        cached = sea_lanes.get((seg.from_node, seg.to_node))
        if cached and cached[0] == start and cached[-1] == end:
            return sea_line(cached)
        log.warning(
            "sea lane %s->%s not cached: routing it now (run build_sea_lanes)",
            seg.from_node,
            seg.to_node,
        )
        return route_sea_leg(data_dir, start, end)
    if seg.mode == "river" and river is not None:
        line = river_line(river, start, end)
        if line is not None:
            return line
    return schematic_line([start, *[(v.lon, v.lat) for v in seg.via], end])


def import_routes(
    routes: list[RouteRow],
    segments: list[SegmentRow],
    data_dir: Path,
    file_name: str = "route_segments.csv",
) -> tuple[ImportCounts, ImportCounts]:
    nodes = {n.code: n for n in Node.objects.all()}
    coords = {code: (n.geom.x, n.geom.y) for code, n in nodes.items()}
    route_codes = {r.code for r in routes}
    for seg in segments:
        if seg.route not in route_codes:
            raise LayerError(file_name, f"unknown route '{seg.route}'", seg.row, "route")
        for fld, code in (("from", seg.from_node), ("to", seg.to_node)):
            if code not in nodes:
                raise LayerError(file_name, f"unknown node code '{code}'", seg.row, fld)
    for r in routes:
        for node, anchor in r.attached:
            for code in (node, anchor):
                if code not in nodes:
                    raise LayerError("routes.csv", f"unknown node code '{code}'", r.row, "attached")
    rivers = [
        f.geom
        for f in read_features(data_dir / "basemap" / "rivers.geojson")
        if f.properties.get("name_en") == "Yangtze"
    ]
    river = merge_river(rivers) if rivers else None
    sea_lanes = _cached_sea_lanes(data_dir)

    route_counts, seg_counts = ImportCounts(), ImportCounts()
    existing = {r.code: r for r in Route.objects.all()}
    route_objs: dict[str, Route] = {}
    for r in routes:
        values = {
            "name_en": r.name_en,
            "name_zh": r.name_zh,
            "modes": r.modes,
            "description": r.description,
            "projects": r.projects,
            "sources": r.sources,
            "notes": r.notes,
            "order": r.order,
        }
        route = existing.get(r.code)
        if route is None:
            route = Route.objects.create(code=r.code, **values)
            route_counts.created += 1
        elif apply_changes(route, values):
            route.save()
            route_counts.updated += 1
        else:
            route_counts.unchanged += 1
        route_objs[r.code] = route

    current = {(s.route_id, s.seq): s for s in RouteSegment.objects.all()}
    keep: set[int] = set()
    for seg in segments:
        route = route_objs[seg.route]
        line = segment_geometry(seg, coords, data_dir, sea_lanes, river)
        values = {
            "from_node": nodes[seg.from_node],
            "to_node": nodes[seg.to_node],
            "mode": seg.mode,
            "branch": seg.branch,
            "via": "; ".join(v.name for v in seg.via),
            "notes": seg.notes,
            "geom": GEOSLineString(list(line.coords), srid=4326),
            "length_m": round(line.length_m, 1),
            "schematic": line.schematic,
        }
        obj = current.get((route.pk, seg.seq))
        if obj is None:
            obj = RouteSegment.objects.create(route=route, seq=seg.seq, **values)
            seg_counts.created += 1
        elif apply_changes(obj, values):
            obj.save()
            seg_counts.updated += 1
        else:
            seg_counts.unchanged += 1
        keep.add(obj.pk)
    stale = RouteSegment.objects.filter(route__in=route_objs.values()).exclude(pk__in=keep)
    seg_counts.removed = stale.delete()[0]
    for route in route_objs.values():
        lines = [s.geom for s in route.segments.order_by("seq")]
        geom = MultiLineString(lines, srid=4326) if lines else None
        if apply_changes(route, {"geom": geom}):
            route.save(update_fields=["geom"])

    for r in routes:
        route = route_objs[r.code]
        members: dict[str, str | None] = {}
        for seg in (s for s in segments if s.route == r.code):
            members[seg.from_node] = None
            members[seg.to_node] = None
        for node, anchor in r.attached:
            members.setdefault(node, anchor)
        wanted = {(nodes[c].pk, nodes[a].pk if a else None) for c, a in members.items()}
        have = set(RouteMember.objects.filter(route=route).values_list("node_id", "anchor_id"))
        if wanted != have:
            RouteMember.objects.filter(route=route).delete()
            RouteMember.objects.bulk_create(
                RouteMember(route=route, node_id=n, anchor_id=a)
                for n, a in sorted(wanted, key=lambda x: (x[0], x[1] or 0))
            )
    return route_counts, seg_counts


@dataclass
class LoadSummary:
    counts: dict[str, ImportCounts] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{name}: {c}" for name, c in self.counts.items())


def load_corridor(data_dir: Path) -> LoadSummary:
    """Load the corridor seed data from `data_dir` (see data/gis/README.md), idempotently.

    Every file is parsed and checked before anything is written, and everything is written
    in one transaction: a bad file raises `LayerError` (file, row, field) and leaves the
    database as it was.
    """
    data_dir = Path(data_dir)
    node_rows = list(parse_nodes(data_dir / "nodes.csv"))
    category_rows = list(parse_categories(data_dir / "service_categories.csv"))
    service_rows = list(parse_node_services(data_dir / "node_services.csv"))
    route_rows = list(parse_routes(data_dir / "routes.csv"))
    segment_rows = list(parse_segments(data_dir / "route_segments.csv"))
    figure_rows = list(parse_published(data_dir / "throughput_published.csv"))
    known = {r.code for r in node_rows} | set(Node.objects.values_list("code", flat=True))
    for rows, file_name in (
        (service_rows, "node_services.csv"),
        (figure_rows, "throughput_published.csv"),
    ):
        for row in rows:
            if row.node not in known:
                raise LayerError(file_name, f"unknown node code '{row.node}'", row.row, "node")
    summary = LoadSummary()
    with transaction.atomic():
        summary.counts["nodes"] = import_nodes(node_rows)
        summary.counts["service categories"] = import_categories(category_rows)
        summary.counts["node services"] = import_node_services(service_rows, "node_services.csv")
        routes, segments = import_routes(route_rows, segment_rows, data_dir)
        summary.counts["routes"], summary.counts["segments"] = routes, segments
        summary.counts["published figures"] = import_published_figures(figure_rows)
        summary.counts["basemap layers"] = import_basemap(data_dir)
        summary.counts["geofences"] = import_geofences(data_dir / "geofences.geojson")
        summary.counts["detection rules"] = ImportCounts(created=ensure_default_rules())
    return summary


# --- route coverage and gaps ------------------------------------------------------------


@dataclass(frozen=True)
class CoverageGap:
    """`node` lacks `category` (applicable to it) that route neighbours `offered_by` have."""

    route: str
    node: str
    category: str
    offered_by: tuple[str, ...]


@dataclass
class RouteCoverage:
    """A route's coverage: the mean score of the nodes it serves (port groups excluded)."""

    code: str
    score: float
    nodes: dict[str, float]
    gaps: list[CoverageGap]


def route_neighbours(route: Route) -> dict[str, set[str]]:
    """Node code -> codes of its neighbours on the route: nodes sharing a segment; an
    attached node shares its anchor's neighbours and the anchor itself."""
    adj: dict[str, set[str]] = {}
    for a, b in route.segments.values_list("from_node__code", "to_node__code"):
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    attached = list(
        route.memberships.filter(anchor__isnull=False).values_list("node__code", "anchor__code")
    )
    base = {code: set(n) for code, n in adj.items()}
    for node, anchor in attached:
        adj[node] = (base.get(anchor, set()) | {anchor}) - {node}
        adj.setdefault(anchor, set()).add(node)
    return adj


def compute_route_coverage(
    routes: Iterable[Route] | None = None,
    as_of: datetime | None = None,
    node_coverage: dict[str, NodeCoverage] | None = None,
) -> list[RouteCoverage]:
    routes = list(Route.objects.all() if routes is None else routes)
    coverage = node_coverage or compute_coverage(as_of=as_of)
    result = []
    for route in routes:
        neighbours = route_neighbours(route)
        member_codes = sorted(
            route.members.exclude(kind="port_group").values_list("code", flat=True)
        )
        gaps = []
        for code in member_codes:
            node_cov = coverage[code]
            for category in node_cov.applicable:
                if node_cov.level_score(category) > 0:
                    continue
                offered_by = tuple(
                    sorted(
                        n
                        for n in neighbours.get(code, ())
                        if n in coverage and coverage[n].level_score(category) > 0
                    )
                )
                if offered_by:
                    gaps.append(CoverageGap(route.code, code, category, offered_by))
        scores = {code: coverage[code].score for code in member_codes}
        mean = sum(scores.values()) / len(scores) if scores else 0.0
        result.append(RouteCoverage(route.code, round(mean, 4), scores, gaps))
    return result
