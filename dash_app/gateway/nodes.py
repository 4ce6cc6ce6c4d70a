"""Nodes for the map, the node panel and the node page: options, layers, details, the
throughput chart, coverage over time and the evidence behind it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from corridors.services.coverage import compute_route_coverage
from corridors.services.routes import routes
from geo.choices import CoordQuality, NodeKind, ServiceLevel
from geo.services import coverage as coverage_services
from geo.services.coverage import compute_coverage
from geo.services.nodes import find_node, node_routes, nodes, nodes_extent
from portcalls.services import calls as call_services
from portcalls.services import metrics as metric_services
from ports.choices import Metric
from ports.services import throughput as throughput_services
from ports.services import totals as throughput_totals

from .common import (
    KIND_Z,
    NO_EVIDENCE_COLOUR,
    TotalView,
    coverage_colour,
    localized,
    total_view,
)


def route_options(lang: str) -> list[dict[str, str]]:
    return [{"label": f"{r.code} · {localized(r, lang)}", "value": r.code} for r in routes()]


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
        for n in sorted(nodes(mapped=True), key=lambda n: n.name_en)
    ]


# The corridor when no node is stored yet: Chengdu and Chongqing to Singapore.
CORRIDOR_FALLBACK = (98.0, 0.8, 118.0, 32.5)


def corridor_bounds() -> list[list[float]]:
    """The box the map opens on, [[south, west], [north, east]] as Leaflet takes it: every
    node on the map, with a margin of 2 % each side."""
    west, south, east, north = nodes_extent() or CORRIDOR_FALLBACK
    dx, dy = (east - west) * 0.02, (north - south) * 0.02
    return [[south - dy, west - dx], [north + dy, east + dx]]


def node_position(code: str) -> tuple[float, float] | None:
    """A node's (lon, lat), or None when there is no such node."""
    node = find_node(code)
    return (node.geom.x, node.geom.y) if node else None


def _headline(own: TotalView, cov: coverage_services.NodeCoverage) -> str:
    """The hover line of a map marker: its TEU total and its coverage."""
    if own.number is not None:
        figure = _("%(teu)s TEU") % {"teu": own.value}
        if own.partial:
            figure += " (" + _("partial") + ")"
    elif own.covered_by:
        figure = _("TEU counted in %(group)s") % {"group": own.covered_by}
    else:
        figure = _("no TEU figure")
    return (
        figure
        + " · "
        + (
            _("coverage %(score)s") % {"score": f"{cov.score:.0%}"}
            if cov.assessed
            else _("no service evidence")
        )
    )


def map_nodes(
    lang: str, route: str | None = None, period: tuple[date, date] | None = None
) -> dict[str, Any]:
    """Nodes as a GeoJSON FeatureCollection for the map, with coverage score (on the
    period's last day when given, by the evidence), TEU (of the period: official figures
    inside it; else the latest full year), a headline line for the hover, congestion and a
    stack position for nodes that share a coordinate."""
    node_list = list(nodes(mapped=True, route=route))
    on = min(period[1], timezone.now().date()) if period else None
    coverage = compute_coverage(node_list, on=on)
    congested = metric_services.congested_ports()
    if period is not None:
        teu = throughput_totals.node_totals("teu", *period, node_list)
    else:
        teu = throughput_totals.latest_year("teu", node_list)
    stacks: dict[tuple[float, float], list[Any]] = defaultdict(list)
    for node in node_list:
        stacks[(round(node.geom.x, 4), round(node.geom.y, 4))].append(node)
    features = []
    for group in stacks.values():
        group.sort(key=lambda n: (-KIND_Z.get(n.kind, 0), n.code))
        for index, node in enumerate(group):
            cov = coverage[node.code]
            own = total_view(teu[node.code])
            features.append(
                _node_point(
                    node,
                    lang,
                    {
                        "name": localized(node, lang),
                        "kind": node.kind,
                        "coverage_score": cov.score,
                        "coverage_assessed": cov.assessed,
                        "colour": coverage_colour(cov.score)
                        if cov.assessed
                        else NO_EVIDENCE_COLOUR,
                        "latest_teu": own.number,
                        "headline": _headline(own, cov),
                        "stack_index": index,
                        "stack_size": len(group),
                        "z": KIND_Z.get(node.kind, 0),
                        "congested": node.code in congested,
                    },
                )
            )
    return {"type": "FeatureCollection", "features": features}


