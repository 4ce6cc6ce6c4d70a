"""Filters of the AIS API."""

import django_filters

from core.api.filters import mmsi_filter

from ..choices import ShipTypeGroup
from ..models import VesselLatest

MAX_SEEN_WITHIN_MIN = 366 * 24 * 60


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
