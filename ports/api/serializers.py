"""Serializers of the ports API (throughput figures)."""

from rest_framework import serializers

from ..models import ThroughputReport


class ThroughputSerializer(serializers.ModelSerializer):
    node = serializers.SlugRelatedField(slug_field="code", read_only=True)
    submitted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    reviewed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

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


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
