"""The layers analysts export, as chunks of rows: geometry as WKB in the requested CRS
(transformed by PostGIS) and typed attributes. Each layer states its fields and types once;
the writers turn chunks into files (`exports.services.writer`).

Filters (checked by `ExportParams.parse`): bbox (lon/lat), a period (start, end), route,
node kind, port / node, vessel (MMSI), as-of date (geofences, coverage), status.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.gis.db.models import LineStringField, Union
from django.contrib.gis.db.models.functions import AsWKB, Transform
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Func, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from ais.models import Vessel, VesselLatest, VesselPosition
from ais.services.layers import MAX_TRACK_DAYS
from core.dates import EARLIEST, LATEST, utc_datetime
from core.functions import MakeLine
from core.limits import WindowRefused, check_window
from core.mmsi import parse_mmsi
from core.names import localized
from corridors.choices import MODE_COLOURS
from corridors.models import Route, RouteSegment
from geo.models import BasemapFeature, Geofence, Node, NodeService
from geo.services import basemap
from geo.services.coverage import compute_coverage, coverage_hex
from portcalls.models import PortCall
from ports.models import ThroughputReport
from ports.services import totals
from rail.models import Train
from rail.services.kpis import MAX_KPI_DAYS, route_kpis
from rail.services.trains import routes_with_trains

CHUNK = 20_000
CRS_CHOICES = (4326, 4490, 3857)
MAX_POSITION_DAYS = 31
SOURCE_NOTE = "Corridor Watch (西部陆海新通道监测)"
LICENCE_NOTE = (
    "Seed data: public sources listed in data/gis/provenance; AIS and operator figures: "
    "as collected by this deployment, for internal use"
)

Field = tuple[str, str]  # name, type: str, int, float, datetime, date, bool


@dataclass
class Chunk:
    wkb: list[bytes | None]
    values: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.wkb)


@dataclass
class ExportParams:
    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    route: str | None = None
    kind: str | None = None
    node: str | None = None
    mmsi: int | None = None
    as_of: datetime | None = None
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> ExportParams:
        """Filters from a request's values (strings or JSON); ValidationError naming the
        filter on a bad value."""
        errors: dict[str, str] = {}
        out = cls()
        known = {"bbox", "start", "end", "route", "kind", "node", "port", "mmsi", "as_of", "status"}
        for name in raw:
            if name not in known:
                errors[name] = "unknown filter"
        if raw.get("bbox") not in (None, ""):
            try:
                parts = raw["bbox"]
                if isinstance(parts, str):
                    parts = parts.split(",")
                w, s, e, n = (float(v) for v in parts)
                if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
                    raise ValueError
                out.bbox = (w, s, e, n)
            except (TypeError, ValueError):
                errors["bbox"] = "west,south,east,north in degrees, west <= east, south <= north"
        for name in ("start", "end", "as_of"):
            value = raw.get(name)
            if value in (None, ""):
                continue
            try:
                setattr(out, name, _moment(str(value), end=name == "end"))
            except ValueError:
                errors[name] = "a date (YYYY-MM-DD) or an ISO 8601 date-time with a zone"
        for name in ("route", "kind", "status"):
            value = raw.get(name)
            if value not in (None, ""):
                if not isinstance(value, str) or len(value) > 32:
                    errors[name] = "a code"
                else:
                    setattr(out, name, value)
        node = raw.get("node") or raw.get("port")
        if node not in (None, ""):
            if not isinstance(node, str) or len(node) > 32:
                errors["node"] = "a node code"
            else:
                out.node = node
        if raw.get("mmsi") not in (None, ""):
            try:
                out.mmsi = parse_mmsi(raw["mmsi"])
                if out.mmsi is None:
                    raise ValueError
            except (TypeError, ValueError):
                errors["mmsi"] = "an MMSI (9 digits)"
        if out.start and out.end and out.start > out.end:
            errors["start"] = "start is after end"
        if errors:
            raise ValidationError(errors)
        return out

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("route", "kind", "node", "mmsi", "status"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for name in ("start", "end", "as_of"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat()
        if self.bbox:
            out["bbox"] = ",".join(f"{v:g}" for v in self.bbox)
        return out

    def box(self) -> Polygon | None:
        if self.bbox is None:
            return None
        poly = Polygon.from_bbox(self.bbox)
        poly.srid = 4326
        return poly

    def window(self, max_days: int) -> tuple[datetime, datetime]:
        """[start, end] (default the last day), refused past `max_days` with the message
        every surface gives (core.limits.check_window)."""
        end = self.end or datetime.now(UTC)
        start = self.start or end - timedelta(days=1)
        try:
            check_window(start, end, max_days)
        except WindowRefused as exc:
            raise ValidationError({exc.field: str(exc)}) from exc
        return start, end


def _moment(text: str, end: bool = False) -> datetime:
    """A date (its midnight UTC; as an `end`, the day's last moment: a range of dates holds
    both days) or a zoned date-time, within the API's range (a year-1 date would overflow
    the window arithmetic); ValueError otherwise."""
    if len(text) != 10:
        return utc_datetime(text)
    value = datetime.combine(date.fromisoformat(text), time.max if end else time(), UTC)
    if not EARLIEST <= value <= LATEST:
        raise ValueError("out of range")
    return value


@dataclass(frozen=True)
class LayerSpec:
    name: str
    title: Any
    geometry: str | None  # OGR geometry type, None for a table
    fields: list[Field]
    rows: Callable[..., Iterator[Chunk]]  # (params, srid, language="en")
    count: Callable[[ExportParams], int]
    source: str = SOURCE_NOTE
    label_field: str = "name"  # the KML <name>
    colour_field: str | None = None  # a #rrggbb field the KML style takes


def _chunks(
    qs: QuerySet[Any], srid: int, geom: str, names: list[str], convert: Callable[..., Any]
) -> Iterator[Chunk]:
    """Stream a queryset (server-side cursor) as chunks: WKB of `geom` in `srid`, and the
    values of `names` turned into export rows by `convert(row_dict) -> dict`."""
    qs = qs.annotate(_wkb=AsWKB(Transform(geom, srid))) if geom else qs
    columns = [*names, "_wkb"] if geom else names
    chunk = Chunk([], {})
    for values in qs.values_list(*columns).iterator(chunk_size=CHUNK):
        row = dict(zip(columns, values, strict=True))
        out = convert(row)
        wkb = row.get("_wkb")
        chunk.wkb.append(bytes(wkb) if wkb is not None else None)
        for k, v in out.items():
            chunk.values.setdefault(k, []).append(v)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = Chunk([], {})
    if len(chunk):
        yield chunk


# -- nodes ---------------------------------------------------------------------------------
NODE_FIELDS: list[Field] = [
    ("code", "str"),
    ("name_en", "str"),
    ("name_zh", "str"),
    ("name", "str"),
    ("kind", "str"),
    ("kinds", "str"),
    ("country", "str"),
    ("unlocode", "str"),
    ("coord_quality", "str"),
    ("coverage", "float"),
    ("group", "str"),
    ("teu_year", "int"),
    ("teu", "float"),
    ("teu_qualifier", "str"),
    ("teu_covers", "str"),
    ("teu_partial", "bool"),
    ("teu_covered_by", "str"),
    ("teu_source", "str"),
    ("colour", "str"),
]


def _nodes_qs(p: ExportParams) -> QuerySet[Node]:
    """The nodes the API lists (port groups included: a group carries its figure), with
    the API's filters."""
    qs = Node.objects.order_by("code")
    if p.kind:
        qs = qs.filter(Q(kind=p.kind) | Q(kinds__contains=[p.kind]))
    if p.route:
        qs = qs.filter(routes__code=p.route).distinct()
    if p.node:
        qs = qs.filter(code=p.node)
    if p.bbox:
        qs = qs.filter(geom__intersects=p.box())
    return qs


