"""Filters shared by the API views."""

from rest_framework_gis.filters import InBBoxFilter


class BBoxFilter(InBBoxFilter):
    """`?bbox=west,south,east,north` in lon/lat degrees (WGS84)."""

    bbox_param = "bbox"
