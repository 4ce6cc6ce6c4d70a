"""Filters of the ports API."""

from datetime import date

import django_filters

from ..choices import Metric, PeriodKind, ShipTypeGroup, Source, Status
from ..models import ThroughputReport, VesselLatest


class ThroughputFilter(django_filters.FilterSet):
    node = django_filters.CharFilter(field_name="node__code")
    metric = django_filters.MultipleChoiceFilter(choices=Metric.choices)
    source = django_filters.MultipleChoiceFilter(choices=Source.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    period_kind = django_filters.MultipleChoiceFilter(choices=PeriodKind.choices)
    year = django_filters.NumberFilter(method="filter_year", help_text="Periods overlapping it")

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
        method="filter_seen", help_text="Only vessels reporting in the last N minutes"
    )
    mmsi = django_filters.NumberFilter(field_name="vessel_id")

    class Meta:
        model = VesselLatest
        fields = ["ship_type", "seen_within", "mmsi"]

    def filter_type(self, queryset, name, value):
        return queryset.of_type_group(*value)

    def filter_seen(self, queryset, name, value):
        return queryset.seen_within(float(value))
