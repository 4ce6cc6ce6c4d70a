"""GeoJSON written by PostGIS.

A map layer is one query whose answer is the JSON text itself: no feature becomes a Python
object, so 5,000 vessels take milliseconds, not the second DRF's serializers take feature
by feature. A layer is declared with the ORM expressions of core.functions (field paths, so
the ORM makes the joins and no table is named), and which rows it holds is decided by a
Django queryset (filters, bbox, permissions, pagination), so rules stay in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from .functions import PRECISION, Feature, JsonArrayAgg


@dataclass(frozen=True)
class Layer:
    """A layer written by PostGIS: each row of a queryset as a GeoJSON Feature.

    `geometry` is the geometry's field path, `properties` (name, JSON-text expression)
    pairs (core.functions: JsonText, JsonNumber, JsonTime...; a plain string is a field
    path written as a JSON string); `feature_id` an optional JSON-text expression for the
    Feature's `id`; `ordering` the features' order (a page keeps the queryset's own).
    `fields` lists the property names: the serializer that writes the same features
    declares its fields from it, so the two cannot drift.
    """

    geometry: str
    properties: Sequence[tuple[str, Any]]
    feature_id: Any = None
    ordering: Sequence[str] = ()
    precision: int = PRECISION

    @property
    def fields(self) -> list[str]:
        return [name for name, _ in self.properties]

    def feature(self) -> Feature:
        return Feature(self.geometry, self.properties, self.feature_id, self.precision)

    def features(self, rows: QuerySet[Any]) -> str:
        """The JSON text of the features (an array) of `rows` (filtered, a page perhaps),
        in the layer's order: one statement, its rows those whose key `rows` selects."""
        if not rows.query.is_sliced:  # a page keeps its order; otherwise order is the layer's
            rows = rows.order_by()  # (a DISTINCT filter would add its ORDER BY columns)
        chosen = rows.model._base_manager.filter(pk__in=rows.values("pk"))
        ordering = list(self.ordering) or ["pk"]
        try:
            found = chosen.aggregate(_features=JsonArrayAgg(self.feature(), order_by=ordering))
        except EmptyResultSet:  # e.g. `.none()`: nothing to ask the database
            return "[]"
        return str(found["_features"] or "[]")

    def collection(self, rows: QuerySet[Any], members: Mapping[str, object] | None = None) -> str:
        """A FeatureCollection's JSON text, with extra top-level `members` (count, next...)
        before its features."""
        head = "".join(f"{json.dumps(k)}:{json.dumps(v)}," for k, v in (members or {}).items())
        return '{"type":"FeatureCollection",' + head + '"features":' + self.features(rows) + "}"
