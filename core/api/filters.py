"""Filters shared by the API views; bad values are 400s naming the parameter."""

from __future__ import annotations

import math

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ParseError
from rest_framework_gis.filters import InBBoxFilter

from core.mmsi import MAX_MMSI

from .params import utc_datetime


class BBoxFilter(InBBoxFilter):
    """`?bbox=west,south,east,north` in lon/lat degrees (WGS84): four finite numbers in
    range, west <= east and south <= north."""

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if not raw:
            return None
        try:
            west, south, east, north = (float(v) for v in raw.split(","))
        except ValueError as exc:
            raise ParseError("bbox: four numbers, west,south,east,north") from exc
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise ParseError("bbox: finite numbers")
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise ParseError("bbox: lon -180..180, lat -90..90, west <= east, south <= north")
        return super().get_filter_bbox(request)


class UtcDateTimeField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return utc_datetime(str(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


@extend_schema_field(OpenApiTypes.DATETIME)
class UtcDateTimeFilter(django_filters.Filter):
    """An ISO 8601 date-time with a time zone, within the API's date range."""

    field_class = UtcDateTimeField


def mmsi_filter(**kwargs) -> django_filters.NumberFilter:
    """An MMSI: nine digits at most."""
    return django_filters.NumberFilter(min_value=0, max_value=MAX_MMSI, **kwargs)
