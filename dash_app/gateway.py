"""The one module through which Dash pages read data.

It calls the same services and querysets as the REST API, so business rules live once;
pages never touch models or SQL. Everything returned is plain data: dataclasses, and
GeoJSON as dicts. Functions given an unknown code or id return None (pages say so).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone

from ais.choices import NAV_STATUS, ShipTypeGroup, ship_type_group
from ais.models import Vessel
from ais.services import layers as ais_layers
from alerts.models import Alert
from core import mmsi as mmsi_rules
from core import names, periods
from core.limits import Busy, OverBudget, WindowRefused
from corridors import choices as corridor_choices
from corridors.models import Route
from exports.models import ExportJob
from exports.services import figures as export_figures
from exports.services import jobs as export_jobs
from exports.services import layers as export_layers
from exports.services import report as export_report
from exports.services import writer as export_writer
from exports.services.layers import LAYERS
from geo.choices import CoordQuality, NodeKind, ServiceLevel
from geo.models import DigitalServiceCategory, Node, ServiceEvidence
from geo.services.coverage import compute_coverage, coverage_rgb
from portcalls.models import PortCall
from portcalls.services import calls as call_services
from portcalls.services import metrics as metric_services
from ports.choices import QUALIFIER_SIGNS, Metric
from ports.services import throughput as throughput_services
from ports.services import totals as throughput_totals
from ports.services.throughput import node_figures
from rail.models import RailEvent, Train
from rail.services import kpis as rail_kpis
from rail.services import live as rail_live
from rail.services import transfer as rail_transfer

TYPE_COLOURS = {
    "cargo": "#2b8a3e",
    "tanker": "#c92a2a",
    "passenger": "#1864ab",
    "fishing": "#e67700",
    "tug": "#5f3dc4",
    "high_speed": "#0b7285",
    "pleasure": "#d6336c",
    "other": "#495057",
    "unknown": "#adb5bd",
}
MODE_COLOURS = corridor_choices.MODE_COLOURS
# Digital-service coverage colours (score 0..1), shared by the map markers and the legend.
NO_EVIDENCE_COLOUR = "#9aa5b1"
# Drawn last (on top) where nodes share a place: ports over terminals over cities.
KIND_Z = {
    "sea_port": 600,
    "river_port": 500,
    "border_crossing_rail": 450,
    "border_crossing_road": 450,
    "sea_terminal": 400,
    "rail_terminal": 300,
    "dry_port": 250,
    "rail_junction": 200,
    "logistics_hub": 100,
}
MAX_MMSI = mmsi_rules.MAX_MMSI


def localized(obj: Any, lang: str) -> str:
    return names.localized(obj, lang)


def coverage_colour(score: float) -> str:
    """The map's colour of a coverage score (the one scale, geo.services.coverage), as CSS."""
    return "rgb({},{},{})".format(*coverage_rgb(score))


def ship_type_label(group: str) -> str:
    """The name of a ship type group (see TYPE_COLOURS), in the active language."""
    return str(ShipTypeGroup(group).label)


def nav_status_label(code: int | None) -> str | None:
    """The AIS navigation status in words (None when not reported or unknown)."""
    label = NAV_STATUS.get(code) if code is not None else None
    return str(label) if label else None


def basemap_urls() -> dict[str, str]:
    return {
        name: reverse("basemap-layer", args=[name])
        for name in ("land", "lakes", "rivers", "country_borders")
    }


def segments_url(route: str | None = None) -> str:
    url = reverse("route-segment-list")
    return f"{url}?route={route}" if route else url


def tile_layer() -> tuple[str, str] | None:
    """The optional tile URL and attribution (None: the bundled vector basemap only)."""
    return (settings.CW_TILE_URL, settings.CW_TILE_ATTRIBUTION) if settings.CW_TILE_URL else None


def route_options(lang: str) -> list[dict[str, str]]:
    return [
        {"label": f"{r.code} · {localized(r, lang)}", "value": r.code} for r in Route.objects.all()
    ]


def node_options(lang: str) -> list[dict[str, str]]:
    """The search menu: a node is found by its English or Chinese name, code or UN/LOCODE
    (Dash's dropdown searches `search` as well as the label)."""
    return [
        {
            "label": f"{localized(n, lang)} ({n.code})"
            + (f" · {n.unlocode}" if n.unlocode else ""),
            "value": n.code,
            "search": " ".join(filter(None, [n.name_en, n.name_zh, n.code, n.unlocode])),
        }
        for n in Node.objects.mapped().order_by("name_en")
    ]