def node_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    """Each node with its coverage and its own TEU (ports.services.totals): of the period
    asked, else of its newest complete year. A member that only its group's figure covers
    carries no TEU and names the group (`teu_covered_by`), so the rows add up."""
    qs = _nodes_qs(p)
    node_list = list(qs)
    coverage = compute_coverage([n for n in node_list if n.kind != "port_group"], as_of=p.as_of)
    if p.start and p.end:
        figures = totals.node_totals("teu", p.start.date(), p.end.date(), node_list)
    else:
        figures = totals.latest_year("teu", node_list)
    groups = dict(Node.objects.filter(group__isnull=False).values_list("code", "group__code"))

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        cov = coverage.get(row["code"])
        score = cov.score if cov and cov.assessed else None
        figure = figures[row["code"]]  # every node has its Total (None: no figure)
        has = figure.value is not None
        return {
            "code": row["code"],
            "name_en": row["name_en"],
            "name_zh": row["name_zh"],
            "name": localized(row, language),
            "kind": row["kind"],
            "kinds": ";".join(row["kinds"] or []),
            "country": row["country"],
            "unlocode": row["unlocode"],
            "coord_quality": row["coord_quality"],
            "coverage": score,
            "group": groups.get(row["code"], ""),
            "teu_year": figure.first.year if has and not (p.start and p.end) else None,
            "teu": figure.number,
            "teu_qualifier": figure.qualifier,
            "teu_covers": figure.covers_text() if has or figure.covered_by else "",
            "teu_partial": has and figure.partial,
            "teu_covered_by": figure.covered_by or "",
            "teu_source": "; ".join(figure.sources),
            "colour": coverage_hex(score),
        }

    names = ["pk", "code", "name_en", "name_zh", "kind", "kinds", "country", "unlocode"]
    yield from _chunks(qs, srid, "geom", [*names, "coord_quality"], convert)


