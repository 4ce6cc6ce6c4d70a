"""Filters of the corridors API."""

import django_filters

from ..choices import Mode
from ..models import RouteSegment


class RouteSegmentFilter(django_filters.FilterSet):
    route = django_filters.CharFilter(field_name="route__code")
    mode = django_filters.MultipleChoiceFilter(choices=Mode.choices)
    schematic = django_filters.BooleanFilter()
    branch = django_filters.BooleanFilter()

    class Meta:
        model = RouteSegment
        fields = ["route", "mode", "schematic", "branch"]
