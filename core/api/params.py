"""Query parameters shared by the API views: dates and time-zone-aware date-times."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError


def datetime_param(request, name: str, default: datetime | None) -> datetime | None:
    """An ISO 8601 date-time with a time zone, or `default` when absent."""
    raw = request.query_params.get(name)
    if not raw:
        return default
    value = parse_datetime(raw)
    if value is None or value.tzinfo is None:
        raise ValidationError({name: "an ISO 8601 date-time with a time zone"})
    return value


def date_param(request, name: str, default: date) -> date:
    """A date (YYYY-MM-DD), or `default` when absent."""
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({name: "a date, YYYY-MM-DD"}) from exc
