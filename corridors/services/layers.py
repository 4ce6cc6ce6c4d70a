"""The corridor layers written by PostGIS (see core.geojson): routes (with their ordered
legs nested) and route segments, each one query whose answer is the JSON text, equal
feature by feature to the serializers' (a test compares them)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.geojson import SqlLayer, json_object, number, string, value
from geo.models import Node

from ..models import Route, RouteMember, RouteSegment

# The fields both segment forms share (corridors.api.serializers.SEGMENT_FIELDS), from
# `corridors_routesegment s` joined to its nodes `a` (from) and `b` (to).
SEGMENT_PROPERTIES = [
    ("seq", number("s.seq")),
    ("from_node", string("a.code")),
    ("to_node", string("b.code")),
    ("mode", string("s.mode")),
    ("length_m", number("s.length_m")),
    ("schematic", number("s.schematic")),
    ("branch", number("s.branch")),
    ("via", string("s.via")),
    ("notes", string("s.notes")),
]
NODE_TABLE = Node._meta.db_table
SEGMENT_NODES = (
    f"{RouteSegment._meta.db_table} s JOIN {NODE_TABLE} a ON a.id = s.from_node_id "
    f"JOIN {NODE_TABLE} b ON b.id = s.to_node_id"
)

# `/api/route-segments/`: RouteSegmentSerializer (the primary key as the Feature's id).
SEGMENTS = SqlLayer(
    source=f"{SEGMENT_NODES} JOIN corridors_route r ON r.id = s.route_id",
    key="s.id",
    geometry="s.geom",
    feature_id=number("s.id"),
    order='r."order", r.code, s.seq',
    properties=[("route", string("r.code")), *SEGMENT_PROPERTIES],
)

NESTED_SEGMENT = json_object([*SEGMENT_PROPERTIES, ("geometry", "ST_AsGeoJSON(s.geom, 9)")])

# `/api/routes/`: RouteSerializer, its legs in order with their geometries, its member
# nodes sorted as Python sorts (code points: COLLATE "C"), `length_m` over the main line.
ROUTES = SqlLayer(
    source="corridors_route r",
    key="r.id",
    geometry="r.geom",
    feature_id=string("r.code"),
    order='r."order", r.code',
    properties=[
        ("name_en", string("r.name_en")),
        ("name_zh", string("r.name_zh")),
        ("modes", string("r.modes")),
        ("description", string("r.description")),
        ("projects", string("r.projects")),
        ("sources", string("r.sources")),
        ("notes", string("r.notes")),
        (
            "length_m",
            number(
                "(SELECT coalesce(round(sum(s.length_m)::numeric, 1), 0) "
                "FROM corridors_routesegment s WHERE s.route_id = r.id AND NOT s.branch)"
            ),
        ),
        (
            "nodes",
            value(
                "(SELECT coalesce(array_agg(n.code ORDER BY n.code COLLATE \"C\"), '{}') "
                f"FROM {RouteMember._meta.db_table} m JOIN {NODE_TABLE} n ON n.id = m.node_id "
                "WHERE m.route_id = r.id)"
            ),
        ),
        (
            "segments",
            f"(SELECT '[' || coalesce(string_agg({NESTED_SEGMENT}, ',' ORDER BY s.seq), '') "
            f"|| ']' FROM {SEGMENT_NODES} WHERE s.route_id = r.id)",
        ),
    ],
)


def routes_json(rows: QuerySet[Route]) -> str:
    """`/api/routes/` for the routes of `rows`."""
    return ROUTES.collection(rows.values("id"))


def segments_json(rows: QuerySet[RouteSegment]) -> str:
    """`/api/route-segments/` for the segments of `rows` (filtered)."""
    return SEGMENTS.collection(rows.values("id"))
