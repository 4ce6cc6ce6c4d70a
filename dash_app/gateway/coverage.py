"""The coverage page and the overview's headline: coverage over time, the node x service
matrix with the routes ranked and their gaps, the corridor's figures of a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from corridors.services import coverage as route_coverage
from corridors.services.routes import routes
from exports.services import figures as export_figures
from geo.services import coverage as coverage_services
from geo.services.nodes import nodes

from .common import localized


@dataclass(frozen=True)
class CoverageTrend:
    months: list[str]
    corridor: list[float | None]  # mean over every node with evidence
    routes: dict[str, list[float | None]]  # route code -> its score


def coverage_trend(
    lang: str, route: str | None = None, until: date | None = None, months: int = 36
) -> CoverageTrend:
    """Coverage at the end of each of `months` months up to `until`'s (default now), by what
    the evidence says was in place: the corridor's mean over the nodes that have evidence
    (the same nodes every month, so that months compare) and each route's score, as on the
    route ranking (corridors.services.coverage.coverage_trend)."""
    trend = route_coverage.coverage_trend(route, until, months)
    return CoverageTrend([f"{day:%Y-%m}" for day in trend.months], trend.corridor, trend.routes)


@dataclass(frozen=True)
class CoverageCell:
    level: str  # none, pilot, partial, operational, unverified, "" (not applicable)
    evidence_url: str
    since_year: int | None
    since: str = ""


@dataclass(frozen=True)
class CoverageMatrix:
    categories: list[tuple[str, str]]  # code, name
    rows: list[tuple[str, str, float | None, list[CoverageCell]]]  # code, name, score, cells
    routes: list[tuple[str, str, float]]  # code, name, score (best first)
    gaps: list[tuple[str, str, str, str]]  # route, node, category, offered by (codes)
    gap_rows: list[tuple[str, str, str, str]]  # the same in words, as people read them


def coverage_matrix(lang: str, route: str | None = None, on: date | None = None) -> CoverageMatrix:
    """The node x service matrix, routes ranked and their gaps, by what was in place on
    `on` (now when None); a claim only a low-confidence source makes reads "unverified"."""
    categories = sorted(coverage_services.categories(), key=lambda c: c.code)
    on = min(on, timezone.now().date()) if on else None
    coverage = coverage_services.compute_coverage(on=on)
    unverified = coverage_services.unverified_claims(on)
    shown = list(nodes(mapped=True, route=route))  # a gap's node and neighbours among them
    rows = []
    for n in shown:
        cov = coverage[n.code]
        cells = []
        for c in categories:
            if c.code not in cov.applicable:
                cells.append(CoverageCell("", "", None))
                continue
            s = cov.services.get(c.code)
            if s is None and (n.code, c.code) in unverified:
                cells.append(CoverageCell("unverified", unverified[(n.code, c.code)], None))
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
        route_coverage.compute_route_coverage(node_coverage=coverage),
        key=lambda r: r.score,
        reverse=True,
    )
    names = {r.code: localized(r, lang) for r in routes()}
    gaps = [
        (g.route, g.node, g.category, ", ".join(g.offered_by))
        for r in route_rows
        if not route or r.code == route
        for g in r.gaps
    ]
    node_names = {n.code: localized(n, lang) for n in shown}
    category_names = {c.code: localized(c, lang) for c in categories}
    return CoverageMatrix(
        categories=[(c.code, localized(c, lang)) for c in categories],
        rows=rows,
        routes=[(r.code, names.get(r.code, r.code), r.score) for r in route_rows],
        gaps=gaps,
        gap_rows=[
            (
                f"{route_code} · {names.get(route_code, route_code)}",
                node_names.get(node, node),
                category_names.get(category, category),
                ", ".join(node_names.get(c, c) for c in offered.split(", ")),
            )
            for route_code, node, category, offered in gaps
        ],
    )


def headline(first: date, last: date) -> export_figures.HeadlineStrip:
    """The corridor's figures of a period (exports.services.figures.headline)."""
    return export_figures.headline(first, last)
