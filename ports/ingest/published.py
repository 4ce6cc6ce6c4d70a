"""Parser for published throughput figures (pure, no Django)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from core.ingest.errors import LayerError
from core.ingest.tables import parse_choice, parse_code, parse_url, read_rows, require

METRICS = {"teu", "tonnes", "trains", "rail_teu", "sailings"}
PERIOD_KINDS = {"year", "quarter", "month", "partial"}
QUALIFIERS = {"", ">=", "~"}
COLUMNS = [
    "node",
    "metric",
    "period_kind",
    "period_start",
    "period_end",
    "value",
    "qualifier",
    "reporting_entity",
    "source_url",
    "note",
]


@dataclass(frozen=True)
class PublishedFigureRow:
    row: int
    node: str
    metric: str
    period_kind: str
    period_start: date
    period_end: date
    value: Decimal
    qualifier: str
    reporting_entity: str
    source_url: str
    note: str


def parse_date(name: str, row: int, field: str, value: str) -> date:
    try:
        return date.fromisoformat(require(name, row, field, value))
    except ValueError as exc:
        raise LayerError(name, f"'{value}' is not a date (YYYY-MM-DD)", row, field) from exc


def parse_value(name: str, row: int, field: str, value: str) -> Decimal:
    try:
        number = Decimal(require(name, row, field, value).replace(",", ""))
    except InvalidOperation as exc:
        raise LayerError(name, f"'{value}' is not a number", row, field) from exc
    if not number.is_finite() or number < 0:
        raise LayerError(name, f"'{value}' must be a number >= 0", row, field)
    return number


def parse_published(path: Path) -> Iterator[PublishedFigureRow]:
    name = path.name
    for row, r in read_rows(path, COLUMNS):
        start = parse_date(name, row, "period_start", r["period_start"])
        end = parse_date(name, row, "period_end", r["period_end"])
        if end < start:
            raise LayerError(name, "period_end is before period_start", row, "period_end")
        yield PublishedFigureRow(
            row=row,
            node=parse_code(name, row, "node", r["node"]),
            metric=parse_choice(name, row, "metric", r["metric"], METRICS),
            period_kind=parse_choice(name, row, "period_kind", r["period_kind"], PERIOD_KINDS),
            period_start=start,
            period_end=end,
            value=parse_value(name, row, "value", r["value"]),
            qualifier=parse_choice(name, row, "qualifier", r["qualifier"], QUALIFIERS),
            reporting_entity=require(name, row, "reporting_entity", r["reporting_entity"]),
            source_url=require(
                name, row, "source_url", parse_url(name, row, "source_url", r["source_url"])
            ),
            note=r["note"],
        )
