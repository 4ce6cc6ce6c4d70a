"""Routes and their segments from the seed tables: geometry per mode (sea legs from the
cached lanes, river legs along the Yangtze, schematic rail and road), membership."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import LineString as GEOSLineString
from django.contrib.gis.geos import MultiLineString
from django.db.models import Prefetch, QuerySet

from core.imports import ImportCounts, apply_changes, upsert_by_key
from core.ingest.errors import LayerError
from core.ingest.geojson import read_features
from core.models import Origin
from geo.models import Node

from ..geometry import SegmentLine, merge_river, river_line, schematic_line, sea_line
from ..ingest.routes import RouteRow, SegmentRow
from ..models import Route, RouteMember, RouteSegment
from .sealanes import Coord, cached_sea_lanes, route_sea_leg

log = logging.getLogger(__name__)
# The Yangtze's names in the basemap's rivers (Natural Earth names its upper reach Chang Jiang).
YANGTZE = {"Yangtze", "Chang Jiang"}


def segment_geometry(
    seg: SegmentRow,
    coords: dict[str, Coord],
    data_dir: Path,
    sea_lanes: dict[tuple[str, str], tuple[Coord, ...]],
    river: Any,
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
    reset: bool = False,
) -> tuple[ImportCounts, ImportCounts]:
    """Create or update routes (by code) and segments (by route and sequence); rows a user
    edited are kept unless `reset`. A route's geometry is the MultiLineString of its
    segments; its members are the segment ends and the attached nodes."""
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
        if YANGTZE & {f.properties.get("name_en"), f.properties.get("name")}
    ]
    river = merge_river(rivers) if rivers else None
    sea_lanes = cached_sea_lanes(data_dir)

    route_counts, seg_counts = ImportCounts(), ImportCounts()
    existing: dict[Any, Route] = {r.code: r for r in Route.objects.all()}
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
            "origin": Origin.SEED,
        }
        route_objs[r.code] = upsert_by_key(
            Route, existing, r.code, {"code": r.code}, values, route_counts, reset=reset
        )

    current: dict[Any, RouteSegment] = {(s.route_id, s.seq): s for s in RouteSegment.objects.all()}
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
            "origin": Origin.SEED,
        }
        obj = upsert_by_key(
            RouteSegment,
            current,
            (route.pk, seg.seq),
            {"route": route, "seq": seg.seq},
            values,
            seg_counts,
            reset=reset,
        )
        keep.add(obj.pk)
    # Segments the seed no longer has go, unless a user made or edited them.
    stale = RouteSegment.objects.filter(route__in=route_objs.values(), origin=Origin.SEED)
    seg_counts.removed = stale.exclude(pk__in=keep).delete()[0]
    for route in route_objs.values():
        lines = [s.geom for s in route.segments.order_by("seq")]
        geom = MultiLineString(lines, srid=4326) if lines else None
        if apply_changes(route, {"geom": geom}):
            route.save(update_fields=["geom"])

    for r in routes:
        route = route_objs[r.code]
        if route.origin == Origin.USER:
            continue  # its members were edited with it
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


# -- reads: what the API, the exports and the Dash gateway list and look up -----------------
def routes(code: str | None = None) -> QuerySet[Route]:
    """Routes in their order; only the route of `code` when given (none when there is no
    such route)."""
    found = Route.objects.all()
    return found.filter(code=code) if code else found


def find_route(code: object) -> Route | None:
    """The route of a code, None when there is none."""
    return Route.objects.filter(code=code).first() if isinstance(code, str) else None


def routes_with_segments() -> QuerySet[Route]:
    """Routes with their ordered segments and members fetched alongside (the route layer)."""
    return routes().prefetch_related(
        Prefetch(
            "segments", RouteSegment.objects.select_related("from_node", "to_node").order_by("seq")
        ),
        Prefetch("memberships", RouteMember.objects.select_related("node")),
    )
