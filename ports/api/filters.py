"""Filters of the ports API."""

from datetime import date

import django_filters
from django.db.models import Q

from core.api.filters import UtcDateTimeFilter, mmsi_filter

from ..choices import Metric, PeriodKind, ShipTypeGroup, Source, Status
from ..models import PortCall, ThroughputReport, VesselLatest

MAX_SEEN_WITHIN_MIN = 366 * 24 * 60


class ThroughputFilter(django_filters.FilterSet):
    node = django_filters.CharFilter(field_name="node__code")
    metric = django_filters.MultipleChoiceFilter(choices=Metric.choices)
    source = django_filters.MultipleChoiceFilter(choices=Source.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    period_kind = django_filters.MultipleChoiceFilter(choices=PeriodKind.choices)
    year = django_filters.NumberFilter(
        method="filter_year", min_value=1990, max_value=2100, help_text="Periods overlapping it"
    )

    class Meta:
        model = ThroughputReport
        fields = ["node", "metric", "source", "status", "period_kind", "year"]

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.between(date(year, 1, 1), date(year, 12, 31))


class VesselLatestFilter(django_filters.FilterSet):
    ship_type = django_filters.MultipleChoiceFilter(
        choices=ShipTypeGroup.choices,
        method="filter_type",
        help_text="Ship type groups (repeat for several)",
    )
    seen_within = django_filters.NumberFilter(
        method="filter_seen",
        min_value=0,
        max_value=MAX_SEEN_WITHIN_MIN,
        help_text="Only vessels reporting in the last N minutes (at most a year)",
    )
    mmsi = mmsi_filter(field_name="vessel_id")

    class Meta:
        model = VesselLatest
        fields = ["ship_type", "seen_within", "mmsi"]

    def filter_type(self, queryset, name, value):
        return queryset.of_type_group(*value)

    def filter_seen(self, queryset, name, value):
        return queryset.seen_within(float(value))


class PortCallFilter(django_filters.FilterSet):
    port = django_filters.CharFilter(field_name="node__code")
    mmsi = mmsi_filter(field_name="vessel_id")
    start = UtcDateTimeFilter(method="filter_start", help_text="calls still in port at or after")
    end = UtcDateTimeFilter(
        field_name="arrival_at", lookup_expr="lt", help_text="calls arrived before"
    )
    open = django_filters.BooleanFilter(field_name="departure_at", lookup_expr="isnull")

    class Meta:
        model = PortCall
        fields = ["port", "mmsi", "start", "end", "open"]

    def filter_start(self, queryset, name, value):
        return queryset.filter(Q(departure_at__gte=value) | Q(departure_at__isnull=True))
