"""Parsers for the node, service-category and node-service tables (pure, no Django)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.ingest.errors import LayerError
from core.ingest.tables import (
    parse_choice,
    parse_code,
    parse_float,
    parse_int,
    parse_lon_lat,
    parse_url,
    read_rows,
    require,
)

NODE_KINDS = {
    "sea_port",
    "sea_terminal",
    "river_port",
    "rail_terminal",
    "rail_junction",
    "dry_port",
    "border_crossing_rail",
    "border_crossing_road",
    "logistics_hub",
    "port_group",
}
COORD_QUALITIES = {"surveyed", "approximate", "proxy"}
SERVICE_LEVELS = {"none", "partial", "full"}
UNLOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

NODE_COLUMNS = [
    "code",
    "name_en",
    "name_zh",
    "kinds",
    "lon",
    "lat",
    "coord_quality",
    "coord_basis",
    "unlocode",
    "unlocode_note",
    "country",
    "province",
    "group",
    "sources",
    "notes",
]
CATEGORY_COLUMNS = ["code", "name_en", "name_zh", "description", "weight", "applies_to", "order"]
NODE_SERVICE_COLUMNS = ["node", "category", "level", "since_year", "evidence_url", "note"]


@dataclass(frozen=True)
class NodeRow:
    row: int
    code: str
    name_en: str
    name_zh: str
    kinds: tuple[str, ...]
    lon: float
    lat: float
    coord_quality: str
    coord_basis: str
    unlocode: str
    unlocode_note: str
    country: str
    province: str
    group: str
    sources: str
    notes: str


@dataclass(frozen=True)
class CategoryRow:
    row: int
    code: str
    name_en: str
    name_zh: str
    description: str
    weight: float
    applies_to: tuple[str, ...]
    order: int


@dataclass(frozen=True)
class NodeServiceRow:
    row: int
    node: str
    category: str
    level: str
    since_year: int | None
    evidence_url: str
    note: str


def parse_kinds(name: str, row: int, field: str, value: str, optional: bool) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in value.split(";") if k.strip())
    if not kinds and not optional:
        raise LayerError(name, "at least one kind is required", row, field)
    for kind in kinds:
        parse_choice(name, row, field, kind, NODE_KINDS)
    return kinds


def parse_nodes(path: Path) -> Iterator[NodeRow]:
    name = path.name
    seen: set[str] = set()
    for row, r in read_rows(path, NODE_COLUMNS):
        code = parse_code(name, row, "code", r["code"])
        if code in seen:
            raise LayerError(name, f"node code '{code}' appears twice", row, "code")
        seen.add(code)
        lon, lat = parse_lon_lat(name, row, r["lon"], r["lat"])
        if r["unlocode"] and not UNLOCODE_RE.match(r["unlocode"]):
            raise LayerError(name, f"'{r['unlocode']}' is not a UN/LOCODE", row, "unlocode")
        if not COUNTRY_RE.match(r["country"]):
            raise LayerError(name, f"'{r['country']}' is not an ISO country code", row, "country")
        yield NodeRow(
            row=row,
            code=code,
            name_en=require(name, row, "name_en", r["name_en"]),
            name_zh=require(name, row, "name_zh", r["name_zh"]),
            kinds=parse_kinds(name, row, "kinds", r["kinds"], optional=False),
            lon=lon,
            lat=lat,
            coord_quality=parse_choice(
                name, row, "coord_quality", r["coord_quality"], COORD_QUALITIES
            ),
            coord_basis=r["coord_basis"],
            unlocode=r["unlocode"],
            unlocode_note=r["unlocode_note"],
            country=r["country"],
            province=r["province"],
            group=parse_code(name, row, "group", r["group"]) if r["group"] else "",
            sources=r["sources"],
            notes=r["notes"],
        )


def parse_categories(path: Path) -> Iterator[CategoryRow]:
    name = path.name
    for row, r in read_rows(path, CATEGORY_COLUMNS):
        code = require(name, row, "code", r["code"])
        if not re.match(r"^[a-z0-9_]+$", code):
            raise LayerError(name, f"'{code}' is not a category code (a-z, 0-9, _)", row, "code")
        weight = parse_float(name, row, "weight", r["weight"])
        if weight <= 0:
            raise LayerError(name, "weight must be greater than 0", row, "weight")
        yield CategoryRow(
            row=row,
            code=code,
            name_en=require(name, row, "name_en", r["name_en"]),
            name_zh=require(name, row, "name_zh", r["name_zh"]),
            description=r["description"],
            weight=weight,
            applies_to=parse_kinds(name, row, "applies_to", r["applies_to"], optional=True),
            order=parse_int(name, row, "order", r["order"]) or 0,
        )


def parse_node_services(path: Path) -> Iterator[NodeServiceRow]:
    name = path.name
    seen: set[tuple[str, str]] = set()
    for row, r in read_rows(path, NODE_SERVICE_COLUMNS):
        key = (r["node"], r["category"])
        if key in seen:
            raise LayerError(name, f"service {key} appears twice", row, "category")
        seen.add(key)
        year = parse_int(name, row, "since_year", r["since_year"], optional=True)
        if year is not None and not 1990 <= year <= 2100:
            raise LayerError(name, f"year {year} is out of range 1990..2100", row, "since_year")
        yield NodeServiceRow(
            row=row,
            node=parse_code(name, row, "node", r["node"]),
            category=require(name, row, "category", r["category"]),
            level=parse_choice(name, row, "level", r["level"], SERVICE_LEVELS),
            since_year=year,
            evidence_url=parse_url(name, row, "evidence_url", r["evidence_url"]),
            note=r["note"],
        )


EVIDENCE_COLUMNS = [
    "node_code",
    "category",
    "level",
    "as_of",
    "source_url",
    "quote_or_summary",
    "confidence",
]
EVIDENCE_LEVELS = {"operational": "full", "pilot": "partial"}
CONFIDENCE = ("high", "medium", "low")


@dataclass(frozen=True)
class EvidenceRow:
    """A dated, sourced statement that a node offers (or pilots) a digital service.
    `as_of` keeps the precision given (YYYY, YYYY-MM or YYYY-MM-DD); `year` is its year."""

    row: int
    node: str
    category: str
    level: str  # full or partial, as NodeService levels
    as_of: str
    year: int
    source_url: str
    summary: str
    confidence: str

    @property
    def confident(self) -> bool:
        """Low-confidence statements are shown as unverified, never scored."""
        return self.confidence in ("high", "medium")


def parse_service_evidence(path: Path) -> Iterator[EvidenceRow]:
    name = path.name
    for row, r in read_rows(path, EVIDENCE_COLUMNS):
        node = parse_code(name, row, "node_code", r["node_code"])
        category = r["category"].strip()
        if not re.match(r"^[a-z0-9_]{1,40}$", category):
            raise LayerError(name, f"bad category '{category[:40]}'", row, "category")
        level = EVIDENCE_LEVELS.get(r["level"].strip())
        if level is None:
            raise LayerError(name, f"level must be one of {sorted(EVIDENCE_LEVELS)}", row, "level")
        as_of = r["as_of"].strip()
        if not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", as_of):
            raise LayerError(name, "as_of must be YYYY, YYYY-MM or YYYY-MM-DD", row, "as_of")
        confidence = r["confidence"].strip()
        if confidence not in CONFIDENCE:
            raise LayerError(
                name, f"confidence must be one of {list(CONFIDENCE)}", row, "confidence"
            )
        url = parse_url(name, row, "source_url", r["source_url"])
        yield EvidenceRow(
            row=row,
            node=node,
            category=category,
            level=level,
            as_of=as_of,
            year=int(as_of[:4]),
            source_url=url,
            summary=r["quote_or_summary"].strip(),
            confidence=confidence,
        )


def services_from_evidence(
    evidence: Iterable[EvidenceRow], have: set[tuple[str, str]]
) -> list[NodeServiceRow]:
    """Node services the confident evidence supports, for (node, category) pairs `have`
    does not already hold: the level of the latest confident statement, since the year of
    the earliest, with the latest statement's source."""
    groups: dict[tuple[str, str], list[EvidenceRow]] = {}
    for e in evidence:
        if e.confident and (e.node, e.category) not in have:
            groups.setdefault((e.node, e.category), []).append(e)
    rows = []
    for (node, category), items in sorted(groups.items()):
        items.sort(key=lambda e: e.as_of)
        latest, earliest = items[-1], items[0]
        rows.append(
            NodeServiceRow(
                row=latest.row,
                node=node,
                category=category,
                level=latest.level,
                since_year=earliest.year,
                evidence_url=latest.source_url,
                note=f"{latest.summary} ({latest.confidence} confidence, {latest.as_of})"[:2000],
            )
        )
    return rows