# -- routes and segments -------------------------------------------------------------------
def route_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    qs = Route.objects.exclude(geom__isnull=True).order_by("order", "code")
    if p.route:
        qs = qs.filter(code=p.route)
    if p.bbox:
        qs = qs.filter(geom__intersects=p.box())

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": r["code"],
            "name_en": r["name_en"],
            "name_zh": r["name_zh"],
            "name": localized(r, language),
            "modes": r["modes"],
            "sources": r["sources"],
            "colour": "#c0392b" if "rail" in r["modes"] else "#1f78b4",
        }

    yield from _chunks(
        qs, srid, "geom", ["code", "name_en", "name_zh", "modes", "sources"], convert
    )


def segment_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    qs = RouteSegment.objects.select_related("route").order_by("route__order", "route__code", "seq")
    if p.route:
        qs = qs.filter(route__code=p.route)
    if p.bbox:
        qs = qs.filter(geom__intersects=p.box())
    colours = MODE_COLOURS

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "route": r["route__code"],
            "seq": r["seq"],
            "from_node": r["from_node__code"],
            "to_node": r["to_node__code"],
            "name": f"{r['route__code']} {r['from_node__code']}-{r['to_node__code']}",
            "mode": r["mode"],
            "length_km": round(r["length_m"] / 1000, 3),
            "schematic": r["schematic"],
            "branch": r["branch"],
            "colour": colours.get(r["mode"], "#555555"),
            "source": r["notes"] or "data/gis/route_segments.csv",
        }

    names = ["route__code", "seq", "from_node__code", "to_node__code", "mode", "length_m", "notes"]
    yield from _chunks(qs, srid, "geom", [*names, "schematic", "branch"], convert)


# -- geofences -----------------------------------------------------------------------------
def fence_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    qs = Geofence.objects.all()
    if p.as_of:
        qs = qs.filter(valid_from__lte=p.as_of).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=p.as_of)
        )
    else:
        qs = qs.filter(valid_to__isnull=True)
    if p.node:
        qs = qs.filter(node__code=p.node)
    if p.kind:
        qs = qs.filter(kind=p.kind)
    if p.bbox:
        qs = qs.filter(geom__intersects=p.box())
    qs = qs.order_by("node__code", "kind", "name")
    colours = {"berth": "#1971c2", "anchorage": "#f59f00", "port_limit": "#495057"}

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "node": r["node__code"],
            "kind": r["kind"],
            "name": r["name"],
            "approximate": r["approximate"],
            "basis": r["basis"],
            "version": r["version"],
            "valid_from": r["valid_from"],
            "valid_to": r["valid_to"],
            "colour": colours.get(r["kind"], "#555555"),
        }

    names = ["node__code", "kind", "name", "approximate", "basis", "version"]
    yield from _chunks(qs, srid, "geom", [*names, "valid_from", "valid_to"], convert)


