"""Serializers of the AIS API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..choices import ship_type_group
from ..models import AisSource, Vessel, VesselLatest
from ..services.layers import VESSELS


class VesselLatestSerializer(GeoFeatureModelSerializer):
    """A vessel's newest position (Point, EPSG:4326); speeds knots, angles degrees."""

    mmsi = serializers.IntegerField(source="vessel_id", read_only=True)
    name = serializers.CharField(source="vessel.name", read_only=True)
    ship_type = serializers.IntegerField(source="vessel.ship_type", read_only=True, allow_null=True)
    ship_type_group = serializers.SerializerMethodField()

    class Meta:
        model = VesselLatest
        geo_field = "geom"
        id_field = False
        fields = VESSELS.fields  # the database-written layer's (ais.services.layers)

    @extend_schema_field(serializers.CharField())
    def get_ship_type_group(self, obj: VesselLatest) -> str:
        return ship_type_group(obj.vessel.ship_type)


class VesselSerializer(serializers.ModelSerializer):
    """Static data of a vessel (dimensions metres, draught metres) and its last report."""

    ship_type_group = serializers.SerializerMethodField()
    last_seen_at = serializers.DateTimeField(source="latest.ts", read_only=True, default=None)

    class Meta:
        model = Vessel
        fields = [
            "mmsi",
            "imo",
            "name",
            "callsign",
            "ship_type",
            "ship_type_group",
            "ais_class",
            "length_m",
            "beam_m",
            "draught_m",
            "destination",
            "first_seen_at",
            "static_at",
            "last_seen_at",
        ]

    @extend_schema_field(serializers.CharField())
    def get_ship_type_group(self, obj: Vessel) -> str:
        return ship_type_group(obj.ship_type)


class AisSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AisSource
        fields = ["name", "last_message_at", "last_received_at", "positions", "static_reports"]
