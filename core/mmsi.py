"""The MMSI check every surface uses (a map click, an export filter, an API filter): a
Maritime Mobile Service Identity is a whole number of nine digits at most, above zero."""

from __future__ import annotations

from typing import Any

MAX_MMSI = 999_999_999


def parse_mmsi(value: Any) -> int | None:
    """An MMSI from a number or a string of digits; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        mmsi = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        mmsi = int(value.strip())
    else:
        return None
    return mmsi if 0 < mmsi <= MAX_MMSI else None
