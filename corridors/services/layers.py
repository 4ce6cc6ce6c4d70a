"""The corridor layers written by PostGIS (see core.geojson): routes (with their ordered
legs nested) and route segments, each one query whose answer is the JSON text, equal
feature by feature to the serializers' (a test compares them; the serializers take their
field lists from here)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Func, OuterRef, QuerySet, Subquery, Sum, TextField
from django.db.models.functions import Coalesce, Collate

from core.functions import (
    GeoJsonText,
    JsonArrayAgg,
    JsonLiteral,
    JsonNumber,
    JsonObject,
    JsonText,
)
from core.geojson import Layer

from ..models import Route, RouteMember, RouteSegment

# The fields both segment forms share, read from a segment.
SEGMENT_PROPERTIES: list[tuple[str, Any]] = [
    ("seq", JsonNumber("seq")),
    ("from_node", "from_node__code"),
    ("to_node", "to_node__code"),
    ("mode", "mode"),
    ("length_m", JsonNumber("length_m")),
    ("schematic", JsonNumber("schematic")),
    ("branch", JsonNumber("branch")),
    ("via", "via"),
    ("notes", "notes"),
]
SEGMENT_FIELDS = [name for name, _ in SEGMENT_PROPERTIES]

# `/api/route-segments/`: RouteSegmentSerializer (the primary key as the Feature's id).
SEGMENTS = Layer(
    geometry="geom",
    feature_id=JsonNumber("id"),
    ordering=["route__order", "route__code", "seq"],
    properties=[("route", "route__code"), *SEGMENT_PROPERTIES],
)


class _Round1(Func):
    """A sum of metres as the serializer rounds it (one decimal; 0 without legs)."""

    template = "coalesce(round((%(expressions)s)::numeric, 1), 0)"
    output_field = TextField()


def _of_route(rows: QuerySet[Any], **values: Any) -> Subquery:
    """A per-route figure of related rows, for the route of the outer row."""
    per_route = rows.filter(route=OuterRef("pk")).values("route").annotate(**values)
    return Subquery(per_route.values("v"))


# `/api/routes/`: RouteSerializer, its legs in order with their geometries, its member
# nodes sorted as Python sorts (code points: COLLATE "C"), `length_m` over the main line.
ROUTES = Layer(
    geometry="geom",
    feature_id=JsonText("code"),
    ordering=["order", "code"],
    properties=[
        ("name_en", "name_en"),
        ("name_zh", "name_zh"),
        ("modes", "modes"),
        ("description", "description"),
        ("projects", "projects"),
        ("sources", "sources"),
        ("notes", "notes"),
        (
            "length_m",
            JsonNumber(
                _Round1(_of_route(RouteSegment.objects.filter(branch=False), v=Sum("length_m")))
            ),
        ),
        (
            "nodes",
            Coalesce(
                _of_route(
                    RouteMember.objects.all(),
                    v=JsonArrayAgg(
                        JsonText("node__code"), order_by=[Collate(F("node__code"), "C")]
                    ),
                ),
                JsonLiteral([]),
            ),
        ),
        (
            "segments",
            Coalesce(
                _of_route(
                    RouteSegment.objects.all(),
                    v=JsonArrayAgg(
                        JsonObject([*SEGMENT_PROPERTIES, ("geometry", GeoJsonText("geom"))]),
                        order_by=["seq"],
                    ),
                ),
                JsonLiteral([]),
            ),
        ),
    ],
)
ROUTE_FIELDS = ["code", *ROUTES.fields]


def routes_json(rows: QuerySet[Route]) -> str:
    """`/api/routes/` for the routes of `rows`."""
    return ROUTES.collection(rows)


def segments_json(rows: QuerySet[RouteSegment]) -> str:
    """`/api/route-segments/` for the segments of `rows` (filtered)."""
    return SEGMENTS.collection(rows)