# -- port calls ----------------------------------------------------------------------------
def call_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    start, end = p.window(366)
    qs = PortCall.objects.filter(arrival_at__gte=start, arrival_at__lte=end)  # [start, end]
    if p.node:
        qs = qs.filter(node__code=p.node)
    if p.mmsi:
        qs = qs.filter(vessel_id=p.mmsi)
    if p.bbox:
        qs = qs.filter(node__geom__intersects=p.box())
    qs = qs.order_by("arrival_at", "id")

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        wait = r["anchorage_wait_s"]
        return {
            "call_id": r["stable_id"],
            "mmsi": r["vessel_id"],
            "name": r["vessel__name"] or str(r["vessel_id"]),
            "port": r["node__code"],
            "arrival_at": r["arrival_at"],
            "berth_start_at": r["berth_start_at"],
            "berth_end_at": r["berth_end_at"],
            "departure_at": r["departure_at"],
            "anchorage_wait_h": None if wait is None else round(wait / 3600, 2),
            "rule_version": r["rule__version"],
            "source": f"AIS port-call detection, rule version {r['rule__version']}",
        }

    names = [
        "stable_id",
        "vessel_id",
        "vessel__name",
        "node__code",
        "arrival_at",
        "berth_start_at",
        "berth_end_at",
        "departure_at",
        "anchorage_wait_s",
        "rule__version",
    ]
    yield from _chunks(qs, srid, "node__geom", names, convert)


# -- vessels -------------------------------------------------------------------------------
def latest_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    qs = VesselLatest.objects.vessels().order_by("vessel_id")
    if p.start:
        qs = qs.filter(ts__gte=p.start)
    if p.mmsi:
        qs = qs.filter(vessel_id=p.mmsi)
    if p.bbox:
        qs = qs.filter(geom__intersects=p.box())

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "mmsi": r["vessel_id"],
            "name": r["vessel__name"] or str(r["vessel_id"]),
            "ship_type": r["vessel__ship_type"],
            "ts": r["ts"],
            "sog_kn": r["sog_kn"],
            "cog_deg": r["cog_deg"],
            "destination": r["vessel__destination"],
            "source": f"AIS ({r['source']})" if r["source"] else "AIS",
        }

    names = ["vessel_id", "vessel__name", "vessel__ship_type", "ts", "sog_kn", "cog_deg"]
    yield from _chunks(qs, srid, "geom", [*names, "vessel__destination", "source"], convert)


def _positions(p: ExportParams, max_days: int = MAX_POSITION_DAYS) -> QuerySet[VesselPosition]:
    """The positions of the window (refused past `max_days`), of a vessel, inside a box or
    a port's current limits, when asked."""
    start, end = p.window(max_days)
    qs = VesselPosition.objects.between(start, end)
    if p.mmsi:
        qs = qs.filter(mmsi=p.mmsi)
    if p.bbox:
        box = Polygon.from_bbox(p.bbox)
        box.srid = 4326
        qs = qs.filter(geom__bboverlaps=box)
    if p.node:
        limits = (
            Geofence.objects.current()
            .filter(node__code=p.node, kind="port_limit")
            .values("node")
            .annotate(area=Union("geom"))
            .values("area")
        )
        qs = qs.filter(geom__intersects=Subquery(limits))
    return qs


POSITION_COLUMNS = ["mmsi", "ts", "sog_kn", "cog_deg", "heading_deg", "nav_status", "source"]


def position_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    """Raw positions: streamed through a server-side cursor (bounded memory), each with
    its vessel's name (its MMSI when the vessel sent none), looked up once per chunk."""

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {name: r[name] for name in POSITION_COLUMNS}

    names: dict[int, str] = {}
    qs = _positions(p).order_by("ts", "mmsi")
    for chunk in _chunks(qs, srid, "geom", POSITION_COLUMNS, convert):
        mmsis = chunk.values["mmsi"]
        unknown = set(mmsis) - set(names)
        if unknown:
            names.update(Vessel.objects.filter(mmsi__in=unknown).values_list("mmsi", "name"))
        chunk.values["name"] = [names.get(m) or str(m) for m in mmsis]
        yield chunk


