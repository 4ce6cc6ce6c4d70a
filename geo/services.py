"""Use cases of the spatial core: importing nodes, services and basemap; node coverage."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction
from django.utils import timezone

from .choices import LEVEL_SCORES
from .ingest.errors import LayerError
from .ingest.geojson import read_features
from .ingest.nodes import CategoryRow, NodeRow, NodeServiceRow
from .models import BasemapFeature, BasemapLayer, DigitalServiceCategory, Node, NodeService

BASEMAP_FILES = {
    "land": "land.geojson",
    "lakes": "lakes.geojson",
    "rivers": "rivers.geojson",
    "coastline": "coastline.geojson",
    "country_borders": "country_borders.geojson",
    "countries": "countries_110m.geojson",
}
BASEMAP_SOURCE = (
    "Natural Earth (public domain) via martynafford/natural-earth-geojson (CC0 1.0), "
    "commit 0b9a6ce; clipped to lon 90-125, lat -2-42"
)


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def __str__(self) -> str:
        text = f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f", {self.removed} removed" if self.removed else "")


def apply_changes(obj, values: dict) -> bool:
    """Set `values` on `obj`; True when anything changed."""
    changed = False
    for key, value in values.items():
        current = getattr(obj, key)
        if key == "geom":
            same = (current is None and value is None) or (
                current is not None
                and value is not None
                and current.equals_exact(value, tolerance=1e-9)
            )
        else:
            same = current == value
        if not same:
            setattr(obj, key, value)
            changed = True
    return changed


def import_nodes(rows: Iterable[NodeRow]) -> ImportCounts:
    """Create or update nodes by code (groups are linked after every node exists)."""
    counts = ImportCounts()
    rows = list(rows)
    existing = {n.code: n for n in Node.objects.all()}
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
        }
        node = existing.get(r.code)
        if node is None:
            existing[r.code] = Node.objects.create(code=r.code, **values)
            counts.created += 1
        elif apply_changes(node, values):
            node.save()
            counts.updated += 1
        else:
            counts.unchanged += 1
    for r in rows:
        node = existing[r.code]
        group = existing.get(r.group) if r.group else None
        if r.group and group is None:
            raise LayerError("nodes.csv", f"unknown group node '{r.group}'", r.row, "group")
        if node.group_id != (group.pk if group else None):
            node.group = group
            node.save(update_fields=["group"])
    return counts


def import_categories(rows: Iterable[CategoryRow]) -> ImportCounts:
    counts = ImportCounts()
    existing = {c.code: c for c in DigitalServiceCategory.objects.all()}
    for r in rows:
        values = {
            "name_en": r.name_en,
            "name_zh": r.name_zh,
            "description": r.description,
            "weight": r.weight,
            "applies_to": list(r.applies_to),
            "order": r.order,
        }
        cat = existing.get(r.code)
        if cat is None:
            DigitalServiceCategory.objects.create(code=r.code, **values)
            counts.created += 1
        elif apply_changes(cat, values):
            cat.save()
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts


def import_node_services(
    rows: Iterable[NodeServiceRow], file_name: str, at: datetime | None = None
) -> ImportCounts:
    """Record node services; a changed level or evidence ends the current row and starts a
    new one, so the history of coverage is kept."""
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
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            counts.unchanged += 1
            continue
        if row is not None:
            row.valid_to = at
            row.save(update_fields=["valid_to"])
            counts.updated += 1
        else:
            counts.created += 1
        NodeService.objects.create(node=node, category=cat, valid_from=at, **values)
    return counts


def file_checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_basemap(data_dir: Path) -> ImportCounts:
    """Load the offline basemap layers; a layer whose file is unchanged is skipped."""
    counts = ImportCounts()
    for layer_name, file_name in BASEMAP_FILES.items():
        path = data_dir / "basemap" / file_name
        checksum = file_checksum(path)
        layer = BasemapLayer.objects.filter(name=layer_name).first()
        if layer and layer.checksum == checksum:
            counts.unchanged += 1
            continue
        features = [
            BasemapFeature(
                name=str(
                    f.properties.get("name_en")
                    or f.properties.get("name")
                    or f.properties.get("NAME")
                    or ""
                ),
                geom=GEOSGeometry(memoryview(f.geom.wkb), srid=4326),
            )
            for f in read_features(path)
        ]
        if layer is None:
            layer = BasemapLayer.objects.create(name=layer_name, checksum=checksum)
            counts.created += 1
        else:
            layer.features.all().delete()
            counts.updated += 1
        for feature in features:
            feature.layer = layer
        BasemapFeature.objects.bulk_create(features, batch_size=500)
        layer.checksum, layer.feature_count, layer.source = checksum, len(features), BASEMAP_SOURCE
        layer.save()
    return counts


# --- digital-service coverage ------------------------------------------------------------


@dataclass(frozen=True)
class ServiceScore:
    category: str
    level: str
    score: float
    evidence_url: str
    since_year: int | None


@dataclass
class NodeCoverage:
    """A node's coverage: `score` in 0..1 is the weighted share of the applicable
    categories it offers (none 0, partial 0.5, full 1). `assessed` is false when no
    evidence at all is recorded for the node (its 0 then means "unknown")."""

    code: str
    score: float
    assessed: bool
    applicable: list[str]
    services: dict[str, ServiceScore] = field(default_factory=dict)

    def level_score(self, category: str) -> float:
        service = self.services.get(category)
        return service.score if service else 0.0


def compute_coverage(
    nodes: Iterable[Node] | None = None, as_of: datetime | None = None
) -> dict[str, NodeCoverage]:
    """Coverage of each node (all nodes when `nodes` is None), now or as of a moment."""
    node_list = list(Node.objects.all() if nodes is None else nodes)
    categories = list(DigitalServiceCategory.objects.all())
    services = NodeService.objects.filter(node__in=[n.pk for n in node_list])
    services = services.as_of(as_of) if as_of else services.current()
    by_node: dict[int, list[NodeService]] = {}
    for s in services.select_related("category"):
        by_node.setdefault(s.node_id, []).append(s)
    result: dict[str, NodeCoverage] = {}
    for node in node_list:
        applicable = [c for c in categories if c.applies(node.kinds)]
        offered = {
            s.category.code: ServiceScore(
                category=s.category.code,
                level=s.level,
                score=LEVEL_SCORES[s.level],
                evidence_url=s.evidence_url,
                since_year=s.since_year,
            )
            for s in by_node.get(node.pk, [])
        }
        total = sum(c.weight for c in applicable)
        got = sum(
            c.weight * (offered[c.code].score if c.code in offered else 0.0) for c in applicable
        )
        result[node.code] = NodeCoverage(
            code=node.code,
            score=round(got / total, 4) if total else 0.0,
            assessed=bool(offered),
            applicable=[c.code for c in applicable],
            services=offered,
        )
    return result


@transaction.atomic
def record_node_service(
    node: Node,
    category: DigitalServiceCategory,
    level: str,
    evidence_url: str = "",
    note: str = "",
    verified_by=None,
) -> NodeService:
    """Set a node's level of a service now, ending the current row (history is kept)."""
    now = timezone.now()
    NodeService.objects.current().filter(node=node, category=category).update(valid_to=now)
    return NodeService.objects.create(
        node=node,
        category=category,
        level=level,
        valid_from=now,
        evidence_url=evidence_url,
        evidence_note=note,
        verified_by=verified_by,
        verified_at=now if verified_by else None,
    )


