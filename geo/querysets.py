"""Spatial and time-window queries of the spatial core, as QuerySet methods."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.gis.db.models import QuerySet
from django.contrib.gis.geos import Polygon
from django.db.models import Q


class NodeQuerySet(QuerySet[Any]):
    def of_kind(self, *kinds: str) -> NodeQuerySet:
        """Nodes having any of `kinds` among their roles."""
        return self.filter(kinds__overlap=list(kinds))

    def within_bbox(self, west: float, south: float, east: float, north: float) -> NodeQuerySet:
        """Nodes inside a lon/lat box (degrees, WGS84)."""
        box = Polygon.from_bbox((west, south, east, north))
        box.srid = 4326
        return self.filter(geom__within=box)

    def on_route(self, route_code: str) -> NodeQuerySet:
        """Nodes the route serves: its segment ends and the nodes attached to them."""
        return self.filter(route_memberships__route__code=route_code)

    def mapped(self) -> NodeQuerySet:
        """Nodes drawn on the map: statistical port groups have no place of their own."""
        return self.exclude(kind="port_group")


class NodeServiceQuerySet(QuerySet[Any]):
    def current(self) -> NodeServiceQuerySet:
        return self.filter(valid_to__isnull=True)

    def as_of(self, moment: datetime) -> NodeServiceQuerySet:
        """Rows valid at `moment` (timezone-aware UTC)."""
        return self.filter(valid_from__lte=moment).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=moment)
        )


class GeofenceQuerySet(QuerySet[Any]):
    def current(self) -> GeofenceQuerySet:
        return self.filter(valid_to__isnull=True)
