"""Figures shared by the layers and the report."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from ports.models import ThroughputReport


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