def position_count(p: ExportParams) -> int:
    return _positions(p).count()


def track_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    """One line per vessel over the window (its positions in time order)."""
    qs = (
        _positions(p, MAX_TRACK_DAYS)
        .values("mmsi")
        .annotate(
            positions=Count("*"),
            first_ts=Min("ts"),
            last_ts=Max("ts"),
            line=MakeLine("geom", order_by=["ts"]),
            vessel_name=Subquery(Vessel.objects.filter(mmsi=OuterRef("mmsi")).values("name")),
        )
        .filter(positions__gt=1)
        .order_by("mmsi")
    )

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "mmsi": r["mmsi"],
            "name": r["vessel_name"] or str(r["mmsi"]),
            "positions": r["positions"],
            "first_ts": r["first_ts"],
            "last_ts": r["last_ts"],
            "source": "AIS positions",
        }

    names = ["mmsi", "vessel_name", "positions", "first_ts", "last_ts"]
    yield from _chunks(qs, srid, "line", names, convert)


# -- throughput and coverage ---------------------------------------------------------------
def _throughput_qs(p: ExportParams) -> QuerySet[ThroughputReport]:
    qs = ThroughputReport.objects.filter(current=True)
    if p.status == "official":
        qs = qs.filter(official=True)
    elif p.status:
        qs = qs.filter(status=p.status)
    if p.start:
        qs = qs.filter(period_end__gte=p.start.date())
    if p.end:
        qs = qs.filter(period_start__lte=p.end.date())
    if p.node:
        qs = qs.filter(node__code=p.node)
    if p.bbox:
        qs = qs.filter(node__geom__intersects=p.box())
    return qs.order_by("node__code", "metric", "period_start", "id")


def throughput_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    """Every figure (the last word of its reporter); with a period, `counted` says whether
    its node's total of the period counts it (ports.services.totals: inside the period, not
    doubled by a year and its months, a group standing for its members)."""
    qs = _throughput_qs(p)
    counted: set[int] | None = None
    if p.start and p.end:
        first, last = p.start.date(), p.end.date()
        counted = set()
        for metric in set(qs.values_list("metric", flat=True)):
            figures = totals.node_totals(metric, first, last)
            counted |= {part.id for figure in figures.values() for part in figure.parts}
    members: dict[str, list[str]] = {}
    for group, member in (
        Node.objects.filter(group__isnull=False).order_by("code").values_list("group__code", "code")
    ):
        members.setdefault(group, []).append(member)
    stands_for = {group: ", ".join(codes) for group, codes in members.items()}

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "node": r["node__code"],
            "name": localized(r, language, "node__"),
            "period_kind": r["period_kind"],
            "period_start": r["period_start"],
            "period_end": r["period_end"],
            "metric": r["metric"],
            "unit": r["unit"],
            "trade": r["trade"],
            "direction": r["direction"],
            "cargo_class": r["cargo_class"],
            "laden": r["laden"],
            "value": float(r["value"]),
            "qualifier": r["qualifier"],
            "status": "official" if r["official"] else r["status"],
            "source": r["source"],
            "source_url": r["source_url"],
            "reporting_entity": r["reporting_entity"],
            "stands_for": stands_for.get(r["node__code"], ""),
            "counted": None if counted is None else r["pk"] in counted,
        }

    names = [
        "pk",
        "node__code",
        "node__name_en",
        "node__name_zh",
        "period_kind",
        "period_start",
        "period_end",
        "metric",
        "unit",
        "trade",
        "direction",
        "cargo_class",
        "laden",
        "value",
        "qualifier",
        "official",
        "status",
        "source",
        "source_url",
        "reporting_entity",
    ]
    yield from _chunks(qs, srid, "node__geom", names, convert)


def _coverage_qs(p: ExportParams) -> QuerySet[NodeService]:
    qs = NodeService.objects.as_of(p.as_of) if p.as_of else NodeService.objects.current()
    if p.node:
        qs = qs.filter(node__code=p.node)
    if p.kind:
        qs = qs.filter(node__kind=p.kind)
    if p.route:
        qs = qs.filter(node__routes__code=p.route).distinct()
    if p.bbox:
        qs = qs.filter(node__geom__intersects=p.box())
    return qs.order_by("node__code", "category__code")


