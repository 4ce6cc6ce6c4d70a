"""Response schemas of the answers no model serializer describes (figures, layers written by
the database, batch results), for drf-spectacular: every endpoint's answer is typed in the
committed OpenAPI (a test checks it), so a client generated from it knows every field.

Each builder makes a fresh serializer (a field is bound to one parent); the same name gives
the same component.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers as s

Fields = dict[str, s.Field]


def _nullable_float() -> s.FloatField:
    return s.FloatField(allow_null=True)


class GeoJsonGeometrySerializer(s.Serializer):  # type: ignore[type-arg]
    type = s.CharField(help_text="Point, LineString, Polygon, Multi...")
    coordinates = s.ListField(child=s.JSONField(), help_text="lon, lat (EPSG:4326)")


class ComparisonSerializer(s.Serializer):  # type: ignore[type-arg]
    change = s.FloatField(allow_null=True, help_text="a fraction; like for like only")
    qualifier = s.CharField(help_text='">=" or "~" when a figure was so reported')
    reason = s.CharField(help_text="why not comparable, when not")


class FigureFindingSerializer(s.Serializer):  # type: ignore[type-arg]
    row = s.IntegerField(allow_null=True)
    column = s.CharField()
    value = s.CharField()
    message = s.CharField()
    code = s.CharField()
    warning = s.BooleanField()


class ThroughputTotalSerializer(s.Serializer):  # type: ignore[type-arg]
    start = s.DateField()
    end = s.DateField()
    value = s.FloatField(allow_null=True)
    qualifier = s.CharField()
    partial = s.BooleanField()
    months = s.ListField(child=s.CharField())
    covers = s.CharField()
    nodes = s.ListField(child=s.CharField())
    covered_by = s.CharField(allow_null=True)
    sources = s.ListField(child=s.CharField())
    parts = s.ListField(child=s.DictField())


class NodeThroughputTotalSerializer(ThroughputTotalSerializer):
    node = s.CharField()


def geometry() -> s.Serializer:  # type: ignore[type-arg]
    return GeoJsonGeometrySerializer()


def feature_collection(name: str, properties: Callable[[], Fields], **members: s.Field) -> Any:
    """A GeoJSON FeatureCollection whose features carry `properties()` (and top-level
    `members`, e.g. a count)."""
    return inline_serializer(
        name,
        {
            "type": s.CharField(default="FeatureCollection"),
            **members,
            "features": s.ListField(
                child=inline_serializer(
                    f"{name}Feature",
                    {
                        "type": s.CharField(default="Feature"),
                        "geometry": geometry(),
                        "properties": inline_serializer(f"{name}Properties", properties()),
                    },
                )
            ),
        },
    )


def comparison() -> s.Serializer:  # type: ignore[type-arg]
    return ComparisonSerializer()


class ThroughputTotalsSerializer(ThroughputTotalSerializer):
    previous = ThroughputTotalSerializer()
    last_year = ThroughputTotalSerializer()
    vs_previous = ComparisonSerializer()
    vs_last_year = ComparisonSerializer()
    per_node = NodeThroughputTotalSerializer(many=True)


def throughput_totals() -> s.Serializer:  # type: ignore[type-arg]
    return ThroughputTotalsSerializer()


def headline() -> s.Serializer:
    figure = inline_serializer(
        "HeadlineFigure",
        {
            "key": s.ChoiceField(["teu", "tonnes", "trains", "calls", "wait", "coverage"]),
            "value": _nullable_float(),
            "previous": _nullable_float(),
            "last_year": _nullable_float(),
            "vs_previous": comparison(),
            "vs_last_year": comparison(),
            "qualifier": s.CharField(),
            "covers": s.CharField(),
            "partial": s.BooleanField(),
            "sources": s.ListField(child=s.CharField()),
        },
    )
    return inline_serializer(
        "Headline",
        {
            "first": s.DateField(),
            "last": s.DateField(),
            "figures": s.ListField(child=figure),
            "official": s.IntegerField(),
            "pending": s.IntegerField(),
            "estimated": s.IntegerField(),
        },
    )


def _kpi_fields() -> Fields:
    return {
        "period": s.DateField(),
        "trains_run": s.IntegerField(),
        "cancelled": s.IntegerField(),
        "planned": s.IntegerField(),
        "teu": s.IntegerField(),
        "arrived": s.IntegerField(),
        "transit_median_h": _nullable_float(),
        "transit_p90_h": _nullable_float(),
        "on_time": s.IntegerField(),
        "punctuality": _nullable_float(),
        "punctuality_original": _nullable_float(),
        "threshold_min": s.IntegerField(),
    }


def route_kpis() -> s.Serializer:
    return inline_serializer(
        "RouteKpis",
        {
            "route": s.CharField(),
            "by": s.ChoiceField(["week", "day"]),
            "start": s.DateField(),
            "end": s.DateField(),
            "periods": s.ListField(child=inline_serializer("PeriodKpi", _kpi_fields())),
        },
    )


def node_rail_teu() -> s.Serializer:
    return inline_serializer(
        "NodeRailTeu",
        {
            "node": s.CharField(),
            "by": s.ChoiceField(["week", "day"]),
            "periods": s.ListField(
                child=inline_serializer(
                    "RailTeuPeriod",
                    {
                        "period": s.DateField(),
                        "teu_in": s.IntegerField(),
                        "teu_out": s.IntegerField(),
                    },
                )
            ),
        },
    )


def port_metrics() -> s.Serializer:
    day = inline_serializer(
        "PortDay",
        {
            "date": s.DateField(),
            "arrivals": s.IntegerField(),
            "departures": s.IntegerField(),
            "calls_by_type": s.DictField(child=s.IntegerField()),
            "median_hours_in_port": _nullable_float(),
            "median_anchorage_wait_h": _nullable_float(),
            "queue": s.IntegerField(help_text="most vessels waiting at anchor at once"),
            "baseline": inline_serializer(
                "PortBaseline",
                {
                    "kind": s.ChoiceField(["same_period_last_year", "rolling"]),
                    "days": s.IntegerField(help_text="days of data it holds (0: no baseline)"),
                    "min_days": s.IntegerField(
                        help_text="days it needs before it is shown and congestion judged"
                    ),
                    "arrivals_mean": _nullable_float(),
                    "queue_mean": _nullable_float(),
                    "queue_p90": _nullable_float(),
                },
            ),
            "arrivals_deviation_pct": _nullable_float(),
            "congested": s.BooleanField(),
        },
    )
    return inline_serializer(
        "PortMetrics",
        {"port": s.CharField(), "days": s.ListField(child=day), "at_anchor_now": s.IntegerField()},
    )


def port_sensitivity() -> Any:
    """The official rule's calls and each variant's over the window."""
    return inline_serializer(
        "PortSensitivity",
        {
            "port": s.CharField(),
            "start": s.DateTimeField(),
            "end": s.DateTimeField(),
            "variants": inline_serializer(
                "RuleSensitivity",
                {
                    "rule": s.DictField(child=s.FloatField(), help_text="the rule's values"),
                    "official": s.BooleanField(),
                    "calls": s.IntegerField(),
                    "median_anchorage_wait_h": _nullable_float(),
                },
                many=True,
            ),
        },
    )


def port_transfer() -> s.Serializer:
    return inline_serializer(
        "PortTransfer",
        {
            "port": s.CharField(),
            "start": s.DateTimeField(),
            "end": s.DateTimeField(),
            "threshold_h": s.FloatField(),
            "rules": s.ListField(child=s.CharField()),
            "weeks": s.ListField(child=s.DictField()),
            "excluded": s.DictField(child=s.IntegerField()),
            "hours": s.DictField(child=s.DictField()),
        },
    )


def validation_errors() -> s.Serializer:
    """DRF's 400: each field at fault with its messages."""
    return inline_serializer(
        "ValidationErrors",
        {"detail": s.CharField(required=False), "errors": s.DictField(required=False)},
    )