def import_geofences(path: Path) -> ImportCounts:
    """Load fences from a GeoJSON file (properties: node, kind, name, approximate, basis).
    A changed polygon ends the current version and adds the next one."""
    from .choices import GeofenceKind
    from .models import Geofence

    counts = ImportCounts()
    nodes = {n.code: n for n in Node.objects.all()}
    current = {(g.node_id, g.kind, g.name): g for g in Geofence.objects.current()}
    now = timezone.now()
    for f in read_features(path, {"Polygon"}):
        p = f.properties
        node = nodes.get(p.get("node", ""))
        if node is None:
            raise LayerError(path.name, f"unknown node code '{p.get('node')}'", f.row, "node")
        if p.get("kind") not in GeofenceKind.values:
            raise LayerError(path.name, f"'{p.get('kind')}' is not a fence kind", f.row, "kind")
        name = str(p.get("name") or f"{node.code} {p['kind']}")
        geom = GEOSGeometry(memoryview(f.geom.wkb), srid=4326)
        fence = current.get((node.pk, p["kind"], name))
        if fence is not None and fence.geom.equals_exact(geom, tolerance=1e-9):
            counts.unchanged += 1
            continue
        version = 1
        if fence is not None:
            fence.valid_to = now
            fence.save(update_fields=["valid_to"])
            version = fence.version + 1
            counts.updated += 1
        else:
            counts.created += 1
        Geofence.objects.create(
            node=node,
            kind=p["kind"],
            name=name,
            geom=geom,
            approximate=bool(p.get("approximate", True)),
            basis=str(p.get("basis", "")),
            version=version,
            valid_from=now,
        )
    return counts


@transaction.atomic
def update_geofence(fence, geom: GEOSGeometry):
    """Save a new version of a fence with another polygon (admin and API edits)."""
    from .models import Geofence

    now = timezone.now()
    Geofence.objects.filter(pk=fence.pk).update(valid_to=now)
    return Geofence.objects.create(
        node=fence.node,
        kind=fence.kind,
        name=fence.name,
        geom=geom,
        approximate=fence.approximate,
        basis=fence.basis,
        version=fence.version + 1,
        valid_from=now,
    )
