"""Filters of the ports API (throughput figures)."""

from datetime import date

import django_filters

from ..choices import Metric, PeriodKind, Source, Status
from ..models import ThroughputReport


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
