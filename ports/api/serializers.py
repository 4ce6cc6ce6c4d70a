"""Serializers of the ports API."""

from rest_framework import serializers

from ..models import ThroughputReport


class ThroughputSerializer(serializers.ModelSerializer):
    node = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ThroughputReport
        fields = [
            "id",
            "node",
            "period_kind",
            "period_start",
            "period_end",
            "metric",
            "flow",
            "cargo_class",
            "value",
            "qualifier",
            "source",
            "source_url",
            "reporting_entity",
            "status",
            "note",
            "created_at",
        ]
