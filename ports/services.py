"""Use cases of the ports app: published figures and the latest figure per node."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from geo.ingest.errors import LayerError
from geo.models import Node
from geo.services import ImportCounts, apply_changes

from .ingest.published import PublishedFigureRow
from .models import ThroughputReport


def import_published_figures(
    rows: Iterable[PublishedFigureRow], file_name: str = "throughput_published.csv"
) -> ImportCounts:
    """Record published figures (source "published", approved as reference figures),
    keyed by node, metric, period and reporting entity."""
    counts = ImportCounts()
    nodes = {n.code: n for n in Node.objects.all()}
    existing = {
        (t.node_id, t.metric, t.period_start, t.period_end, t.reporting_entity): t
        for t in ThroughputReport.objects.filter(source="published")
    }
    for r in rows:
        node = nodes.get(r.node)
        if node is None:
            raise LayerError(file_name, f"unknown node code '{r.node}'", r.row, "node")
        key = (node.pk, r.metric, r.period_start, r.period_end, r.reporting_entity)
        values = {
            "period_kind": r.period_kind,
            "value": r.value,
            "qualifier": r.qualifier,
            "source_url": r.source_url,
            "note": r.note,
        }
        report = existing.get(key)
        if report is None:
            ThroughputReport.objects.create(
                node=node,
                metric=r.metric,
                period_start=r.period_start,
                period_end=r.period_end,
                reporting_entity=r.reporting_entity,
                source="published",
                status="approved",
                **values,
            )
            counts.created += 1
        elif apply_changes(report, values):
            report.save()
            counts.updated += 1
        else:
            counts.unchanged += 1
    return counts


def latest_yearly_values(metric: str = "teu") -> dict[str, tuple[Decimal, int, str]]:
    """Node code -> (value, year, qualifier) of its newest full-year figure of `metric`.

    A member of a port group without a figure of its own gets the group's figure: the map
    sizes Qinzhou, Beihai and Fangchenggang by Beibu Gulf Port's published total."""
    own = {
        t.node.code: (t.value, t.period_end.year, t.qualifier)
        for t in ThroughputReport.objects.latest_yearly(metric).select_related("node")
    }
    result = dict(own)
    for code, group_code in Node.objects.filter(group__isnull=False).values_list(
        "code", "group__code"
    ):
        if code not in result and group_code in own:
            result[code] = own[group_code]
    return result
