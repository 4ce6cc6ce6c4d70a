"""The range of moments any input may name (core.ingest.tables.FIRST_YEAR..LAST_YEAR),
for every surface: API parameters, export filters."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime

from core.ingest.tables import FIRST_YEAR, LAST_YEAR

EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR, 1, 1, tzinfo=UTC)


def utc_datetime(raw: str) -> datetime:
    """An ISO 8601 date-time with a time zone, within range, as UTC; ValueError saying
    what is wrong otherwise."""
    try:
        value = parse_datetime(raw)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"not a valid date-time: {exc}") from exc
    if value is None or value.tzinfo is None:
        raise ValueError("an ISO 8601 date-time with a time zone")
    try:
        value = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("out of range") from exc
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value
