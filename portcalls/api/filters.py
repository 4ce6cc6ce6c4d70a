"""Filters of the port-call API."""

import django_filters
from django.db.models import Q

from core.api.filters import UtcDateTimeFilter, mmsi_filter

from ..models import PortCall


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
