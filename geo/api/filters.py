"""Filters of the geo API."""

import django_filters

from ..choices import CoordQuality, NodeKind
from ..models import Node


class NodeFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=NodeKind.choices,
        method="filter_kind",
        help_text="Nodes having any of these roles (repeat the parameter for several).",
    )
    route = django_filters.CharFilter(method="filter_route", help_text="Route code, e.g. E")
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")
    coord_quality = django_filters.ChoiceFilter(choices=CoordQuality.choices)

    class Meta:
        model = Node
        fields = ["kind", "route", "country", "coord_quality"]

    def filter_kind(self, queryset, name, value):
        return queryset.of_kind(*value) if value else queryset

    def filter_route(self, queryset, name, value):
        return queryset.on_route(value) if value else queryset
