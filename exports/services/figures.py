"""Figures shared by the layers and the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.periods import comparison_periods
from geo.services.coverage import evidenced_nodes, mean_coverage
from portcalls.services.metrics import period_calls
from ports.models import ThroughputReport
from ports.services import totals
from ports.services.totals import Comparison
from rail.services import kpis as rail_kpis

# -- the corridor's headline figures for a period (dashboard strip and reports) -------------


@dataclass(frozen=True)
class Headline:
    """A headline figure of the period, what it covers, and how it compares with the period
    before and the same period a year earlier (like for like only: `Comparison.reason`
    says why not)."""

    key: str
    value: float | None
    previous: float | None
    last_year: float | None
    vs_previous: Comparison
    vs_last_year: Comparison
    qualifier: str = ""
    covers: str = ""
    partial: bool = False
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeadlineStrip:
    first: date
    last: date
    figures: list[Headline]
    official: int
    pending: int
    estimated: int


def _throughput(metric: str, first: date, last: date) -> Headline:
    """The corridor's port throughput (ports only: see totals.PORT_KINDS)."""
    figure = totals.period_figure(metric, first, last)
    now = figure.now
    return Headline(
        key=metric,
        value=now.number,
        previous=figure.previous.number,
        last_year=figure.last_year.number,
        vs_previous=figure.vs_previous,
        vs_last_year=figure.vs_last_year,
        qualifier=now.qualifier,
        covers=now.covers_text(),
        partial=now.partial,
        sources=now.sources,
    )


def _calls(first: date, last: date) -> tuple[float | None, float | None]:
    figure = period_calls(first, last)
    return (float(figure.calls) if figure.calls else None), figure.median_wait_h


def _trains(first: date, last: date) -> float | None:
    n = rail_kpis.trains_run(first, last, service_type="sea_rail")
    return float(n) if n else None


def headline(first: date, last: date) -> HeadlineStrip:
    """Corridor totals for [first, last] against the period before and a year earlier:
    container TEU and cargo tonnes (ports.services.totals: what they cover, like-for-like
    comparisons), sea-rail trains, port calls, median anchorage wait (h), mean
    digital-service coverage at the period's end (by the evidence); and how many figures
    are official, pending, or estimates ("about")."""
    periods = comparison_periods(first, last)
    figures = [_throughput("teu", first, last), _throughput("tonnes", first, last)]
    counted: dict[str, list[float | None]] = {"trains": [], "calls": [], "wait": []}
    for a, b in periods:
        counted["trains"].append(_trains(a, b))
        calls, wait = _calls(a, b)
        counted["calls"].append(calls)
        counted["wait"].append(wait)
    evidenced = evidenced_nodes()
    counted["coverage"] = [mean_coverage(b, evidenced) for _a, b in periods]
    for key, (now, previous, last_year) in counted.items():
        figures.append(
            Headline(
                key,
                now,
                previous,
                last_year,
                totals.compare_counts(now, previous),
                totals.compare_counts(now, last_year),
            )
        )
    window = ThroughputReport.objects.filter(
        current=True, period_start__gte=first, period_end__lte=last
    )
    return HeadlineStrip(
        first=first,
        last=last,
        figures=figures,
        official=window.filter(official=True).count(),
        pending=window.filter(status="submitted").count(),
        estimated=window.filter(official=True, qualifier="~").count(),
    )
