"""Serializers of the geo API: nodes as GeoJSON features (lon/lat, EPSG:4326)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..models import DigitalServiceCategory, Geofence, Node, NodeService, ServiceEvidence
from ..services.layers import FENCES, NODE_FIELDS
from ..services.nodes import node_routes


class NodeSerializer(GeoFeatureModelSerializer):
    """A node with its coverage score (0..1) and latest full-year TEU (context-provided)."""

    group = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    coverage_score = serializers.SerializerMethodField()
    coverage_assessed = serializers.SerializerMethodField()
    latest_teu = serializers.SerializerMethodField()
    latest_teu_year = serializers.SerializerMethodField()
    latest_teu_qualifier = serializers.SerializerMethodField()
    teu_covered_by = serializers.SerializerMethodField()

    class Meta:
        model = Node
        geo_field = "geom"
        id_field = "code"
        fields = NODE_FIELDS  # the database-written layer's (geo.services.layers)

    def _coverage(self, obj: Node):
        return self.context.get("coverage", {}).get(obj.code)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_coverage_score(self, obj: Node) -> float | None:
        cov = self._coverage(obj)
        return cov.score if cov else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_coverage_assessed(self, obj: Node) -> bool:
        cov = self._coverage(obj)
        return bool(cov and cov.assessed)

    def _latest(self, obj: Node) -> dict[str, Any]:
        found: dict[str, Any] = self.context.get("latest_teu", {}).get(obj.code) or {}
        return found

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_latest_teu(self, obj: Node) -> float | None:
        """The node's own newest complete year of container throughput (never its
        group's: see `teu_covered_by`)."""
        value = self._latest(obj).get("value")
        return float(value) if value else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_latest_teu_year(self, obj: Node) -> int | None:
        year: int | None = self._latest(obj).get("year")
        return year

    @extend_schema_field(OpenApiTypes.STR)
    def get_latest_teu_qualifier(self, obj: Node) -> str:
        """ ">=" (at least) or "~" (about) when the figure was so reported."""
        return str(self._latest(obj).get("qualifier") or "")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_teu_covered_by(self, obj: Node) -> str | None:
        """A member without a figure of its own: the group whose figure counts it."""
        group: str | None = self._latest(obj).get("covered_by")
        return group


class NodeServiceSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    since = serializers.CharField(
        read_only=True, default="", help_text="the date of the statement that set the level"
    )
    category_name_en = serializers.CharField(source="category.name_en", read_only=True)
    category_name_zh = serializers.CharField(source="category.name_zh", read_only=True)

    class Meta:
        model = NodeService
        fields = [
            "category",
            "category_name_en",
            "category_name_zh",
            "level",
            "since",
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
        """The current services, each at the level the evidence gives today (`level`, set
        by the statement of `since`; geo.services.coverage, as every page shows it)."""
        rows = obj.services.current().select_related("category").order_by("category__order")
        stated = self._coverage(obj)
        out = []
        for row in NodeServiceSerializer(rows, many=True).data:
            now = stated.services.get(row["category"]) if stated else None
            out.append(
                {**row, "level": now.level if now else "none", "since": now.since if now else ""}
            )
        return out

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_routes(self, obj: Node) -> list[str]:
        return node_routes(obj)


class EvidenceSerializer(serializers.ModelSerializer):
    """A dated, sourced statement about a node's digital service."""

    node = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ServiceEvidence
        fields = [
            "node",
            "category",
            "level",
            "as_of",
            "confidence",
            "source_url",
            "summary",
        ]


class ServiceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = DigitalServiceCategory
        fields = ["code", "name_en", "name_zh", "description", "weight", "applies_to", "order"]


class GeofenceSerializer(GeoFeatureModelSerializer):
    """A fence (Polygon, EPSG:4326) as a GeoJSON Feature. Writing takes a Feature (fields
    in `properties`, the polygon in `geometry`) or a plain object of fields (the polygon in
    `geometry` or `geom`); every field given is applied, in a new version. A field that
    cannot be written is refused by name (read-only fields may be sent back unchanged)."""

    node = serializers.SlugRelatedField(slug_field="code", queryset=Node.objects.all())
    origin = serializers.CharField(read_only=True)

    class Meta:
        model = Geofence
        geo_field = "geom"
        id_field = False
        fields = FENCES.fields  # the database-written layer's (geo.services.layers)
        read_only_fields = ["version", "valid_from", "valid_to"]

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["a GeoJSON Feature or an object of fields"]}
            )
        if data.get("type") == "Feature":
            extra = set(data) - {"type", "geometry", "properties", "id", "bbox"}
            properties = data.get("properties") or {}
            if not isinstance(properties, dict):
                raise serializers.ValidationError({"properties": ["an object"]})
            flat = dict(properties)
            if "geometry" in data:
                flat["geom"] = data["geometry"]
        else:
            extra = set()
            flat = dict(data)
            if "geometry" in flat:
                if "geom" in flat:
                    raise serializers.ValidationError({"geometry": ["give geometry or geom"]})
                flat["geom"] = flat.pop("geometry")
        errors = {name: ["not a member of a GeoJSON Feature"] for name in extra}
        current = self.to_representation(self.instance)["properties"] if self.instance else {}
        for name in list(flat):
            field = self.fields.get(name)
            if field is None:
                errors[name] = ["unknown field"]
            elif field.read_only:
                if self.instance is None or current.get(name) != flat[name]:
                    errors[name] = ["read-only"]
                flat.pop(name)
        if errors:
            raise serializers.ValidationError(errors)
        return serializers.ModelSerializer.to_internal_value(self, flat)
