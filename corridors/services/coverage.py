"""Route coverage and gaps: a route's score is the mean over the nodes it serves; a gap is
a node lacking an applicable category that a route neighbour offers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from geo.models import Node
from geo.services.coverage import (
    HISTORY_MAX_MONTHS,
    NodeCoverage,
    compute_coverage,
    evidenced_nodes,
    mean_of,
    month_ends,
)

from ..models import Route
from .routes import routes


@dataclass(frozen=True)
class CoverageGap:
    """`node` lacks `category` (applicable to it) that route neighbours `offered_by` have."""

    route: str
    node: str
    category: str
    offered_by: tuple[str, ...]


@dataclass
class RouteCoverage:
    """A route's coverage: the mean score of the nodes it serves (port groups excluded)."""

    code: str
    score: float
    nodes: dict[str, float]
    gaps: list[CoverageGap]


def route_neighbours(route: Route) -> dict[str, set[str]]:
    """Node code -> codes of its neighbours on the route: nodes sharing a segment; an
    attached node shares its anchor's neighbours and the anchor itself."""
    adj: dict[str, set[str]] = {}
    for a, b in route.segments.values_list("from_node__code", "to_node__code"):
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set()).add(a)
    attached = list(
        route.memberships.filter(anchor__isnull=False).values_list("node__code", "anchor__code")
    )
    base = {code: set(n) for code, n in adj.items()}
    for node, anchor in attached:
        adj[node] = (base.get(anchor, set()) | {anchor}) - {node}
        adj.setdefault(anchor, set()).add(node)
    return adj


def compute_route_coverage(
    routes: Iterable[Route] | None = None,
    as_of: datetime | None = None,
    node_coverage: dict[str, NodeCoverage] | None = None,
) -> list[RouteCoverage]:
    routes = list(Route.objects.all() if routes is None else routes)
    coverage = node_coverage or compute_coverage(as_of=as_of)
    result = []
    for route in routes:
        neighbours = route_neighbours(route)
        member_codes = scored_members(route)
        gaps = []
        for code in member_codes:
            node_cov = coverage[code]
            for category in node_cov.applicable:
                if node_cov.level_score(category) > 0:
                    continue
                offered_by = tuple(
                    sorted(
                        n
                        for n in neighbours.get(code, ())
                        if n in coverage and coverage[n].level_score(category) > 0
                    )
                )
                if offered_by:
                    gaps.append(CoverageGap(route.code, code, category, offered_by))
        scores = {code: coverage[code].score for code in member_codes}
        result.append(
            RouteCoverage(route.code, route_score(coverage, member_codes) or 0.0, scores, gaps)
        )
    return result


def scored_members(route: Route) -> list[str]:
    """The codes of the nodes a route's score is taken over (port groups excluded)."""
    return sorted(route.members.exclude(kind="port_group").values_list("code", flat=True))


def route_score(coverage: dict[str, NodeCoverage], codes: list[str]) -> float | None:
    """A route's coverage: the mean score of its scored members (None without any)."""
    return round(sum(coverage[c].score for c in codes) / len(codes), 4) if codes else None


TREND_MAX_MONTHS = HISTORY_MAX_MONTHS


@dataclass(frozen=True)
class CoverageTrend:
    """Coverage at month ends: the corridor's mean over the nodes with evidence (the same
    nodes every month, so that months compare) and each route's score."""

    months: list[date]
    corridor: list[float | None]
    routes: dict[str, list[float | None]]


def coverage_trend(
    route: str | None = None, until: date | None = None, months: int = 36
) -> CoverageTrend:
    """Coverage at the end of each of `months` months up to `until`'s (default now), by what
    the evidence says was in place then: the corridor's mean (geo.services.coverage.mean_of
    over `evidenced_nodes`) and each route's score (`route_score`, as the route ranking),
    of one route when `route` is given."""
    days = month_ends(months, until)
    nodes = list(Node.objects.all())
    evidenced = evidenced_nodes()
    members = {r.code: scored_members(r) for r in routes(route)}
    corridor: list[float | None] = []
    by_route: dict[str, list[float | None]] = {code: [] for code in members}
    for day in days:
        cov = compute_coverage(nodes, on=day)
        corridor.append(mean_of(cov, evidenced))
        for code, codes in members.items():
            by_route[code].append(route_score(cov, codes))
    return CoverageTrend(days, corridor, by_route)