def coverage_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    """Each node's services as recorded (at `as_of` when asked), each at the level the
    evidence gives on that day (geo.services.coverage: the same level as every page)."""
    qs = _coverage_qs(p)
    day = p.as_of.date() if p.as_of else None
    levels = compute_coverage(
        Node.objects.filter(pk__in=qs.values("node_id")), as_of=p.as_of, on=day
    )

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        stated = levels[r["node__code"]].services.get(r["category__code"])
        return {
            "node": r["node__code"],
            "name": localized(r, language, "node__"),
            "category": r["category__code"],
            "level": stated.level if stated else "none",
            "since": stated.since if stated else "",
            "since_year": r["since_year"],
            "valid_from": r["valid_from"],
            "evidence_url": r["evidence_url"],
            "evidence_note": r["evidence_note"],
        }

    names = [
        "node__code",
        "node__name_en",
        "node__name_zh",
        "category__code",
        "level",
        "since_year",
        "valid_from",
        "evidence_url",
        "evidence_note",
    ]
    yield from _chunks(qs, srid, "node__geom", names, convert)


# -- rail ----------------------------------------------------------------------------------
def train_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    start, end = p.window(366)
    qs = Train.objects.filter(service_date__gte=start.date(), service_date__lte=end.date())
    if p.route:
        qs = qs.filter(route__code=p.route)
    if p.status:
        qs = qs.filter(status=p.status)
    if p.node:
        qs = qs.filter(Q(origin__code=p.node) | Q(destination__code=p.node))
    qs = qs.order_by("service_date", "train_no")

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "train": r["train_no"],
            "name": r["train_no"],
            "service_date": r["service_date"],
            "service_type": r["service_type"],
            "route": r["route__code"] or "",
            "origin": r["origin__code"] or "",
            "destination": r["destination__code"] or "",
            "status": r["status"],
            "dep_actual": r["dep_actual"],
            "arr_actual": r["arr_actual"],
            "delay_min": None if r["delay_booked_s"] is None else round(r["delay_booked_s"] / 60),
            "transit_h": None if r["transit_s"] is None else round(r["transit_s"] / 3600, 2),
            "teu": r["teu"],
            "source": "rail events",
        }

    names = [
        "train_no",
        "service_date",
        "service_type",
        "route__code",
        "origin__code",
        "destination__code",
        "status",
        "dep_actual",
        "arr_actual",
        "delay_booked_s",
        "transit_s",
        "teu",
    ]
    # A train's geometry: the straight line from its origin to its destination.
    qs = qs.filter(origin__isnull=False, destination__isnull=False).annotate(
        line=Func(
            F("origin__geom"),
            F("destination__geom"),
            function="ST_MakeLine",
            output_field=LineStringField(srid=4326),
        )
    )
    yield from _chunks(qs, srid, "line", names, convert)


def kpi_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    end = (p.end or datetime.now(UTC)).date()
    first = p.start.date() if p.start else end - timedelta(weeks=12)
    try:
        check_window(first, end, MAX_KPI_DAYS)
    except WindowRefused as exc:
        raise ValidationError({exc.field: str(exc)}) from exc
    routes = routes_with_trains()
    if p.route:
        routes = routes.filter(code=p.route)
    routes = routes.annotate(_wkb=AsWKB(Transform("geom", srid)))
    chunk = Chunk([], {})
    for route in routes:
        for row in route_kpis(route, first, end, "week"):
            chunk.wkb.append(bytes(route._wkb) if route._wkb is not None else None)
            values = {
                "route": route.code,
                "name": route.code,
                **row.as_dict(),
                "source": "rail events; statistical day closes 18:00 Beijing",
            }
            values["period"] = row.period
            for k, v in values.items():
                chunk.values.setdefault(k, []).append(v)
    if len(chunk):
        yield chunk


# -- the political basemap (China's point of view) -----------------------------------------
BOUNDARY_KINDS = {"country_borders": "land boundary", "maritime_line": "maritime line"}


