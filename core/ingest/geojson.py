"""Reading GeoJSON layers with geometry checks (pure, no Django)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from .errors import LayerError
from .tables import MAX_FILE_BYTES


@dataclass(frozen=True)
class FeatureRow:
    """A GeoJSON feature: `row` is its 1-based position in the file, `geom` lon/lat."""

    row: int
    properties: dict[str, Any]
    geom: BaseGeometry


def read_features(path: Path, allowed_types: set[str] | None = None) -> Iterator[FeatureRow]:
    """Yield the features of a GeoJSON FeatureCollection in WGS84 lon/lat, each with a valid,
    non-empty geometry inside the lon/lat range. An invalid geometry (a self-intersecting
    polygon...) is an error: layers are fixed at the source, not silently repaired."""
    name = path.name
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LayerError(name, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayerError(name, f"not valid GeoJSON: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise LayerError(name, "not a GeoJSON FeatureCollection")
    crs = (doc.get("crs") or {}).get("properties", {}).get("name", "")
    if crs and not crs.endswith(("CRS84", "4326")):
        raise LayerError(name, f"coordinates must be WGS84 lon/lat, not {crs}")
    for index, feature in enumerate(doc.get("features") or [], start=1):
        geometry = (feature or {}).get("geometry")
        if not geometry:
            raise LayerError(name, "feature has no geometry", index, "geometry")
        try:
            geom = shape(geometry)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise LayerError(name, f"invalid geometry: {exc}", index, "geometry") from exc
        if geom.is_empty:
            raise LayerError(name, "empty geometry", index, "geometry")
        if allowed_types and geom.geom_type not in allowed_types:
            raise LayerError(
                name, f"{geom.geom_type} is not one of {sorted(allowed_types)}", index, "geometry"
            )
        west, south, east, north = geom.bounds
        if west < -180 or east > 180 or south < -90 or north > 90:
            raise LayerError(name, "coordinates out of lon/lat range", index, "geometry")
        if not geom.is_valid:
            reason = explain_validity(geom)
            raise LayerError(name, f"invalid geometry: {reason}", index, "geometry")
        yield FeatureRow(row=index, properties=dict(feature.get("properties") or {}), geom=geom)
