"""Serializers of the corridors API: routes and segments as GeoJSON (EPSG:4326)."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..models import Route, RouteSegment
from ..services.layers import ROUTE_FIELDS, SEGMENT_FIELDS


class RouteSegmentSerializer(GeoFeatureModelSerializer):
    """A route leg; `length_m` is geodesic metres; `schematic` lines are drawn node to node."""

    route = serializers.SlugRelatedField(slug_field="code", read_only=True)
    from_node = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_node = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = RouteSegment
        geo_field = "geom"
        fields = ["id", "route", *SEGMENT_FIELDS]


class NestedSegmentSerializer(serializers.ModelSerializer):
    """A leg inside its route, with its geometry as a GeoJSON LineString."""

    from_node = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_node = serializers.SlugRelatedField(slug_field="code", read_only=True)
    geometry = serializers.SerializerMethodField()

    class Meta:
        model = RouteSegment
        fields = [*SEGMENT_FIELDS, "geometry"]

    @extend_schema_field({"type": "object", "description": "GeoJSON LineString"})
    def get_geometry(self, obj: RouteSegment) -> dict:
        return json.loads(obj.geom.geojson)


class RouteSerializer(GeoFeatureModelSerializer):
    """A route: its geometry is the MultiLineString of its segments, which are listed in
    order with their own geometries; `length_m` sums the main-line (non-branch) legs."""

    segments = NestedSegmentSerializer(many=True, read_only=True)
    nodes = serializers.SerializerMethodField()
    length_m = serializers.SerializerMethodField()

    class Meta:
        model = Route
        geo_field = "geom"
        id_field = "code"
        fields = ROUTE_FIELDS  # the database-written layer's (corridors.services.layers)

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_nodes(self, obj: Route) -> list[str]:
        return sorted(m.node.code for m in obj.memberships.all())

    def get_length_m(self, obj: Route) -> float:
        return round(sum(s.length_m for s in obj.segments.all() if not s.branch), 1)
