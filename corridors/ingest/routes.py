"""Parsers for the route and route-segment tables (pure, no Django)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.ingest.errors import LayerError
from core.ingest.tables import parse_choice, parse_code, parse_int, read_rows, require

MODES = {"rail", "sea", "river", "road"}
ROUTE_COLUMNS = [
    "code",
    "name_en",
    "name_zh",
    "modes",
    "description",
    "projects",
    "sources",
    "notes",
    "order",
    "attached",
]
SEGMENT_COLUMNS = ["route", "seq", "from", "to", "mode", "branch", "via", "notes"]
VIA_RE = re.compile(r"^(?P<name>.+?)\s+(?P<lon>-?\d+(?:\.\d+)?)\s+(?P<lat>-?\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class RouteRow:
    row: int
    code: str
    name_en: str
    name_zh: str
    modes: str
    description: str
    projects: str
    sources: str
    notes: str
    order: int
    attached: tuple[tuple[str, str], ...]
    """(node, anchor) pairs: nodes served by the route at the place of an anchor node."""


@dataclass(frozen=True)
class ViaPoint:
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class SegmentRow:
    row: int
    route: str
    seq: int
    from_node: str
    to_node: str
    mode: str
    branch: bool
    via: tuple[ViaPoint, ...]
    notes: str


def parse_routes(path: Path) -> Iterator[RouteRow]:
    name = path.name
    seen: set[str] = set()
    for row, r in read_rows(path, ROUTE_COLUMNS):
        code = parse_code(name, row, "code", r["code"], "route code")
        if code in seen:
            raise LayerError(name, f"route code '{code}' appears twice", row, "code")
        seen.add(code)
        attached = []
        for item in r["attached"].split():
            node, sep, anchor = item.partition("@")
            if not sep:
                raise LayerError(name, f"'{item}' is not NODE@ANCHOR", row, "attached")
            attached.append(
                (parse_code(name, row, "attached", node), parse_code(name, row, "attached", anchor))
            )
        yield RouteRow(
            row=row,
            code=code,
            name_en=require(name, row, "name_en", r["name_en"]),
            name_zh=require(name, row, "name_zh", r["name_zh"]),
            modes=require(name, row, "modes", r["modes"]),
            description=r["description"],
            projects=r["projects"],
            sources=r["sources"],
            notes=r["notes"],
            order=parse_int(name, row, "order", r["order"]) or 0,
            attached=tuple(attached),
        )


def parse_via(name: str, row: int, value: str) -> tuple[ViaPoint, ...]:
    points = []
    for part in (p.strip() for p in value.split(";") if p.strip()):
        match = VIA_RE.match(part)
        if not match:
            raise LayerError(name, f"'{part}' is not 'Name lon lat'", row, "via")
        lon, lat = float(match["lon"]), float(match["lat"])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise LayerError(name, f"via point '{part}' is out of lon/lat range", row, "via")
        points.append(ViaPoint(match["name"], lon, lat))
    return tuple(points)


def parse_segments(path: Path) -> Iterator[SegmentRow]:
    name = path.name
    seen: set[tuple[str, int]] = set()
    for row, r in read_rows(path, SEGMENT_COLUMNS):
        route = parse_code(name, row, "route", r["route"], "route code")
        seq = parse_int(name, row, "seq", r["seq"])
        assert seq is not None
        if (route, seq) in seen:
            raise LayerError(name, f"segment {route}#{seq} appears twice", row, "seq")
        seen.add((route, seq))
        from_node = parse_code(name, row, "from", r["from"])
        to_node = parse_code(name, row, "to", r["to"])
        if from_node == to_node:
            raise LayerError(name, "a segment must join two different nodes", row, "to")
        yield SegmentRow(
            row=row,
            route=route,
            seq=seq,
            from_node=from_node,
            to_node=to_node,
            mode=parse_choice(name, row, "mode", r["mode"], MODES),
            branch=parse_choice(name, row, "branch", r["branch"], {"", "0", "1"}) == "1",
            via=parse_via(name, row, r["via"]),
            notes=r["notes"],
        )
