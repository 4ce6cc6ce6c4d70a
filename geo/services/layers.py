"""The geo layers written by PostGIS (see core.geojson): nodes and fences, each one query
whose answer is the JSON text, equal feature by feature to the serializers' (a test compares
them). Figures computed in Python for every node at once (coverage, latest TEU) are joined
in as one `json` parameter, their text kept verbatim."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet

from core.geojson import SqlLayer, iso_utc, member, number, quoted, string, value

from ..models import Geofence, Node

# `/api/nodes/`: NodeSerializer's fields in its order, the code as the Feature's id.
NODES = SqlLayer(
    source=(
        "geo_node n LEFT JOIN geo_node g ON g.id = n.group_id "
        "LEFT JOIN json_each(%s::json) x ON x.key = n.code"
    ),
    key="n.id",
    geometry="n.geom",
    feature_id=string("n.code"),
    order="n.code",
    properties=[
        ("name_en", string("n.name_en")),
        ("name_zh", string("n.name_zh")),
        ("kind", string("n.kind")),
        ("kinds", value("n.kinds")),
        ("unlocode", string("n.unlocode")),
        ("country", string("n.country")),
        ("province", string("n.province")),
        ("coord_quality", string("n.coord_quality")),
        ("coord_basis", string("n.coord_basis")),
        ("group", string("g.code")),
        ("coverage_score", member("x.value", "coverage_score")),
        ("coverage_assessed", member("x.value", "coverage_assessed", "false")),
        ("latest_teu", member("x.value", "latest_teu")),
        ("latest_teu_year", member("x.value", "latest_teu_year")),
        ("latest_teu_qualifier", member("x.value", "latest_teu_qualifier", '""')),
        ("teu_covered_by", member("x.value", "teu_covered_by")),
    ],
)

# `/api/geofences/`: GeofenceSerializer's fields (no Feature id: `id` is a property).
FENCES = SqlLayer(
    source="geo_geofence f JOIN geo_node n ON n.id = f.node_id",
    key="f.id",
    geometry="f.geom",
    order="n.code, f.kind, f.name, f.version DESC",
    properties=[
        ("id", number("f.id")),
        ("node", string("n.code")),
        ("kind", string("f.kind")),
        ("name", string("f.name")),
        ("approximate", number("f.approximate")),
        ("basis", string("f.basis")),
        ("version", number("f.version")),
        ("origin", string("f.origin")),
        ("valid_from", quoted(iso_utc("f.valid_from"))),
        ("valid_to", f"coalesce({quoted(iso_utc('f.valid_to'))}, 'null')"),
    ],
)


def node_figures(coverage: dict[str, Any], context: dict[str, dict[str, Any]]) -> str:
    """The computed properties of every node as the JSON text NODES joins: coverage (from
    `compute_coverage()`) and the latest full-year TEU (the `latest_teu` node context)."""
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
    return NODES.collection(rows.values("id"), members, params=[figures])


def fences_json(rows: QuerySet[Geofence]) -> str:
    """`/api/geofences/` for the fences of `rows`."""
    return FENCES.collection(rows.values("id"))
