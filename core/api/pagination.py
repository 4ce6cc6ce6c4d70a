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