def node_position(code: str) -> tuple[float, float] | None:
    """A node's (lon, lat), or None when there is no such node."""
    node = Node.objects.filter(code=code).only("geom").first()
    return (node.geom.x, node.geom.y) if node else None


def map_nodes(
    lang: str, route: str | None = None, period: tuple[date, date] | None = None
) -> dict[str, Any]:
    """Nodes as a GeoJSON FeatureCollection for the map, with coverage score (on the
    period's last day when given, by the evidence), TEU (of the period: official figures
    inside it; else the latest full year), a headline line for the hover, congestion and a
    stack position for nodes that share a coordinate."""
    from django.utils.translation import gettext as _

    nodes = Node.objects.mapped()
    if route:
        nodes = nodes.on_route(route)
    node_list = list(nodes)
    on = min(period[1], timezone.now().date()) if period else None
    coverage = compute_coverage(node_list, on=on)
    congested = metric_services.congested_ports()
    if period is not None:
        teu = throughput_totals.node_totals("teu", *period, node_list)
    else:
        teu = throughput_totals.latest_year("teu", node_list)
    stacks: dict[tuple[float, float], list[Node]] = defaultdict(list)
    for node in node_list:
        stacks[(round(node.geom.x, 4), round(node.geom.y, 4))].append(node)
    features = []
    for group in stacks.values():
        group.sort(key=lambda n: (-KIND_Z.get(n.kind, 0), n.code))
        for index, node in enumerate(group):
            cov = coverage[node.code]
            own = total_view(teu[node.code])
            if own.number is not None:
                figure = _("%(teu)s TEU") % {"teu": own.value}
                if own.partial:
                    figure += " (" + _("partial") + ")"
            elif own.covered_by:
                figure = _("TEU counted in %(group)s") % {"group": own.covered_by}
            else:
                figure = _("no TEU figure")
            figure += " · " + (
                _("coverage %(score)s") % {"score": f"{cov.score:.0%}"}
                if cov.assessed
                else _("no service evidence")
            )
            features.append(
                {
                    "type": "Feature",
                    "id": node.code,
                    "geometry": {"type": "Point", "coordinates": [node.geom.x, node.geom.y]},
                    "properties": {
                        "code": node.code,
                        "label": f"{localized(node, lang)} ({node.code})",
                        "kind": node.kind,
                        "coverage_score": cov.score,
                        "coverage_assessed": cov.assessed,
                        "colour": coverage_colour(cov.score)
                        if cov.assessed
                        else NO_EVIDENCE_COLOUR,
                        "latest_teu": own.number,
                        "headline": figure,
                        "stack_index": index,
                        "stack_size": len(group),
                        "z": KIND_Z.get(node.kind, 0),
                        "congested": node.code in congested,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def fences_url() -> str:
    """Every current port limit, berth area and anchorage (the map's fence layer)."""
    return reverse("geofence-list")


def coverage_gap_layer(
    lang: str, route: str | None = None, on: date | None = None
) -> dict[str, Any]:
    """Nodes lacking a service that their route neighbours offer (GeoJSON points), by what
    was in place on `on` (now when None); each says what it lacks and who offers it."""
    from django.utils.translation import gettext as _

    from corridors.services.coverage import compute_route_coverage

    on = min(on, timezone.now().date()) if on else None
    routes = Route.objects.filter(code=route) if route else Route.objects.all()
    result = compute_route_coverage(routes, node_coverage=compute_coverage(on=on))
    lacking: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in result:
        for gap in r.gaps:
            lacking[gap.node][gap.category].update(gap.offered_by)
    names = {c.code: localized(c, lang) for c in DigitalServiceCategory.objects.all()}
    features = []
    for node in Node.objects.mapped().filter(code__in=lacking).order_by("code"):
        gaps = lacking[node.code]
        features.append(
            {
                "type": "Feature",
                "id": node.code,
                "geometry": {"type": "Point", "coordinates": [node.geom.x, node.geom.y]},
                "properties": {
                    "code": node.code,
                    "label": f"{localized(node, lang)} ({node.code})",
                    "gaps": len(gaps),
                    "heading": _("Lacks what its route neighbours offer:"),
                    "lacks": [
                        f"{names.get(c, c)} ({', '.join(sorted(by))})"
                        for c, by in sorted(gaps.items())
                    ],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class ServiceView:
    category: str
    level: str
    level_label: str
    since_year: int | None
    evidence_url: str
    since: str = ""  # the date of the statement that set the level (geo coverage service)


@dataclass(frozen=True)
class FigureView:
    node: str
    metric: str
    period: str
    value: str
    entity: str
    url: str
    official: bool = True


@dataclass(frozen=True)
class TotalView:
    """A throughput total as pages show it: `value` with its qualifier sign, what it
    covers, partial or not, or the group whose figure counts the node."""

    value: str
    number: float | None
    covers: str
    partial: bool
    covered_by: str | None


def total_view(figure: throughput_totals.Total) -> TotalView:
    number = figure.number
    value = "—" if number is None else QUALIFIER_SIGNS.get(figure.qualifier, "") + f"{number:,.0f}"
    return TotalView(value, number, figure.covers_text(), figure.partial, figure.covered_by)


@dataclass(frozen=True)
class NodeDetail:
    """What the node panel shows."""

    code: str
    name: str
    name_en: str
    name_zh: str
    kinds: list[str]
    unlocode: str
    coord_quality: str
    coord_basis: str
    lon: float
    lat: float
    coverage_score: float
    coverage_assessed: bool
    services: list[ServiceView]
    missing: list[str]
    figures: list[FigureView]
    group: str | None
    routes: list[str]
    port_page: bool
    period_teu: TotalView | None = None


def node_detail(
    code: str, lang: str, on: date | None = None, period: tuple[date, date] | None = None
) -> NodeDetail | None:
    """What the node panel shows: names, kind, coordinate quality, services (in place on
    `on` by their evidence; now when None), figures, and the node's own TEU total of
    `period` (ports.services.totals) when given."""
    node = Node.objects.select_related("group").filter(code=code).first()
    if node is None:
        return None
    cov = compute_coverage([node], on=on)[node.code]
    categories = {c.code: c for c in DigitalServiceCategory.objects.all()}
    services = [
        ServiceView(
            category=localized(categories[s.category], lang),
            level=s.level,
            level_label=str(ServiceLevel(s.level).label),
            since_year=s.since_year,
            evidence_url=s.evidence_url,
            since=s.since,
        )
        for s in sorted(cov.services.values(), key=lambda s: categories[s.category].order)
    ]
    figures = [
        FigureView(
            node=f.node,
            metric=str(Metric(f.metric).label),
            period=(
                str(f.period_end.year)
                if f.period_kind == "year"
                else f"{f.period_start:%Y-%m}"
                if f.period_kind == "month"
                else f"{f.period_start:%Y-%m-%d}..{f.period_end:%Y-%m-%d}"
            ),
            value=f"{f.qualifier + ' ' if f.qualifier else ''}{f.value:,.0f}",
            entity=f.entity,
            url=f.url,
            official=f.official,
        )
        for f in node_figures(node, include_pending=True)
    ]
    return NodeDetail(
        code=node.code,
        name=localized(node, lang),
        name_en=node.name_en,
        name_zh=node.name_zh,
        kinds=[str(NodeKind(k).label) for k in node.kinds],
        unlocode=node.unlocode,
        coord_quality=str(CoordQuality(node.coord_quality).label),
        coord_basis=node.coord_basis,
        lon=node.geom.x,
        lat=node.geom.y,
        coverage_score=cov.score,
        coverage_assessed=cov.assessed,
        services=services,
        missing=[localized(categories[c], lang) for c in cov.applicable if c not in cov.services],
        figures=figures,
        group=localized(node.group, lang) if node.group else None,
        routes=sorted(set(node.route_memberships.values_list("route__code", flat=True))),
        port_page=node.detection_rules.exists(),
        period_teu=(
            total_view(throughput_totals.node_totals("teu", *period, [node])[node.code])
            if period
            else None
        ),
    )


def live_vessels_url(tick: int = 0) -> str:
    """Where the map fetches the live vessel layer (`t` makes each refresh a new URL)."""
    return reverse("ais-live") + f"?t={int(tick)}"


def live_vessel_status(max_age_min: float = 60.0) -> tuple[int, datetime | None]:
    """How many vessels are live and the newest report's time."""
    return ais_layers.vessels_seen(max_age_min)


parse_mmsi = mmsi_rules.parse_mmsi  # a map click's MMSI, by the one rule (core.mmsi)


@dataclass(frozen=True)
class VesselDetail:
    """A vessel's static data and last report (speeds knots, angles degrees, metres)."""

    mmsi: int
    name: str
    imo: int | None
    callsign: str
    type: str
    type_code: int | None
    length_m: int | None
    beam_m: int | None
    draught_m: float | None
    destination: str
    ts: datetime | None
    sog_kn: float | None
    cog_deg: float | None
    heading_deg: int | None
    nav_status: int | None
    source: str


def vessel_detail(mmsi: Any, lang: str) -> VesselDetail | None:
    number = parse_mmsi(mmsi)
    if number is None:
        return None
    vessel = Vessel.objects.select_related("latest").filter(mmsi=number).first()
    if vessel is None:
        return None
    latest = getattr(vessel, "latest", None)
    group = ship_type_group(vessel.ship_type)
    return VesselDetail(
        mmsi=vessel.mmsi,
        name=vessel.name or str(vessel.mmsi),
        imo=vessel.imo,
        callsign=vessel.callsign,
        type=str(ShipTypeGroup(group).label),
        type_code=vessel.ship_type,
        length_m=vessel.length_m,
        beam_m=vessel.beam_m,
        draught_m=vessel.draught_m,
        destination=vessel.destination,
        ts=latest.ts if latest else None,
        sog_kn=latest.sog_kn if latest else None,
        cog_deg=latest.cog_deg if latest else None,
        heading_deg=latest.heading_deg if latest else None,
        nav_status=latest.nav_status if latest else None,
        source=latest.source if latest else "",
    )


def vessel_track_line(mmsi: Any, hours: float = 6.0) -> dict[str, Any] | None:
    """The last `hours` of a vessel's track (the LineString feature only)."""
    number = parse_mmsi(mmsi)
    if number is None:
        return None
    end = timezone.now()
    track = json.loads(ais_layers.track_json(number, end - timedelta(hours=hours), end))
    line = [f for f in track["features"] if f["geometry"]["type"] == "LineString"]
    return {"type": "FeatureCollection", "features": line}


# --- ports: calls, metrics, congestion ----------------------------------------------------


@dataclass(frozen=True)
class CallView:
    """A call on the port page's timeline (UTC datetimes; open ends filled with now)."""

    vessel: str
    arrival: datetime
    departure: datetime | None
    berth_start: datetime | None
    berth_end: datetime | None
    anchorage_start: datetime | None
    anchorage_end: datetime | None


@dataclass(frozen=True)
class PortPage:
    """What the port page shows."""

    code: str
    name: str
    rule_text: str
    metrics: dict[str, Any]
    calls: list[CallView]
    fences_url: str
    center: tuple[float, float]  # (lat, lon) as Leaflet takes it
    bounds: list[list[float]] | None = None  # [[south, west], [north, east]] of its fences
    first: date | None = None  # the period shown
    last: date | None = None


def _fence_bounds(node: Node) -> list[list[float]] | None:
    from django.contrib.gis.db.models import Extent

    from geo.models import Geofence

    box = Geofence.objects.current().filter(node=node).aggregate(e=Extent("geom"))["e"]
    if not box:
        return None
    west, south, east, north = box
    return [[south, west], [north, east]]


# A page waits this long for the same user's other run of a guarded figure (another tab)
# before it says so; the API answers 429 at once.
GUARD_WAIT_S = 25
PORT_DAYS = 56  # the port page's default period: the last eight weeks
PORT_TIMELINE_DAYS = 14


def port_page(
    code: str,
    lang: str,
    first: date | None = None,
    last: date | None = None,
    user_id: int | None = None,
) -> PortPage | None:
    """The current rule in words, daily metrics against the baseline over the period
    (default the last eight weeks; a longer period than the metrics take is refused with
    the API's message: core.limits.WindowRefused), the calls of its last two weeks, vessels
    at anchor now. None when the node is not a watched port."""
    node = call_services.watched_ports().filter(code=code).first()
    if node is None:
        return None
    rule = call_services.current_rule(node)
    today = timezone.now().date()
    last = min(last or today, today)
    first = first or last - timedelta(days=PORT_DAYS - 1)
    metrics = metric_services.guarded_port_metrics(
        node, first, last, user_id=user_id, wait_s=GUARD_WAIT_S
    )
    now = timezone.now()
    end = min(now, datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))
    since = end - timedelta(days=PORT_TIMELINE_DAYS)
    calls = [
        CallView(
            vessel=f"{c.vessel.name or c.vessel_id}",
            arrival=c.arrival_at,
            departure=c.departure_at,
            berth_start=c.berth_start_at,
            berth_end=c.berth_end_at or (None if c.departure_at else now),
            anchorage_start=c.anchorage_start_at,
            anchorage_end=c.anchorage_end_at or c.berth_start_at,
        )
        for c in PortCall.objects.filter(node=node, arrival_at__lt=end)
        .exclude(departure_at__lt=since)
        .select_related("vessel")
        .order_by("arrival_at")[:200]
    ]
    return PortPage(
        code=node.code,
        name=localized(node, lang),
        rule_text=call_services.rule_in_words(rule),
        metrics=metrics,
        calls=calls,
        fences_url=reverse("geofence-list") + f"?node={node.code}",
        center=(node.geom.y, node.geom.x),
        bounds=_fence_bounds(node),
        first=first,
        last=last,
    )


def port_sensitivity(
    code: str, user_id: int | None, days: int = 14
) -> list[dict[str, Any]] | str | None:
    """Call counts of the official rule and the default variants over the last `days`,
    under the API's guards (one at a time per user, timeout, cache); None for an unknown
    port, a message when refused (another of the user's runs, too many positions)."""
    node = call_services.watched_ports().filter(code=code).first()
    if node is None:
        return None
    end = timezone.now().replace(second=0, microsecond=0)  # a minute's asks share the cache
    try:
        return metric_services.guarded_sensitivity(
            node, end - timedelta(days=days), end, metric_services.DEFAULT_VARIANTS, user_id=user_id
        )
    except (metric_services.TooMuchWork, Busy, OverBudget, WindowRefused) as exc:
        return str(exc)


@dataclass(frozen=True)
class ThroughputSeries:
    """A node's monthly container throughput (TEU) for the chart: official, pending and,
    for a watched port, the AIS estimate, each None where there is none."""

    months: list[str]
    official: list[float | None]
    pending: list[float | None]
    ais: list[float | None]

    @property
    def empty(self) -> bool:
        return not any(v is not None for v in [*self.official, *self.pending, *self.ais])


NODE_MONTHS = 12  # the node chart's default: the last twelve full months
NODE_MAX_MONTHS = 36


def month_starts(first: date | None, last: date | None, default: int, most: int) -> list[date]:
    """First days of the whole months from `first` to `last` (the latest `most` of them);
    without a period, the last `default` full months."""
    if first is None or last is None:
        end = month_index(timezone.now().date()) - 1
        begin = end - default + 1
    else:
        begin, end = month_index(first), month_index(last)
        begin = max(begin, end - most + 1)
    return [periods.month_start(i) for i in range(begin, end + 1)]


def node_throughput(
    code: str, first: date | None = None, last: date | None = None
) -> ThroughputSeries | None:
    """A node's monthly container totals over the months of [first, last] (at most 36;
    default the last twelve full months). None: unknown node."""
    node = Node.objects.filter(code=code).first()
    if node is None:
        return None
    starts = month_starts(first, last, NODE_MONTHS, NODE_MAX_MONTHS)
    series = throughput_services.monthly_series(node, starts)
    return ThroughputSeries(
        months=[f"{m:%Y-%m}" for m in starts],
        official=series.official,
        pending=series.pending,
        ais=series.ais,
    )


# -- rail --------------------------------------------------------------------------------
DELAY_COLOURS = rail_live.DELAY_COLOURS


def live_trains() -> dict[str, Any]:
    """Running trains at their current positions (GeoJSON), coloured by delay."""
    return rail_live.live_trains()


def parse_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.isdigit() and len(value) <= 12:
        n = int(value)
    else:
        return None
    return n if 0 < n < 2**62 else None


@dataclass(frozen=True)
class StopView:
    station: str
    event: str
    booked: datetime | None
    original: datetime | None
    actual: datetime | None
    classifier: str
    delay_min: int | None


@dataclass(frozen=True)
class TrainDetail:
    id: int
    train_no: str
    service_date: str
    service_type: str
    route: str
    origin: str
    destination: str
    status: str
    delay_min: int | None
    delay_original_min: int | None
    threshold_min: int
    transit_h: float | None
    teu: int | None
    stops: list[StopView]


def train_detail(train_id: Any, lang: str) -> TrainDetail | None:
    pk = parse_id(train_id)
    train = (
        Train.objects.select_related("route", "origin", "destination").filter(pk=pk).first()
        if pk
        else None
    )
    if train is None:
        return None
    events = (
        RailEvent.objects.filter(train=train, state="current")
        .exclude(event__in=("cancellation", "reinstatement", "origin_change"))
        .select_related("node")
        .order_by("booked_at", "id")
    )
    stops = [
        StopView(
            localized(e.node, lang),
            e.get_event_display(),
            e.booked_at,
            e.original_at,
            e.actual_at if e.classifier != "planned" else None,
            e.classifier,
            round((e.actual_at - e.booked_at).total_seconds() / 60)
            if e.classifier == "actual" and e.actual_at and e.booked_at
            else None,
        )
        for e in events
    ]
    return TrainDetail(
        id=train.pk,
        train_no=train.train_no,
        service_date=train.service_date.isoformat(),
        service_type=train.get_service_type_display(),
        route=train.route.code if train.route else "",
        origin=localized(train.origin, lang) if train.origin else "",
        destination=localized(train.destination, lang) if train.destination else "",
        status=train.get_status_display(),
        delay_min=None if train.delay_booked_s is None else round(train.delay_booked_s / 60),
        delay_original_min=None
        if train.delay_original_s is None
        else round(train.delay_original_s / 60),
        threshold_min=rail_kpis.threshold_min(train.route),
        transit_h=None if train.transit_s is None else round(train.transit_s / 3600, 1),
        teu=train.teu,
        stops=stops,
    )


@dataclass(frozen=True)
class RouteKpis:
    code: str
    name: str
    threshold_min: int
    day_close: str
    periods: list[dict[str, Any]]


ROUTE_WEEKS = 12  # the KPI page's default: the last twelve weeks


def route_kpis(
    code: str, lang: str, first: date | None = None, last: date | None = None
) -> RouteKpis | None:
    """Weekly KPIs of a route over [first, last] (default the last twelve weeks; a longer
    period than the KPIs take is refused with the API's message: WindowRefused)."""
    route = Route.objects.filter(code=code).first() if isinstance(code, str) else None
    if route is None:
        return None
    today = rail_kpis.statistical_day(timezone.now())  # after 18:00 Beijing: tomorrow
    if first is None or last is None:
        first, last = today - timedelta(weeks=ROUTE_WEEKS), today
    last = min(last, today)
    rows = rail_kpis.route_kpis(route, min(first, last), last, "week")
    return RouteKpis(
        code=route.code,
        name=localized(route, lang),
        threshold_min=rail_kpis.threshold_min(route),
        day_close=rail_kpis.day_close().strftime("%H:%M"),
        periods=[r.as_dict() for r in rows],
    )


def rail_routes(lang: str) -> list[dict[str, str]]:
    """Routes that have trains, for the KPI page's menu."""
    ids = Train.objects.values("route_id").distinct()
    return [
        {"label": f"{r.code} · {localized(r, lang)}", "value": r.code}
        for r in Route.objects.filter(pk__in=ids)
    ]


def port_transfer(
    code: str, user_id: int | None, days: int = 28, until: date | None = None
) -> dict[str, Any] | str | None:
    """Transfer times at a port with a rail link over the `days` before the end of `until`
    (default now), under the API's guards. None: not such a port; a message when refused."""
    if code not in rail_transfer.PORT_STATIONS:
        return None
    node = Node.objects.filter(code=code).first()
    if node is None:
        return None
    end = timezone.now()
    if until is not None:
        end = min(end, datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC))
    try:
        return rail_transfer.guarded_port_transfer(
            node, end - timedelta(days=days), end, user_id=user_id, wait_s=GUARD_WAIT_S
        )
    except (Busy, OverBudget, WindowRefused) as exc:
        return str(exc)


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    kind_label: str
    subject: str
    reason: str
    state: str
    raised_at: datetime
    updated_at: datetime


def live_alerts(limit: int = 20) -> list[AlertView]:
    """Open and acknowledged alerts, newest first."""
    rows = Alert.objects.exclude(state="closed").order_by("-raised_at")[:limit]
    return [
        AlertView(
            a.pk,
            a.kind,
            a.get_kind_display(),
            a.subject_label or a.subject,
            a.reason,
            a.state,
            a.raised_at,
            a.updated_at,
        )
        for a in rows
    ]


# -- exports -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportView:
    id: int
    layer: str
    format: str
    crs: int
    params: dict[str, Any]
    state: str
    state_label: str
    progress: float
    rows: int | None
    message: str
    created_at: datetime
    download: str | None


def _export_view(job: ExportJob) -> ExportView:
    return ExportView(
        id=job.pk,
        layer=job.layer,
        format=job.fmt,
        crs=job.crs,
        params=dict(job.params),
        state=job.state,
        state_label=job.get_state_display(),
        progress=job.progress,
        rows=job.rows,
        message=job.message,
        created_at=job.created_at,
        download=f"/api/exports/{job.pk}/download/" if job.state == "done" else None,
    )


def export_layer_options() -> list[dict[str, str]]:
    return [{"label": f"{name} · {spec.title}", "value": name} for name, spec in LAYERS.items()]


EXPORT_FORMATS = list(export_writer.FORMATS)
EXPORT_CRS = list(export_layers.CRS_CHOICES)


def request_export(
    user: Any, layer: str, fmt: str, crs: int, filters: dict[str, Any], lang: str
) -> ExportView | str:
    """Ask for an export (run at once when small); the reason as text when refused."""
    try:
        job = export_jobs.create_job(user, layer, fmt, crs, filters, lang)
    except DjangoValidationError as exc:
        details = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return "; ".join(f"{k}: {', '.join(v)}" if k else ", ".join(v) for k, v in details.items())
    except PermissionError:
        return "no permission to export this layer"
    except export_jobs.QuotaExceeded as exc:
        return str(exc)
    if export_jobs.estimated_rows(job) <= export_jobs.inline_limit():
        job = export_jobs.run_job(job.pk)
    return _export_view(job)


def user_exports(user: Any, limit: int = 15) -> list[ExportView]:
    return [_export_view(j) for j in ExportJob.objects.filter(user=user)[:limit]]


def export_status(user: Any, job_id: Any) -> ExportView | None:
    pk = parse_id(job_id)
    job = ExportJob.objects.filter(user=user, pk=pk).first() if pk else None
    return _export_view(job) if job else None


def rerun_export(user: Any, job_id: Any) -> ExportView | str | None:
    """Run a job of the user's again; None: no such job; the reason as text when refused."""
    pk = parse_id(job_id)
    job = ExportJob.objects.filter(user=user, pk=pk).first() if pk else None
    if job is None:
        return None
    try:
        again = export_jobs.rerun_job(job)
    except export_jobs.QuotaExceeded as exc:
        return str(exc)
    if export_jobs.estimated_rows(again) <= export_jobs.inline_limit():
        again = export_jobs.run_job(again.pk)
    return _export_view(again)


def cancel_export(user: Any, job_id: Any) -> ExportView | None:
    pk = parse_id(job_id)
    job = ExportJob.objects.filter(user=user, pk=pk).first() if pk else None
    return _export_view(export_jobs.cancel_job(job)) if job else None


def report_period() -> tuple[str, str]:
    first, last = export_report.default_period()
    return first.isoformat(), last.isoformat()


# -- node page -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CoveragePoint:
    month: str
    score: float | None


def coverage_history(
    code: str, months: int = 36, until: date | None = None
) -> list[CoveragePoint] | None:
    """A node's coverage score at the end of each of the `months` months up to `until`'s
    (default this month), by what the evidence says was in place then (a service counts
    from its year; from its record date when no year is known). None for an unknown node;
    a month's score is None before any evidence."""
    node = Node.objects.filter(code=code).first()
    if node is None:
        return None
    today = timezone.now().date()
    end = month_index(min(until or today, today))
    points = []
    for index in range(end - months + 1, end + 1):
        day = min(month_bounds(index, index)[1], today)
        cov = compute_coverage([node], on=day)[node.code]
        points.append(
            CoveragePoint(f"{day:%Y-%m}", cov.score if cov.assessed and cov.applicable else None)
        )
    return points


# -- coverage page ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverageTrend:
    months: list[str]
    corridor: list[float | None]  # mean over every node with evidence
    routes: dict[str, list[float | None]]  # route code -> mean over its nodes


def coverage_trend(
    lang: str, route: str | None = None, until: date | None = None, months: int = 36
) -> CoverageTrend:
    """Coverage at the end of each of `months` months up to `until`'s (default now), by what
    the evidence says was in place: the corridor's mean over the nodes that have evidence
    (the same nodes every month, so that months compare) and each route's mean over its
    nodes (port groups excluded), as on the route ranking."""
    today = timezone.now().date()
    end = month_index(min(until or today, today))
    nodes = list(Node.objects.all())
    evidenced = export_figures.evidenced_nodes()
    routes = Route.objects.filter(code=route) if route else Route.objects.all()
    members = {
        r.code: list(r.members.exclude(kind="port_group").values_list("code", flat=True))
        for r in routes
    }
    labels, corridor = [], []
    by_route: dict[str, list[float | None]] = {name: [] for name in members}
    for index in range(end - months + 1, end + 1):
        day = min(month_bounds(index, index)[1], today)
        cov = compute_coverage(nodes, on=day)
        labels.append(f"{day:%Y-%m}")
        corridor.append(export_figures.mean_of(cov, evidenced))
        for name, codes in members.items():
            by_route[name].append(
                round(sum(cov[c].score for c in codes) / len(codes), 4) if codes else None
            )
    return CoverageTrend(labels, corridor, by_route)


@dataclass(frozen=True)
class CoverageCell:
    level: str  # none, pilot, partial, operational, "" (not applicable)
    evidence_url: str
    since_year: int | None
    since: str = ""


@dataclass(frozen=True)
class CoverageMatrix:
    categories: list[tuple[str, str]]  # code, name
    rows: list[tuple[str, str, float | None, list[CoverageCell]]]  # code, name, score, cells
    routes: list[tuple[str, str, float]]  # code, name, score (best first)
    gaps: list[tuple[str, str, str, str]]  # route, node, category, offered by


def coverage_matrix(lang: str, route: str | None = None, on: date | None = None) -> CoverageMatrix:
    """The node x service matrix, routes ranked and their gaps, by what was in place on
    `on` (now when None)."""
    from corridors.services.coverage import compute_route_coverage

    categories = list(DigitalServiceCategory.objects.order_by("code"))
    nodes = Node.objects.mapped().order_by("code")
    if route:
        nodes = nodes.filter(routes__code=route).distinct()
    node_list = list(nodes)
    on = min(on, timezone.now().date()) if on else None
    coverage = compute_coverage(on=on)
    evidence = ServiceEvidence.objects.filter(confidence="low")
    if on is not None:
        # `as_of` is "YYYY", "YYYY-MM" or "YYYY-MM-DD": a shorter form sorts before the
        # days it covers, so a string comparison keeps what was said by then.
        evidence = evidence.filter(as_of__lte=on.isoformat())
    unverified = {(e.node_id, e.category_id): e.source_url for e in evidence}
    rows = []
    for n in node_list:
        cov = coverage[n.code]
        cells = []
        for c in categories:
            if c.code not in cov.applicable:
                cells.append(CoverageCell("", "", None))
                continue
            s = cov.services.get(c.code)
            if s is None and (n.pk, c.pk) in unverified:
                cells.append(CoverageCell("unverified", unverified[(n.pk, c.pk)], None))
                continue
            cells.append(
                CoverageCell(
                    s.level if s else "none",
                    s.evidence_url if s else "",
                    s.since_year if s else None,
                    s.since if s else "",
                )
            )
        rows.append((n.code, localized(n, lang), cov.score if cov.assessed else None, cells))
    route_rows = sorted(
        compute_route_coverage(node_coverage=coverage), key=lambda r: r.score, reverse=True
    )
    names = {r.code: localized(r, lang) for r in Route.objects.all()}
    return CoverageMatrix(
        categories=[(c.code, localized(c, lang)) for c in categories],
        rows=rows,
        routes=[(r.code, names.get(r.code, r.code), r.score) for r in route_rows],
        gaps=[
            (g.route, g.node, g.category, ", ".join(g.offered_by))
            for r in route_rows
            if not route or r.code == route
            for g in r.gaps
        ],
    )


# -- period and headline figures ---------------------------------------------------------------
FIRST_MONTH = (2017, 1)  # the corridor's first sea-rail trains ran in 2017


month_index = periods.month_index
month_bounds = periods.month_bounds


def default_period_months() -> tuple[int, int]:
    """The last full calendar year (published figures are yearly)."""
    year = timezone.now().year - 1
    return month_index(date(year, 1, 1)), month_index(date(year, 12, 1))


def month_range() -> tuple[int, int]:
    return month_index(date(*FIRST_MONTH, 1)), month_index(timezone.now().date())


def headline(first: date, last: date) -> export_figures.HeadlineStrip:
    return export_figures.headline(first, last)


@dataclass(frozen=True)
class EvidenceView:
    category: str
    level: str
    as_of: str
    confidence: str
    source_url: str
    summary: str


def node_evidence(code: str, lang: str, until: date | None = None) -> list[EvidenceView]:
    """The dated, sourced statements about a node's digital services (made by `until`,
    when given), newest first."""
    rows = ServiceEvidence.objects.filter(node__code=code).select_related("category")
    if until is not None:
        rows = rows.filter(as_of__lte=until.isoformat())
    return [
        EvidenceView(
            localized(e.category, lang),
            e.get_level_display(),
            e.as_of,
            e.get_confidence_display(),
            e.source_url,
            e.summary,
        )
        for e in rows.order_by("-as_of")
    ]
