"""Throughput figures: published figures from the seed, the latest figures per node."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core import periods
from core.imports import ImportCounts, upsert_by_key
from core.ingest.errors import LayerError
from core.models import Origin
from core.periods import month_last_day
from geo.models import Node
from portcalls.services.calls import watched_ports

from ..choices import METRIC_UNITS, Metric
from ..ingest.published import PublishedFigureRow
from ..models import ThroughputReport
from .estimates import estimate_teu
from .totals import latest_year, monthly_totals

# The order figures are listed in (a node's panel, its page).
METRIC_ORDER = [Metric.TEU, Metric.TONNES, Metric.RAIL_TEU, Metric.TRAINS, Metric.SAILINGS]


def import_published_figures(
    rows: Iterable[PublishedFigureRow],
    file_name: str = "throughput_published.csv",
    reset: bool = False,
) -> ImportCounts:
    """Record published figures (source "published", approved as reference figures),
    keyed by node, metric, period and reporting entity."""
    counts = ImportCounts()
    nodes = {n.code: n for n in Node.objects.all()}
    existing: dict[Any, ThroughputReport] = {
        (t.node_id, t.metric, t.period_start, t.period_end, t.reporting_entity): t
        for t in ThroughputReport.objects.filter(source="published")
    }
    for r in rows:
        node = nodes.get(r.node)
        if node is None:
            raise LayerError(file_name, f"unknown node code '{r.node}'", r.row, "node")
        key = (node.pk, r.metric, r.period_start, r.period_end, r.reporting_entity)
        lookup = {
            "node": node,
            "metric": r.metric,
            "period_start": r.period_start,
            "period_end": r.period_end,
            "reporting_entity": r.reporting_entity,
            "source": "published",
            "status": "approved",
            "unit": METRIC_UNITS[r.metric],
            "channel": "seed",
            "current": True,
            "official": True,
        }
        values = {
            "period_kind": r.period_kind,
            "value": r.value,
            "qualifier": r.qualifier,
            "source_url": r.source_url,
            "note": r.note,
            "origin": Origin.SEED,
        }
        upsert_by_key(ThroughputReport, existing, key, lookup, values, counts, reset=reset)
    return counts


def latest_year_figures(metric: str = "teu") -> dict[str, dict[str, Any]]:
    """Node code -> {"value", "year", "qualifier", "covered_by"}: the newest complete
    calendar year of the node's own figures (see `totals.latest_year`). A port group's
    member without figures of its own carries no number and names its group (the map never
    sizes Qinzhou by Beibu Gulf Port's total); nodes without either are left out."""
    out = {}
    for code, figure in latest_year(metric).items():
        if figure.value is None and not figure.covered_by:
            continue
        out[code] = {
            "value": figure.value,
            "year": figure.first.year if figure.value is not None else None,
            "qualifier": figure.qualifier,
            "covered_by": figure.covered_by,
        }
    return out


@dataclass(frozen=True)
class Figure:
    """A figure as a node's panel lists it: `value` in the unit `metric` names."""

    node: str
    metric: str
    period_kind: str
    period_start: Any
    period_end: Any
    value: Decimal
    qualifier: str
    entity: str
    url: str
    status: str
    official: bool = True


def node_figures(node: Node, include_pending: bool = False) -> list[Figure]:
    """The figures that count for a node and, for a port group member, for its group
    (and, with `include_pending`, the node's figures waiting for review): ordered by
    metric, newest period first."""
    holders = [node.pk] + ([node.group_id] if node.group_id else [])
    shown = ThroughputReport.objects.effective()
    if include_pending:
        shown = shown | ThroughputReport.objects.pending().filter(node=node)
    reports = shown.filter(node_id__in=holders).select_related("node")
    ordered = sorted(
        reports,
        key=lambda t: (
            METRIC_ORDER.index(t.metric) if t.metric in METRIC_ORDER else len(METRIC_ORDER),
            -t.period_end.toordinal(),
            t.reporting_entity,
        ),
    )
    return [
        Figure(
            node=t.node.code,
            metric=t.metric,
            period_kind=t.period_kind,
            period_start=t.period_start,
            period_end=t.period_end,
            value=t.value,
            qualifier=t.qualifier,
            entity=t.reporting_entity,
            url=t.source_url,
            status=t.status,
            official=t.official,
        )
        for t in ordered
    ]


@dataclass(frozen=True)
class MonthlySeries:
    """A node's container throughput (TEU) month by month, as its chart shows it: its own
    official total (ports.services.totals), its figure pending review, and for a watched
    port the AIS estimate of months AIS covered whole; None where there is none."""

    months: list[date]
    official: list[float | None]
    pending: list[float | None]
    ais: list[float | None]


CHART_MONTHS = 12  # a node chart's default: the last twelve full months
CHART_MAX_MONTHS = 36


def chart_months(first: date | None = None, last: date | None = None) -> list[date]:
    """First days of the whole months from `first` to `last` (the latest CHART_MAX_MONTHS of
    them); without a period, the last CHART_MONTHS full months."""
    if first is None or last is None:
        end = periods.month_index(timezone.now().date()) - 1
        begin = end - CHART_MONTHS + 1
    else:
        begin, end = periods.month_index(first), periods.month_index(last)
        begin = max(begin, end - CHART_MAX_MONTHS + 1)
    return [periods.month_start(i) for i in range(begin, end + 1)]


def monthly_series(node: Node, months: list[date]) -> MonthlySeries:
    """The node's monthly TEU over `months` (first days)."""
    own = monthly_totals("teu", node, months)
    pending = {
        r.period_start: float(r.value)
        for r in ThroughputReport.objects.pending()
        .whole("teu")
        .filter(node=node, period_kind="month", period_start__in=months)
    }
    ais: dict[date, float] = {}
    if watched_ports().filter(pk=node.pk).exists():
        for month in months:
            estimate = estimate_teu(node, month, month_last_day(month))
            if estimate is not None and estimate.teu is not None and estimate.complete:
                ais[month] = round(estimate.teu)
    return MonthlySeries(
        months=list(months),
        official=[own[m].number for m in months],
        pending=[pending.get(m) for m in months],
        ais=[ais.get(m) for m in months],
    )
