"""Pagination with a ceiling: a caller cannot ask for more than `max_limit` rows a page."""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` (default 500, at most 1000) and `?offset=`."""

    default_limit = 500
    max_limit = 1000
