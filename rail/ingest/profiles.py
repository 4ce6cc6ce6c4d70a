"""Rail and container events from another system's CSV export (a railway's, 95306's, a
terminal's) through a column mapping saved once (core.models.ColumnProfile, kind "rail"):
headers (Chinese included) to the event fields, the export's words to the event's values
(到达 -> arrival, 装车 -> load, a station's name -> its location), its time and date
formats and time zone. Each row becomes the object `parse_event` reads, so the checks are
the same as for JSON lines. Pure (no Django).

Mapping: {"columns": {field: header}, "values": {field: {word: value}},
"defaults": {field: value}, "time_format": "iso" | strptime, "date_format": "iso" | strptime,
"tz": "Asia/Shanghai", "location_scheme": "node" | "station" | "unlocode", "delimiter": ","}.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.profiles import common_problems

from .events import DEFAULT_TZ, SCHEMES, EventError

FIELDS = (
    "event", "train", "service_date", "location", "classifier", "actual", "booked",
    "original", "tz", "service_type", "origin", "destination", "route", "delay_cause",
    "wagons", "teu", "containers", "source", "message_id", "revision", "retract",
    "container", "at", "vessel_mmsi",
)  # fmt: skip
TIMES = ("actual", "booked", "original", "at")
LOCATIONS = ("location", "origin", "destination")


def check_mapping(mapping: Any) -> list[str]:
    """What is wrong with a rail profile (each problem names its key)."""
    problems, columns = common_problems(mapping, FIELDS, ("time_format", "date_format"), ("iso",))
    if not columns:
        return problems
    defaults = mapping.get("defaults") or {}
    if not isinstance(defaults, Mapping) or set(defaults) - set(FIELDS):
        problems.append("defaults: an object of field -> value, of known fields")
    if "event" not in columns and "event" not in defaults:
        problems.append("columns: event must be mapped (or given in defaults)")
    values = mapping.get("values") or {}
    if not isinstance(values, Mapping) or not all(isinstance(v, Mapping) for v in values.values()):
        problems.append("values: an object of field -> {word: value}")
    try:
        ZoneInfo(str(mapping.get("tz") or DEFAULT_TZ))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append("tz: a time zone name (Asia/Shanghai)")
    if mapping.get("location_scheme", "node") not in SCHEMES:
        problems.append(f"location_scheme: one of {', '.join(SCHEMES)}")
    return problems


def _time(raw: str, fmt: str, field: str) -> str:
    if fmt == "iso" or not raw:
        return raw
    try:
        return datetime.strptime(raw.strip(), fmt).isoformat()
    except ValueError as exc:
        raise EventError("bad time", f"{field}={raw!r} (expected {fmt})", field) from exc


def _date(raw: str, fmt: str) -> str:
    if fmt == "iso" or not raw:
        return raw
    try:
        return datetime.strptime(raw.strip(), fmt).date().isoformat()
    except ValueError as exc:
        raise EventError(
            "bad value", f"service_date={raw!r} (expected {fmt})", "service_date"
        ) from exc


def apply(row: Mapping[str, str], mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A CSV row (header -> text) as the event object parse_event reads; EventError
    (naming the field) for a value the mapping cannot read."""
    columns, values = mapping["columns"], mapping.get("values") or {}
    obj: dict[str, Any] = {k: v for k, v in (mapping.get("defaults") or {}).items()}
    for field, header in columns.items():
        raw = (row.get(header) or "").strip()
        if raw == "":
            continue
        words = values.get(field) or {}
        obj[field] = words.get(raw, raw)
    obj.setdefault("tz", mapping.get("tz") or DEFAULT_TZ)
    for field in TIMES:
        if isinstance(obj.get(field), str):
            obj[field] = _time(obj[field], mapping.get("time_format", "iso"), field)
    if isinstance(obj.get("service_date"), str):
        obj["service_date"] = _date(obj["service_date"], mapping.get("date_format", "iso"))
    scheme = mapping.get("location_scheme", "node")
    for field in LOCATIONS:
        if isinstance(obj.get(field), str) and ":" not in obj[field]:
            obj[field] = f"{scheme}:{obj[field]}"
    return obj


def iter_profile_csv(lines: Iterable[str], mapping: Mapping[str, Any]) -> Iterator[tuple[int, Any]]:
    """(line number, event object or EventError) of an export read through a profile; a
    header lacking a mapped column is one refusal naming the columns."""
    reader = csv.DictReader(lines, delimiter=mapping.get("delimiter", ","))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [h for h in mapping["columns"].values() if h not in header]
    if missing:
        yield 1, EventError("columns missing", ", ".join(missing), None)
        return
    for row in reader:
        if None in row:
            yield reader.line_num, EventError("malformed CSV row", "more fields than columns")
            continue
        try:
            yield reader.line_num, apply(row, mapping)
        except EventError as exc:
            yield reader.line_num, exc
