"""Pagination with a ceiling: a caller cannot ask for more than `max_limit` rows a page."""

from django.core.paginator import InvalidPage
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework_gis.pagination import GeoJsonPagination as DrfGisGeoJsonPagination


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
    previous). A page-number pagination's rules as DRF applies them: 404 past the last
    page."""
    from rest_framework.exceptions import NotFound

    pagination.request = request
    paginator = pagination.django_paginator_class(queryset, pagination.get_page_size(request))
    number = pagination.get_page_number(request, paginator)
    try:
        pagination.page = paginator.page(number)
    except InvalidPage as exc:
        message = pagination.invalid_page_message.format(page_number=number, message=exc)
        raise NotFound(message) from None
    members = {
        "count": paginator.count,
        "next": pagination.get_next_link(),
        "previous": pagination.get_previous_link(),
    }
    return pagination.page.object_list, members


class GeoJsonPagination(DrfGisGeoJsonPagination):
    """drf-gis's page of features (`type`, `count`, `next`, `previous`, `features`), with
    the schema of what it writes: drf-gis documents DRF's `results` as required and nests
    the whole collection where its features go."""

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
