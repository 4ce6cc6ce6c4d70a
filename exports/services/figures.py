"""Figures shared by the layers and the report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median

from django.db.models import Q, Sum

from geo.models import Node
from geo.services.coverage import NodeCoverage, compute_coverage
from portcalls.models import PortCall
from ports.models import ThroughputReport
from rail.models import Train


def teu_totals(node_ids: list[int], first: date, last: date) -> dict[int, tuple[float, list[str]]]:
    """Official container totals (TEU) per node id of the figures whose period lies inside
    [first, last], with their sources."""
    rows = (
        ThroughputReport.objects.filter(
            node_id__in=node_ids,
            official=True,
            metric="teu",
            trade="total",
            direction="total",
            cargo_class__in=["all", "container"],
            laden="total",
            period_start__gte=first,
            period_end__lte=last,
        )
        .values("node_id", "period_kind")
        .annotate(total=Sum("value"))
    )
    out: dict[int, tuple[float, list[str]]] = {}
    # A node reporting both months and a year in the window: the year's figure counts once.
    for r in sorted(rows, key=lambda r: r["period_kind"] != "year"):
        out.setdefault(r["node_id"], (float(r["total"]), []))
    for t in ThroughputReport.objects.filter(
        node_id__in=list(out),
        official=True,
        metric="teu",
        period_start__gte=first,
        period_end__lte=last,
    ).values("node_id", "source_url", "reporting_entity", "source"):
        label = t["source_url"] or t["reporting_entity"] or t["source"]
        if label and label not in out[t["node_id"]][1]:
            out[t["node_id"]][1].append(label)
    return out


# -- the corridor's headline figures for a period (dashboard strip and reports) -------------


@dataclass(frozen=True)
class Headline:
    key: str
    value: float | None
    previous: float | None
    last_year: float | None

    def change(self, then: float | None) -> float | None:
        if self.value is None or not then:
            return None
        return (self.value - then) / then


@dataclass(frozen=True)
class HeadlineStrip:
    first: date
    last: date
    figures: list[Headline]
    official: int
    pending: int
    estimated: int


def _months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before: whole months when the window is whole
    months (September -> August), else the same number of days."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return _months(start, -months), start - timedelta(days=1)
    return start - (end - start) - timedelta(days=1), start - timedelta(days=1)


def shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def corridor_total(metric: str, first: date, last: date) -> float | None:
    """The corridor's official total of a metric over figures inside the window; a port
    group's figure counts instead of its members' when both exist (no double count)."""
    rows = (
        ThroughputReport.objects.filter(
            official=True,
            metric=metric,
            trade="total",
            direction="total",
            cargo_class__in=["all", "container"] if metric == "teu" else ["all"],
            laden="total",
            period_start__gte=first,
            period_end__lte=last,
        )
        .values("node_id", "period_kind")
        .annotate(total=Sum("value"))
    )
    by_node: dict[int, float] = {}
    for r in sorted(rows, key=lambda r: r["period_kind"] != "year"):
        by_node.setdefault(r["node_id"], float(r["total"]))
    if not by_node:
        return None
    groups = dict(Node.objects.filter(pk__in=by_node).values_list("pk", "group_id"))
    return sum(v for pk, v in by_node.items() if groups.get(pk) not in by_node)


def _calls(first: date, last: date) -> tuple[float | None, float | None]:
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    calls = PortCall.objects.filter(arrival_at__gte=start, arrival_at__lt=end)
    n = calls.count()
    waits = [w for w in calls.values_list("anchorage_wait_s", flat=True) if w is not None]
    return (float(n) if n else None), (round(median(waits) / 3600, 2) if waits else None)


def _trains(first: date, last: date) -> float | None:
    n = (
        Train.objects.filter(
            service_date__gte=first, service_date__lte=last, service_type="sea_rail"
        )
        .filter(Q(status="running") | Q(status="arrived"))
        .count()
    )
    return float(n) if n else None


def evidenced_nodes() -> list[Node]:
    """The nodes with any digital-service evidence: the set coverage means are taken over."""
    codes = [c.code for c in compute_coverage().values() if c.assessed]
    return list(Node.objects.filter(code__in=codes))


def mean_coverage(day: date, nodes: list[Node] | None = None) -> float | None:
    """The mean coverage on `day` (by the evidence) over the nodes that have evidence at all
    (`nodes`, from `evidenced_nodes`), the same nodes for every day so that periods compare:
    a node whose services came later counts 0 before them. None when no node has evidence."""
    nodes = evidenced_nodes() if nodes is None else nodes
    return mean_of(compute_coverage(nodes, on=day), nodes) if nodes else None


def mean_of(coverage: dict[str, NodeCoverage], nodes: list[Node]) -> float | None:
    """The mean score of `nodes` in a computed coverage (which may hold more nodes)."""
    if not nodes:
        return None
    return round(sum(coverage[n.code].score for n in nodes) / len(nodes), 4)


def headline(first: date, last: date) -> HeadlineStrip:
    """Corridor totals for [first, last] against the period before and a year earlier:
    container TEU, cargo tonnes, sea-rail trains, port calls, median anchorage wait (h),
    mean digital-service coverage at the period's end (by the evidence); and how many
    figures are official, pending, or estimates ("about")."""
    periods = [
        (first, last),
        previous_period(first, last),
        (shift_year(first, -1), shift_year(last, -1)),
    ]
    values: dict[str, list[float | None]] = {
        k: [] for k in ("teu", "tonnes", "trains", "calls", "wait")
    }
    for a, b in periods:
        values["teu"].append(corridor_total("teu", a, b))
        values["tonnes"].append(corridor_total("tonnes", a, b))
        values["trains"].append(_trains(a, b))
        calls, wait = _calls(a, b)
        values["calls"].append(calls)
        values["wait"].append(wait)
    evidenced = evidenced_nodes()
    values["coverage"] = [mean_coverage(b, evidenced) for _a, b in periods]
    figures = [Headline(k, *v) for k, v in values.items()]
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
