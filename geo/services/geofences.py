"""Geofences (port limits, berth areas, anchorages): the seed file and users' edits.

Fences are versioned (`core.versioning`): every change ends the current row and adds the
next version, so a port call can be traced to the fences that made it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.imports import ImportCounts, apply_changes
from core.ingest.errors import LayerError
from core.ingest.geojson import read_features
from core.models import Origin
from core.versioning import add_version

from ..choices import GeofenceKind
from ..models import Geofence, Node

FENCE_EDITABLE = ("name", "kind", "geom", "approximate", "basis")
MAX_FENCE_VERTICES = 10_000


def seed_key(node_code: str, kind: str, name: str) -> str:
    """How the seed file names a fence; kept by every version, whatever users rename."""
    return f"{node_code}/{kind}/{name}"


def import_geofences(path: Path, reset: bool = False) -> ImportCounts:
    """Load fences from a GeoJSON file (properties: node, kind, name, approximate, basis).
    A changed fence ends the current version and adds the next one; a fence a user edited
    is kept (unless `reset`)."""
    counts = ImportCounts()
    nodes = {n.code: n for n in Node.objects.all()}
    current = {g.seed_key: g for g in Geofence.objects.current().exclude(seed_key="")}
    now = timezone.now()
    for f in read_features(path, {"Polygon"}):
        p = f.properties
        node = nodes.get(p.get("node", ""))
        if node is None:
            raise LayerError(path.name, f"unknown node code '{p.get('node')}'", f.row, "node")
        if p.get("kind") not in GeofenceKind.values:
            raise LayerError(path.name, f"'{p.get('kind')}' is not a fence kind", f.row, "kind")
        name = str(p.get("name") or f"{node.code} {p['kind']}")
        key = seed_key(node.code, p["kind"], name)
        values = {
            "kind": p["kind"],
            "name": name,
            "geom": GEOSGeometry(memoryview(f.geom.wkb), srid=4326),
            "approximate": bool(p.get("approximate", True)),
            "basis": str(p.get("basis", "")),
        }
        fence = current.get(key)
        if fence is None:
            Geofence.objects.create(
                node=node, seed_key=key, version=1, valid_from=now, origin=Origin.SEED, **values
            )
            counts.created += 1
            continue
        if fence.origin == Origin.USER and not reset:
            counts.kept += 1
            continue
        probe = Geofence(**{k: getattr(fence, k) for k in values})
        if fence.origin == Origin.SEED and not apply_changes(probe, values):
            counts.unchanged += 1
            continue
        if fence.origin == Origin.USER:
            counts.replaced.append(f"geofence {key}")
        add_version(fence, at=now, origin=Origin.SEED, **values)
        counts.updated += 1
    return counts


def clean_fence_geometry(geom: Any) -> Polygon:
    """A fence polygon as stored: a valid, non-empty Polygon in lon/lat (SRID 4326)."""
    if not isinstance(geom, Polygon):
        raise ValidationError({"geom": "a fence is a Polygon"})
    if geom.srid not in (None, 4326):
        geom = geom.transform(4326, clone=True)
    geom.srid = 4326
    if geom.empty or geom.num_coords > MAX_FENCE_VERTICES:
        raise ValidationError({"geom": f"a polygon with 4 to {MAX_FENCE_VERTICES} vertices"})
    west, south, east, north = geom.extent
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValidationError({"geom": "coordinates must be lon/lat within range"})
    if not geom.valid:
        raise ValidationError({"geom": f"invalid polygon: {geom.valid_reason}"})
    polygon: Polygon = geom
    return polygon


def update_geofence(fence: Geofence, values: dict[str, Any]) -> Geofence:
    """A user's edit of a fence (the admin and the API): every field in `values` is
    applied in a new version marked as a user edit; nothing changes, no version is added.
    The node of a fence does not change (a fence belongs to its port)."""
    unknown = set(values) - set(FENCE_EDITABLE)
    if unknown:
        raise ValidationError({name: "this field cannot be changed" for name in unknown})
    if "geom" in values:
        values = {**values, "geom": clean_fence_geometry(values["geom"])}
    if "kind" in values and values["kind"] not in GeofenceKind.values:
        raise ValidationError({"kind": f"one of {GeofenceKind.values}"})
    probe = Geofence(
        geom=fence.geom, **{k: getattr(fence, k) for k in FENCE_EDITABLE if k != "geom"}
    )
    if not apply_changes(probe, values):
        return fence
    clash = (
        Geofence.objects.current()
        .filter(node=fence.node_id, kind=probe.kind, name=probe.name)
        .exclude(pk=fence.pk)
    )
    refusal = ValidationError({"name": "another current fence of this node has this kind and name"})
    if clash.exists():
        raise refusal
    try:
        with transaction.atomic():
            return add_version(fence, origin=Origin.USER, **values)
    except IntegrityError as exc:
        raise refusal from exc


def create_geofence(node: Node, values: dict[str, Any]) -> Geofence:
    """A fence a user draws (version 1)."""
    values = {**values, "geom": clean_fence_geometry(values.get("geom"))}
    if values.get("kind") not in GeofenceKind.values:
        raise ValidationError({"kind": f"one of {GeofenceKind.values}"})
    if (
        Geofence.objects.current()
        .filter(node=node, kind=values["kind"], name=values.get("name"))
        .exists()
    ):
        raise ValidationError({"name": "another current fence of this node has this kind and name"})
    return Geofence.objects.create(
        node=node, version=1, valid_from=timezone.now(), origin=Origin.USER, **values
    )


def fence_bounds(node: Node) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of a port's current fences; None when it has none."""
    box = Geofence.objects.current().filter(node=node).aggregate(e=Extent("geom"))["e"]
    if not box:
        return None
    west, south, east, north = box
    return west, south, east, north


def fences(node_code: str | None = None, with_past: bool = False) -> QuerySet[Geofence]:
    """Fences with their node: the current versions (every version `with_past`), of one
    node when `node_code` is given."""
    found = Geofence.objects.select_related("node")
    if not with_past:
        found = found.current()
    if node_code:
        found = found.filter(node__code=node_code)
    return found