def _political_qs(p: ExportParams, layers: list[str]) -> QuerySet[BasemapFeature]:
    """The political basemap's features the maps draw (none where CW_POLITICAL_LAYERS=none)."""
    if not basemap.political_shown():
        return BasemapFeature.objects.none()
    qs = BasemapFeature.objects.filter(layer__name__in=layers).order_by("id")
    if p.bbox:
        qs = qs.filter(geom__intersects=p.box())
    return qs


def boundary_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    """Boundaries and the maritime line as every map of the product draws them."""

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "kind": BOUNDARY_KINDS[r["layer__name"]],
            "name": r["name"],
            "name_zh": r["name_zh"],
            "source": basemap.POV_SOURCE,
        }

    qs = _political_qs(p, list(BOUNDARY_KINDS))
    yield from _chunks(qs, srid, "geom", ["layer__name", "name", "name_zh"], convert)


def country_rows(p: ExportParams, srid: int, language: str = "en") -> Iterator[Chunk]:
    """Country polygons (1:110m, lon 90-125, lat -2-42) from China's point of view."""

    def convert(r: dict[str, Any]) -> dict[str, Any]:
        label = basemap.label_text({"name": r["name"], "name_zh": r["name_zh"]}, language)
        return {
            "name": label,
            "name_en": r["name"],
            "name_zh": r["name_zh"],
            "source": basemap.POV_SOURCE,
        }

    qs = _political_qs(p, ["countries"])
    yield from _chunks(qs, srid, "geom", ["name", "name_zh"], convert)


LAYERS: dict[str, LayerSpec] = {}


def _register(spec: LayerSpec) -> None:
    LAYERS[spec.name] = spec


