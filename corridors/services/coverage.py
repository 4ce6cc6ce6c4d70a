"""Route coverage and gaps: a route's score is the mean over the nodes it serves; a gap is
a node lacking an applicable category that a route neighbour offers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from geo.services.coverage import NodeCoverage, compute_coverage

from ..models import Route


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
        member_codes = sorted(
            route.members.exclude(kind="port_group").values_list("code", flat=True)
        )
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
        mean = sum(scores.values()) / len(scores) if scores else 0.0
        result.append(RouteCoverage(route.code, round(mean, 4), scores, gaps))
    return result
