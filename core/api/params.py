"""Query parameters shared by the API views, checked before any work is done: a bad value
is a 400 naming the parameter, never a 500.

Dates and date-times must lie in [EARLIEST, LATEST] (the corridor's data begins in the
2010s; far-off values are mistakes or probes); windows have a maximum length per endpoint.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from rest_framework.exceptions import ValidationError

from core import limits
from core.dates import EARLIEST, LATEST, utc_datetime


def _raw(request, name: str) -> str | None:
    raw = request.query_params.get(name)
    return raw.strip() if raw and raw.strip() else None


def parse_utc_datetime(raw: str, name: str) -> datetime:
    """`utc_datetime`, refusing a bad value with a 400 naming the parameter."""
    try:
        return utc_datetime(raw)
    except ValueError as exc:
        raise ValidationError({name: str(exc)}) from exc


def datetime_param(request, name: str, default: datetime | None) -> datetime | None:
    """An ISO 8601 date-time with a time zone (within range), or `default` when absent."""
    raw = _raw(request, name)
    return default if raw is None else parse_utc_datetime(raw, name)


def date_param(request, name: str, default: date) -> date:
    """A date (YYYY-MM-DD, within range), or `default` when absent."""
    raw = _raw(request, name)
    if raw is None:
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({name: "a date, YYYY-MM-DD"}) from exc
    if not EARLIEST.date() <= value <= LATEST.date():
        raise ValidationError({name: f"between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"})
    return value


def int_param(request, name: str, default: int, low: int, high: int) -> int:
    """A whole number in [low, high], or `default` when absent."""
    raw = _raw(request, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationError({name: "a whole number"}) from exc
    if not low <= value <= high:
        raise ValidationError({name: f"between {low} and {high}"})
    return value


def float_values(request, name: str, low: float, high: float, most: int = 12) -> list[float]:
    """Every value of a repeated number parameter, each finite and in [low, high]."""
    values = []
    for raw in request.query_params.getlist(name)[: most + 1]:
        try:
            value = float(raw)
        except ValueError as exc:
            raise ValidationError({name: "numbers"}) from exc
        if not math.isfinite(value) or not low <= value <= high:
            raise ValidationError({name: f"numbers between {low:g} and {high:g}"})
        values.append(value)
    if len(values) > most:
        raise ValidationError({name: f"at most {most} values"})
    return values


def check_window(start: date | datetime, end: date | datetime, max_days: float) -> None:
    """`start` not after `end`, and at most `max_days` apart (core.limits.check_window, the
    services' own check, as a 400)."""
    try:
        limits.check_window(start, end, max_days)
    except limits.WindowRefused as exc:
        raise ValidationError({exc.field: str(exc)}) from exc