def _node_point(node: Any, lang: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A node as a GeoJSON point feature: its code and label, then `properties`."""
    return {
        "type": "Feature",
        "id": node.code,
        "geometry": {"type": "Point", "coordinates": [node.geom.x, node.geom.y]},
        "properties": {
            "code": node.code,
            "label": f"{localized(node, lang)} ({node.code})",
            **properties,
        },
    }


def coverage_gap_layer(
    lang: str, route: str | None = None, on: date | None = None
) -> dict[str, Any]:
    """Nodes lacking a service that their route neighbours offer (GeoJSON points), by what
    was in place on `on` (now when None); each says what it lacks and who offers it."""
    on = min(on, timezone.now().date()) if on else None
    result = compute_route_coverage(routes(route), node_coverage=compute_coverage(on=on))
    lacking: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in result:
        for gap in r.gaps:
            lacking[gap.node][gap.category].update(gap.offered_by)
    names = {c.code: localized(c, lang) for c in coverage_services.categories()}
    features = []
    for node in nodes(mapped=True, codes=lacking):
        gaps = lacking[node.code]
        features.append(
            _node_point(
                node,
                lang,
                {
                    "gaps": len(gaps),
                    "heading": _("Lacks what its route neighbours offer:"),
                    "lacks": [
                        f"{names.get(c, c)} ({', '.join(sorted(by))})"
                        for c, by in sorted(gaps.items())
                    ],
                },
            )
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


def _figure_period(f: throughput_services.Figure) -> str:
    if f.period_kind == "year":
        return str(f.period_end.year)
    if f.period_kind == "month":
        return f"{f.period_start:%Y-%m}"
    return f"{f.period_start:%Y-%m-%d}..{f.period_end:%Y-%m-%d}"


def node_detail(
    code: str, lang: str, on: date | None = None, period: tuple[date, date] | None = None
) -> NodeDetail | None:
    """What the node panel shows: names, kind, coordinate quality, services (in place on
    `on` by their evidence; now when None), figures, and the node's own TEU total of
    `period` (ports.services.totals) when given."""
    node = find_node(code)
    if node is None:
        return None
    cov = compute_coverage([node], on=on)[node.code]
    categories = {c.code: c for c in coverage_services.categories()}
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
            period=_figure_period(f),
            value=f"{f.qualifier + ' ' if f.qualifier else ''}{f.value:,.0f}",
            entity=f.entity,
            url=f.url,
            official=f.official,
        )
        for f in throughput_services.node_figures(node, include_pending=True)
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
        routes=node_routes(node),
        port_page=call_services.watched_port(node.code) is not None,
        period_teu=(
            total_view(throughput_totals.node_totals("teu", *period, [node])[node.code])
            if period
            else None
        ),
    )


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


NODE_MONTHS = throughput_services.CHART_MONTHS
NODE_MAX_MONTHS = throughput_services.CHART_MAX_MONTHS


def node_throughput(
    code: str, first: date | None = None, last: date | None = None
) -> ThroughputSeries | None:
    """A node's monthly container totals over the months of [first, last] (at most 36;
    default the last twelve full months). None: unknown node."""
    node = find_node(code)
    if node is None:
        return None
    series = throughput_services.monthly_series(node, throughput_services.chart_months(first, last))
    return ThroughputSeries(
        months=[f"{m:%Y-%m}" for m in series.months],
        official=series.official,
        pending=series.pending,
        ais=series.ais,
    )


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
    node = find_node(code)
    if node is None:
        return None
    return [
        CoveragePoint(f"{day:%Y-%m}", score)
        for day, score in coverage_services.coverage_history(node, months, until)
    ]


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
    return [
        EvidenceView(
            localized(e.category, lang),
            e.get_level_display(),
            e.as_of,
            e.get_confidence_display(),
            e.source_url,
            e.summary,
        )
        for e in coverage_services.node_evidence(code, until)
    ]
