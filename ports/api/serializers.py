"""Serializers of the ports API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ..choices import ship_type_group
from ..models import (
    AisSource,
    DetectionRule,
    PortCall,
    ThroughputReport,
    Vessel,
    VesselLatest,
)
from ..services.portcalls import rule_in_words


class ThroughputSerializer(serializers.ModelSerializer):
    node = serializers.SlugRelatedField(slug_field="code", read_only=True)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ThroughputReport
        fields = [
            "id",
            "node",
            "period_kind",
            "period_start",
            "period_end",
            "metric",
            "unit",
            "trade",
            "direction",
            "cargo_class",
            "laden",
            "value",
            "qualifier",
            "source",
            "channel",
            "source_url",
            "reporting_entity",
            "status",
            "official",
            "current",
            "revision",
            "note",
            "reason",
            "submitted_by",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "created_at",
        ]


class FigureInSerializer(serializers.Serializer):
    """One figure as reported: `period` a month (2026-10), an ISO week (2026-W42) or a day
    (2026-10-15); `unit` must be the metric's (teu, tonnes, trains, sailings)."""

    node = serializers.CharField(max_length=32)
    period = serializers.CharField(max_length=10)
    metric = serializers.CharField(max_length=12)
    unit = serializers.CharField(max_length=8)
    value = serializers.CharField(max_length=40, help_text="a number >= 0, two decimals at most")
    trade = serializers.CharField(max_length=8, required=False, allow_blank=True)
    direction = serializers.CharField(max_length=13, required=False, allow_blank=True)
    cargo_class = serializers.CharField(max_length=12, required=False, allow_blank=True)
    laden = serializers.CharField(max_length=5, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class FigureSubmissionSerializer(serializers.Serializer):
    """A batch of figures, stored whole or not at all. Warnings (a value 3 times above or
    below the previous period's or last year's) must be confirmed with `confirm_warnings`."""

    figures = FigureInSerializer(many=True, allow_empty=False, max_length=10_000)
    confirm_warnings = serializers.BooleanField(default=False)


class VesselLatestSerializer(GeoFeatureModelSerializer):
    """A vessel's newest position (Point, EPSG:4326); speeds knots, angles degrees."""

    mmsi = serializers.IntegerField(source="vessel_id", read_only=True)
    name = serializers.CharField(source="vessel.name", read_only=True)
    ship_type = serializers.IntegerField(source="vessel.ship_type", read_only=True)
    ship_type_group = serializers.SerializerMethodField()

    class Meta:
        model = VesselLatest
        geo_field = "geom"
        id_field = False
        fields = [
            "mmsi",
            "name",
            "ship_type",
            "ship_type_group",
            "ts",
            "sog_kn",
            "cog_deg",
            "heading_deg",
            "nav_status",
            "msg_type",
            "source",
        ]

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


class DetectionRuleSerializer(serializers.ModelSerializer):
    """A port's detection rule; `summary` says it in plain words."""

    summary = serializers.SerializerMethodField()

    class Meta:
        model = DetectionRule
        fields = [
            "version",
            "speed_kn",
            "min_stay_s",
            "gap_timeout_s",
            "exit_hysteresis_m",
            "note",
            "valid_from",
            "valid_to",
            "summary",
        ]
        read_only_fields = ["version", "valid_from", "valid_to"]

    @extend_schema_field(serializers.CharField())
    def get_summary(self, obj: DetectionRule) -> str:
        return rule_in_words(obj)


class PortCallSerializer(serializers.ModelSerializer):
    """A port call (UTC times; `anchorage_wait_s` seconds)."""

    mmsi = serializers.IntegerField(source="vessel_id", read_only=True)
    vessel_name = serializers.CharField(source="vessel.name", read_only=True)
    port = serializers.CharField(source="node.code", read_only=True)
    rule_version = serializers.IntegerField(source="rule.version", read_only=True)

    class Meta:
        model = PortCall
        fields = [
            "stable_id",
            "mmsi",
            "vessel_name",
            "port",
            "rule_version",
            "arrival_at",
            "departure_at",
            "berth_start_at",
            "berth_end_at",
            "anchorage_start_at",
            "anchorage_end_at",
            "anchorage_wait_s",
        ]


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
