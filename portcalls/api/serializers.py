"""Serializers of the port-call API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import DetectionRule, PortCall
from ..services.calls import hours_in_port, rule_in_words, wait_hours


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


class PortCallTableSerializer(serializers.ModelSerializer):
    """A row of a port's table of calls (UTC times; hours)."""

    mmsi = serializers.IntegerField(source="vessel_id", read_only=True)
    vessel_name = serializers.CharField(source="vessel.name", read_only=True)
    wait_h = serializers.SerializerMethodField()
    stay_h = serializers.SerializerMethodField()

    class Meta:
        model = PortCall
        fields = [
            "stable_id",
            "mmsi",
            "vessel_name",
            "arrival_at",
            "berth_start_at",
            "departure_at",
            "wait_h",
            "stay_h",
        ]

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_wait_h(self, call: PortCall) -> float | None:
        return wait_hours(call)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_stay_h(self, call: PortCall) -> float | None:
        return hours_in_port(call)
