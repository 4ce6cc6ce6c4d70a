"""Pagination with a ceiling: a caller cannot ask for more than `max_limit` rows a page."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` (default 500, at most 1000) and `?offset=` (at most a billion)."""

    default_limit = 500
    max_limit = 1000
    max_offset = 1_000_000_000

    def get_offset(self, request):
        offset = super().get_offset(request)
        if offset > self.max_offset:
            raise ValidationError({self.offset_query_param: f"at most {self.max_offset}"})
        return offset


def page_of(pagination, queryset, request, view=None):
    """The rows of the asked-for page as a queryset, not yet read (for answers written by
    the database, core.geojson), with the page's envelope members (count, next,
    previous), by `?limit=` and `?offset=` as the pagination applies them."""
    pagination.request = request
    pagination.limit = pagination.get_limit(request)
    pagination.offset = pagination.get_offset(request)
    pagination.count = pagination.get_count(queryset)
    members = {
        "count": pagination.count,
        "next": pagination.get_next_link(),
        "previous": pagination.get_previous_link(),
    }
    rows = queryset[pagination.offset : pagination.offset + pagination.limit]
    return rows, members


class GeoJsonPagination(BoundedLimitOffsetPagination):
    """A page of features as a GeoJSON FeatureCollection with its envelope (`count`,
    `next`, `previous`): `?limit=` and `?offset=` as on every list, with a ceiling."""

    def get_paginated_response(self, data):
        from collections import OrderedDict

        from rest_framework.response import Response

        return Response(
            OrderedDict(
                [
                    ("type", "FeatureCollection"),
                    ("count", self.count),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("features", data["features"]),
                ]
            )
        )

    def get_paginated_response_schema(self, schema):
        reference = schema.get("$ref", "") if isinstance(schema, dict) else ""
        feature = (
            {"$ref": reference.removesuffix("List")}
            if reference.endswith("List")
            else schema.get("properties", {}).get("features", {}).get("items", {})
        )
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "count": {"type": "integer", "example": 123},
                "next": link,
                "previous": link,
                "features": {"type": "array", "items": feature},
            },
        }