def figure_refusal() -> s.Serializer:
    def finding() -> s.Serializer:  # type: ignore[type-arg]
        return FigureFindingSerializer()

    return inline_serializer(
        "FigureRefusal",
        {
            "detail": s.CharField(required=False),
            "errors": s.ListField(child=finding(), required=False),
            "warnings": s.ListField(child=finding(), required=False),
            "needs_confirmation": s.BooleanField(required=False),
        },
        help_text="a refused batch (every row's errors), or a malformed request's fields",
    )


def live_vessel_properties() -> Fields:
    return {
        "mmsi": s.IntegerField(),
        "name": s.CharField(),
        "g": s.CharField(help_text="ship type group"),
        "sog": s.FloatField(allow_null=True, help_text="knots"),
        "dir": s.FloatField(allow_null=True, help_text="heading, else course (degrees)"),
        "ts": s.IntegerField(help_text="unix seconds"),
    }


def track_properties() -> Fields:
    """The LineString's (mmsi, start, end, points) or a Point's (ts, speed, course...)."""
    return {
        "mmsi": s.IntegerField(required=False),
        "start": s.DateTimeField(required=False),
        "end": s.DateTimeField(required=False),
        "points": s.IntegerField(required=False),
        "ts": s.DateTimeField(required=False),
        "sog_kn": s.FloatField(required=False, allow_null=True),
        "cog_deg": s.FloatField(required=False, allow_null=True),
        "heading_deg": s.IntegerField(required=False, allow_null=True),
        "nav_status": s.IntegerField(required=False, allow_null=True),
    }


def live_train_properties() -> Fields:
    return {
        "id": s.IntegerField(),
        "train": s.CharField(),
        "date": s.DateField(),
        "route": s.CharField(),
        "origin": s.CharField(),
        "destination": s.CharField(),
        "delay_min": s.IntegerField(),
        "threshold_min": s.IntegerField(),
        "delay_class": s.ChoiceField(["on_time", "late", "very_late"]),
        "colour": s.CharField(),
        "next": s.CharField(),
    }


def basemap_properties() -> Fields:
    return {
        "name": s.CharField(),
        "name_zh": s.CharField(required=False, help_text="standard Chinese name"),
        "kind": s.CharField(required=False, help_text="of a place name: country, island, region"),
    }


class DetailErrorSerializer(s.Serializer):  # type: ignore[type-arg]
    """A refusal said in one sentence (DRF's 401, 404 and parse errors)."""

    detail = s.CharField()


def detail_error() -> type[DetailErrorSerializer]:
    return DetailErrorSerializer