_register(
    LayerSpec(
        "nodes",
        _("Corridor nodes, with coverage and latest container throughput"),
        "Point",
        NODE_FIELDS,
        node_rows,
        lambda p: _nodes_qs(p).count(),
        colour_field="colour",
    )
)
_register(
    LayerSpec(
        "routes",
        _("Corridor routes"),
        "MultiLineString",
        [
            ("code", "str"),
            ("name_en", "str"),
            ("name_zh", "str"),
            ("name", "str"),
            ("modes", "str"),
            ("sources", "str"),
            ("colour", "str"),
        ],
        route_rows,
        lambda p: Route.objects.count(),
        colour_field="colour",
    )
)
_register(
    LayerSpec(
        "segments",
        _("Route segments by mode"),
        "LineString",
        [
            ("route", "str"),
            ("seq", "int"),
            ("from_node", "str"),
            ("to_node", "str"),
            ("name", "str"),
            ("mode", "str"),
            ("length_km", "float"),
            ("schematic", "bool"),
            ("branch", "bool"),
            ("colour", "str"),
            ("source", "str"),
        ],
        segment_rows,
        lambda p: RouteSegment.objects.count(),
        colour_field="colour",
    )
)
_register(
    LayerSpec(
        "geofences",
        _("Port limits, berths and anchorages (current or as of a date)"),
        "Polygon",
        [
            ("node", "str"),
            ("kind", "str"),
            ("name", "str"),
            ("approximate", "bool"),
            ("basis", "str"),
            ("version", "int"),
            ("valid_from", "datetime"),
            ("valid_to", "datetime"),
            ("colour", "str"),
        ],
        fence_rows,
        lambda p: Geofence.objects.count(),
        colour_field="colour",
    )
)
_register(
    LayerSpec(
        "port_calls",
        _("Port calls (at the port's point)"),
        "Point",
        [
            ("call_id", "str"),
            ("mmsi", "int"),
            ("name", "str"),
            ("port", "str"),
            ("arrival_at", "datetime"),
            ("berth_start_at", "datetime"),
            ("berth_end_at", "datetime"),
            ("departure_at", "datetime"),
            ("anchorage_wait_h", "float"),
            ("rule_version", "int"),
            ("source", "str"),
        ],
        call_rows,
        lambda p: PortCall.objects.filter(
            arrival_at__gte=p.window(366)[0], arrival_at__lt=p.window(366)[1]
        ).count(),
    )
)
_register(
    LayerSpec(
        "latest_positions",
        _("Latest vessel positions"),
        "Point",
        [
            ("mmsi", "int"),
            ("name", "str"),
            ("ship_type", "int"),
            ("ts", "datetime"),
            ("sog_kn", "float"),
            ("cog_deg", "float"),
            ("destination", "str"),
            ("source", "str"),
        ],
        latest_rows,
        lambda p: VesselLatest.objects.count(),
    )
)
_register(
    LayerSpec(
        "positions",
        _("Vessel positions (at most 31 days)"),
        "Point",
        [
            ("mmsi", "int"),
            ("ts", "datetime"),
            ("sog_kn", "float"),
            ("cog_deg", "float"),
            ("heading_deg", "int"),
            ("nav_status", "int"),
            ("source", "str"),
            ("name", "str"),
        ],
        position_rows,
        position_count,
    )
)
_register(
    LayerSpec(
        "tracks",
        _("Vessel tracks (at most 31 days)"),
        "LineString",
        [
            ("mmsi", "int"),
            ("name", "str"),
            ("positions", "int"),
            ("first_ts", "datetime"),
            ("last_ts", "datetime"),
            ("source", "str"),
        ],
        track_rows,
        lambda p: position_count(p) // 100,
    )
)
_register(
    LayerSpec(
        "throughput",
        _("Throughput figures (official and pending marked)"),
        "Point",
        [
            ("node", "str"),
            ("name", "str"),
            ("period_kind", "str"),
            ("period_start", "date"),
            ("period_end", "date"),
            ("metric", "str"),
            ("unit", "str"),
            ("trade", "str"),
            ("direction", "str"),
            ("cargo_class", "str"),
            ("laden", "str"),
            ("value", "float"),
            ("qualifier", "str"),
            ("status", "str"),
            ("source", "str"),
            ("source_url", "str"),
            ("reporting_entity", "str"),
            ("stands_for", "str"),
            ("counted", "bool"),
        ],
        throughput_rows,
        lambda p: _throughput_qs(p).count(),
    )
)
_register(
    LayerSpec(
        "coverage",
        _("Digital services per node and category, with evidence"),
        "Point",
        [
            ("node", "str"),
            ("name", "str"),
            ("category", "str"),
            ("level", "str"),
            ("since", "str"),
            ("since_year", "int"),
            ("valid_from", "datetime"),
            ("evidence_url", "str"),
            ("evidence_note", "str"),
        ],
        coverage_rows,
        lambda p: _coverage_qs(p).count(),
    )
)
_register(
    LayerSpec(
        "trains",
        _("Train runs (origin to destination)"),
        "LineString",
        [
            ("train", "str"),
            ("name", "str"),
            ("service_date", "date"),
            ("service_type", "str"),
            ("route", "str"),
            ("origin", "str"),
            ("destination", "str"),
            ("status", "str"),
            ("dep_actual", "datetime"),
            ("arr_actual", "datetime"),
            ("delay_min", "int"),
            ("transit_h", "float"),
            ("teu", "int"),
            ("source", "str"),
        ],
        train_rows,
        lambda p: Train.objects.count(),
    )
)
_register(
    LayerSpec(
        "rail_kpis",
        _("Weekly rail KPIs per route"),
        "MultiLineString",
        [
            ("route", "str"),
            ("name", "str"),
            ("period", "date"),
            ("trains_run", "int"),
            ("cancelled", "int"),
            ("planned", "int"),
            ("teu", "int"),
            ("arrived", "int"),
            ("transit_median_h", "float"),
            ("transit_p90_h", "float"),
            ("on_time", "int"),
            ("punctuality", "float"),
            ("punctuality_original", "float"),
            ("threshold_min", "int"),
            ("source", "str"),
        ],
        kpi_rows,
        lambda p: 100,
    )
)
_register(
    LayerSpec(
        "boundaries",
        _("Boundaries and the maritime line (China's point of view, as the maps draw them)"),
        "LineString",
        [("kind", "str"), ("name", "str"), ("name_zh", "str"), ("source", "str")],
        boundary_rows,
        lambda p: _political_qs(p, list(BOUNDARY_KINDS)).count(),
    )
)
_register(
    LayerSpec(
        "countries",
        _("Countries (China's point of view; 1:110m)"),
        "MultiPolygon",
        [("name", "str"), ("name_en", "str"), ("name_zh", "str"), ("source", "str")],
        country_rows,
        lambda p: _political_qs(p, ["countries"]).count(),
    )
)
