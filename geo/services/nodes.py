"""Nodes, digital-service categories and the services nodes offer: seed imports and edits.

Seed imports create what is missing and update rows still holding seed values; a row a
user edited (`origin` "user") is kept, unless the import is a reset.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.imports import ImportCounts, apply_changes, upsert_by_key
from core.ingest.errors import LayerError
from core.models import Origin
from core.versioning import add_version

from ..ingest.nodes import CategoryRow, EvidenceRow, NodeRow, NodeServiceRow
from ..models import DigitalServiceCategory, Node, NodeService, ServiceEvidence


def import_nodes(rows: Iterable[NodeRow], reset: bool = False) -> ImportCounts:
    """Create or update nodes by code (groups are linked after every node exists)."""
    counts = ImportCounts()
    rows = list(rows)
    existing: dict[Any, Node] = {n.code: n for n in Node.objects.all()}
    for r in rows:
        values = {
            "name_en": r.name_en,
            "name_zh": r.name_zh,
            "kind": r.kinds[0],
            "kinds": list(r.kinds),
            "unlocode": r.unlocode,
            "unlocode_note": r.unlocode_note,
            "country": r.country,
            "province": r.province,
            "geom": Point(r.lon, r.lat, srid=4326),
            "coord_quality": r.coord_quality,
            "coord_basis": r.coord_basis,
            "sources": r.sources,
            "notes": r.notes,
            "origin": Origin.SEED,
        }
        upsert_by_key(Node, existing, r.code, {"code": r.code}, values, counts, reset=reset)
    for r in rows:
        node = existing[r.code]
        group = existing.get(r.group) if r.group else None
        if r.group and group is None:
            raise LayerError("nodes.csv", f"unknown group node '{r.group}'", r.row, "group")
        if node.origin == Origin.USER:
            continue
        if node.group_id != (group.pk if group else None):
            node.group = group
            node.save(update_fields=["group"])
    return counts


def import_categories(rows: Iterable[CategoryRow], reset: bool = False) -> ImportCounts:
    counts = ImportCounts()
    existing: dict[Any, DigitalServiceCategory] = {
        c.code: c for c in DigitalServiceCategory.objects.all()
    }
    for r in rows:
        values = {
            "name_en": r.name_en,
            "name_zh": r.name_zh,
            "description": r.description,
            "weight": r.weight,
            "applies_to": list(r.applies_to),
            "order": r.order,
            "origin": Origin.SEED,
        }
        upsert_by_key(
            DigitalServiceCategory, existing, r.code, {"code": r.code}, values, counts, reset=reset
        )
    return counts


def import_node_services(
    rows: Iterable[NodeServiceRow],
    file_name: str,
    at: datetime | None = None,
    reset: bool = False,
) -> ImportCounts:
    """Record node services; a changed level or evidence ends the current row and starts a
    new one, so the history of coverage is kept. A service a user recorded is kept."""
    at = at or timezone.now()
    counts = ImportCounts()
    nodes = {n.code: n for n in Node.objects.all()}
    cats = {c.code: c for c in DigitalServiceCategory.objects.all()}
    current = {(s.node_id, s.category_id): s for s in NodeService.objects.current()}
    for r in rows:
        node, cat = nodes.get(r.node), cats.get(r.category)
        if node is None:
            raise LayerError(file_name, f"unknown node code '{r.node}'", r.row, "node")
        if cat is None:
            raise LayerError(file_name, f"unknown category '{r.category}'", r.row, "category")
        values = {
            "level": r.level,
            "since_year": r.since_year,
            "evidence_url": r.evidence_url,
            "evidence_note": r.note,
        }
        row = current.get((node.pk, cat.pk))
        if row is None:
            NodeService.objects.create(
                node=node, category=cat, valid_from=at, origin=Origin.SEED, **values
            )
            counts.created += 1
        elif row.origin == Origin.USER and not reset:
            counts.kept += 1
        elif row.origin == Origin.SEED and all(getattr(row, k) == v for k, v in values.items()):
            counts.unchanged += 1
        else:
            if row.origin == Origin.USER:
                counts.replaced.append(f"node service {node.code}/{cat.code}")
            add_version(
                row, at=at, origin=Origin.SEED, verified_by=None, verified_at=None, **values
            )
            counts.updated += 1
    return counts


@transaction.atomic
def record_node_service(
    node: Node,
    category: DigitalServiceCategory,
    level: str,
    evidence_url: str = "",
    note: str = "",
    verified_by: Any = None,
    since_year: int | None = None,
) -> NodeService:
    """A user sets a node's level of a service now, ending the current row (history is
    kept)."""
    now = timezone.now()
    values = {
        "level": level,
        "since_year": since_year,
        "evidence_url": evidence_url,
        "evidence_note": note,
        "verified_by": verified_by,
        "verified_at": now if verified_by else None,
        "origin": Origin.USER,
    }
    current = NodeService.objects.current().filter(node=node, category=category).first()
    if current is not None:
        replaced: NodeService = add_version(current, at=now, **values)
        return replaced
    return NodeService.objects.create(node=node, category=category, valid_from=now, **values)


NODE_EDITABLE = (
    "name_en",
    "name_zh",
    "kind",
    "kinds",
    "unlocode",
    "unlocode_note",
    "country",
    "province",
    "geom",
    "coord_quality",
    "coord_basis",
    "group",
    "sources",
    "notes",
)


def update_node(node: Node, values: dict[str, Any]) -> Node:
    """A user's edit of a node (the admin and the API): every field in `values` is applied
    and the node is marked as edited, so seed loads keep it. The code cannot change (map
    links, figures and fences refer to it)."""
    unknown = set(values) - set(NODE_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    apply_changes(node, values)
    node.origin = Origin.USER
    node.full_clean()
    node.save()
    return node


def import_service_evidence(
    rows: Iterable[EvidenceRow], file_name: str, reset: bool = False
) -> ImportCounts:
    """Record the evidence statements (a statement a user edited is kept)."""
    counts = ImportCounts()
    nodes = {n.code: n for n in Node.objects.all()}
    cats = {c.code: c for c in DigitalServiceCategory.objects.all()}
    existing: dict[Any, ServiceEvidence] = {
        (e.node_id, e.category_id, e.as_of, e.source_url): e for e in ServiceEvidence.objects.all()
    }
    for r in rows:
        node, cat = nodes.get(r.node), cats.get(r.category)
        if node is None:
            raise LayerError(file_name, f"unknown node code '{r.node}'", r.row, "node_code")
        if cat is None:
            raise LayerError(file_name, f"unknown category '{r.category}'", r.row, "category")
        upsert_by_key(
            ServiceEvidence,
            existing,
            (node.pk, cat.pk, r.as_of, r.source_url),
            {"node": node, "category": cat, "as_of": r.as_of, "source_url": r.source_url},
            {
                "level": r.level,
                "summary": r.summary,
                "confidence": r.confidence,
                "origin": Origin.SEED,
            },
            counts,
            reset=reset,
        )
    return counts


# -- reads: what the API, the exports and the Dash gateway list and look up -----------------
def nodes(
    *, mapped: bool = False, route: str | None = None, codes: Iterable[str] | None = None
) -> QuerySet[Node]:
    """Nodes by code (with their group): only those drawn on the map when `mapped` (no
    statistical port group), only a route's when `route`, only `codes` when given."""
    found = Node.objects.select_related("group")
    if mapped:
        found = found.mapped()
    if route:
        found = found.on_route(route).distinct()
    if codes is not None:
        found = found.filter(code__in=list(codes))
    return found.order_by("code")


def find_node(code: object) -> Node | None:
    """The node of a code (with its group), None when there is none."""
    if not isinstance(code, str):
        return None
    return Node.objects.select_related("group").filter(code=code).first()


def node_routes(node: Node) -> list[str]:
    """The codes of the routes that serve a node."""
    return sorted(set(node.route_memberships.values_list("route__code", flat=True)))


def nodes_extent(codes: Iterable[str] | None = None) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the nodes drawn on the map (of `codes` when given);
    None without any: the box a map opens on to show the whole corridor."""
    from django.contrib.gis.db.models import Extent

    box = nodes(mapped=True, codes=codes).aggregate(e=Extent("geom"))["e"]
    if not box:
        return None
    west, south, east, north = box
    return west, south, east, north
