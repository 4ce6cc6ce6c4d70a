"""Figures shared by the layers and the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from django.db.models import Max
from django.utils import timezone

from ais.models import VesselLatest
from core.periods import comparison_periods, month_end, month_index, month_start
from geo.services.coverage import evidenced_nodes, mean_coverage
from portcalls.models import PortCall
from portcalls.services.metrics import period_calls
from ports.models import ThroughputReport
from ports.services import totals
from ports.services.totals import Comparison
from rail.models import Train
from rail.services import kpis as rail_kpis

# -- the default period: the latest data the system holds ------------------------------------
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class DataPeriod:
    """The period every page, the report and the API open on: the twelve months up to the
    month of the latest data held (`latest`; None when there is none at all, then up to
    today), the last day no later than today."""

    first: date
    last: date
    latest: date | None


def latest_data_day() -> date | None:
    """The latest day the system holds data for: AIS positions, port calls, train runs or
    throughput figures (their periods' end), no later than today; None without any."""
    today = timezone.now().date()
    found: list[date] = []
    for moment in (
        VesselLatest.objects.aggregate(m=Max("ts"))["m"],
        PortCall.objects.aggregate(m=Max("arrival_at"))["m"],
    ):
        if moment is not None:
            found.append(moment.astimezone(UTC).date())
    for day in (
        Train.objects.aggregate(m=Max("service_date"))["m"],
        ThroughputReport.objects.filter(current=True).aggregate(m=Max("period_end"))["m"],
    ):
        if day is not None:
            found.append(day)
    return min(max(found), today) if found else None


def default_period(today: date | None = None) -> DataPeriod:
    """The twelve whole months up to the latest data held (see DataPeriod)."""
    today = today or timezone.now().date()
    latest = latest_data_day()
    end = month_index(min(latest or today, today))
    return DataPeriod(
        month_start(end - DEFAULT_MONTHS + 1),
        min(month_end(end), today),
        latest,
    )


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
    return (None if figure.count is None else float(figure.count)), figure.median_wait_h


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
