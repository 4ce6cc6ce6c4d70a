"""The geo layers written by PostGIS (see core.geojson): nodes and fences, each one query
whose answer is the JSON text, equal feature by feature to the serializers' (a test compares
them; the serializers take their field lists from here). Figures computed in Python for
every node at once (coverage, latest TEU) are joined in as one JSON document, their text
kept verbatim."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet

from core.functions import JsonMember, JsonNumber, JsonText, JsonTime, JsonValue
from core.geojson import Layer

from ..models import Geofence, Node

# The node properties written by the database, in the serializer's order.
NODE_COLUMNS: list[tuple[str, Any]] = [
    ("name_en", "name_en"),
    ("name_zh", "name_zh"),
    ("kind", "kind"),
    ("kinds", JsonValue("kinds")),
    ("unlocode", "unlocode"),
    ("country", "country"),
    ("province", "province"),
    ("coord_quality", "coord_quality"),
    ("coord_basis", "coord_basis"),
    ("group", "group__code"),
]
# Those computed in Python for every node (node_figures), with their JSON default.
NODE_FIGURES = [
    ("coverage_score", "null"),
    ("coverage_assessed", "false"),
    ("latest_teu", "null"),
    ("latest_teu_year", "null"),
    ("latest_teu_qualifier", '""'),
    ("teu_covered_by", "null"),
]
NODE_FIELDS = ["code", *(name for name, _ in NODE_COLUMNS), *(name for name, _ in NODE_FIGURES)]


def nodes_layer(figures: str) -> Layer:
    """`/api/nodes/`: NodeSerializer's fields in its order, the code as the Feature's id;
    `figures` from `node_figures`."""
    return Layer(
        geometry="geom",
        feature_id=JsonText("code"),
        ordering=["code"],
        properties=[
            *NODE_COLUMNS,
            *((name, JsonMember(figures, "code", name, default)) for name, default in NODE_FIGURES),
        ],
    )


# `/api/geofences/`: GeofenceSerializer's fields (no Feature id: `id` is a property).
FENCES = Layer(
    geometry="geom",
    ordering=["node__code", "kind", "name", "-version"],
    properties=[
        ("id", JsonNumber("id")),
        ("node", "node__code"),
        ("kind", "kind"),
        ("name", "name"),
        ("approximate", JsonNumber("approximate")),
        ("basis", "basis"),
        ("version", JsonNumber("version")),
        ("origin", "origin"),
        ("valid_from", JsonTime("valid_from")),
        ("valid_to", JsonTime("valid_to")),
    ],
)


def node_figures(coverage: dict[str, Any], context: dict[str, dict[str, Any]]) -> str:
    """The computed properties of every node as the JSON text the nodes layer joins:
    coverage (from `compute_coverage()`) and the latest full-year TEU (the `latest_teu`
    node context)."""
    figures = {}
    teu = context.get("latest_teu", {})
    for code in set(coverage) | set(teu):
        cov, latest = coverage.get(code), teu.get(code)
        figures[code] = {
            "coverage_score": cov.score if cov else None,
            "coverage_assessed": bool(cov and cov.assessed),
            "latest_teu": float(latest["value"]) if latest and latest["value"] else None,
            "latest_teu_year": latest["year"] if latest else None,
            "latest_teu_qualifier": latest["qualifier"] if latest else "",
            "teu_covered_by": latest["covered_by"] if latest else None,
        }
    return json.dumps(figures)


def nodes_json(rows: QuerySet[Node], figures: str, **members: object) -> str:
    """`/api/nodes/` for the nodes of `rows` (filtered, paginated), `figures` from
    `node_figures`."""
    return nodes_layer(figures).collection(rows, members)


def fences_json(rows: QuerySet[Geofence]) -> str:
    """`/api/geofences/` for the fences of `rows`."""
    return FENCES.collection(rows)
