"""Serializers of the geo API: nodes as GeoJSON features (lon/lat, EPSG:4326)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..models import DigitalServiceCategory, Geofence, Node, NodeService


class NodeSerializer(GeoFeatureModelSerializer):
    """A node with its coverage score (0..1) and latest full-year TEU (context-provided)."""

    group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    coverage_score = serializers.SerializerMethodField()
    coverage_assessed = serializers.SerializerMethodField()
    latest_teu = serializers.SerializerMethodField()
    latest_teu_year = serializers.SerializerMethodField()

    class Meta:
        model = Node
        geo_field = "geom"
        id_field = "code"
        fields = [
            "code",
            "name_en",
            "name_zh",
            "kind",
            "kinds",
            "unlocode",
            "country",
            "province",
            "coord_quality",
            "coord_basis",
            "group",
            "coverage_score",
            "coverage_assessed",
            "latest_teu",
            "latest_teu_year",
        ]

    def _coverage(self, obj: Node):
        return self.context.get("coverage", {}).get(obj.code)

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_coverage_score(self, obj: Node) -> float | None:
        cov = self._coverage(obj)
        return cov.score if cov else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_coverage_assessed(self, obj: Node) -> bool:
        cov = self._coverage(obj)
        return bool(cov and cov.assessed)

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_latest_teu(self, obj: Node) -> float | None:
        latest = self.context.get("latest_teu", {}).get(obj.code)
        return float(latest[0]) if latest else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_latest_teu_year(self, obj: Node) -> int | None:
        latest = self.context.get("latest_teu", {}).get(obj.code)
        return latest[1] if latest else None


class NodeServiceSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name_en = serializers.CharField(source="category.name_en", read_only=True)
    category_name_zh = serializers.CharField(source="category.name_zh", read_only=True)

    class Meta:
        model = NodeService
        fields = [
            "category",
            "category_name_en",
            "category_name_zh",
            "level",
            "since_year",
            "valid_from",
            "evidence_url",
            "evidence_note",
        ]


class NodeDetailSerializer(NodeSerializer):
    """A node with its current digital services, sources and notes."""

    services = serializers.SerializerMethodField()
    routes = serializers.SerializerMethodField()

    class Meta(NodeSerializer.Meta):
        fields = [
            *NodeSerializer.Meta.fields,
            "unlocode_note",
            "sources",
            "notes",
            "routes",
            "services",
        ]

    @extend_schema_field(NodeServiceSerializer(many=True))
    def get_services(self, obj: Node):
        rows = obj.services.current().select_related("category").order_by("category__order")
        return NodeServiceSerializer(rows, many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_routes(self, obj: Node) -> list[str]:
        return sorted(set(obj.route_memberships.values_list("route__code", flat=True)))


class ServiceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = DigitalServiceCategory
        fields = ["code", "name_en", "name_zh", "description", "weight", "applies_to", "order"]


class GeofenceSerializer(GeoFeatureModelSerializer):
    """A fence (Polygon, EPSG:4326). Writing a new polygon saves a new version."""

    node = serializers.SlugRelatedField(slug_field="code", queryset=Node.objects.all())

    class Meta:
        model = Geofence
        geo_field = "geom"
        id_field = False
        fields = [
            "id",
            "node",
            "kind",
            "name",
            "approximate",
            "basis",
            "version",
            "valid_from",
            "valid_to",
        ]
        read_only_fields = ["version", "valid_from", "valid_to"]
