"""The Ministry of Transport's monthly port tables into official published figures.

Each port row is mapped to a node by its alias (PortAlias; a node's own Chinese name
otherwise); subtotal rows (provinces, coastal, inland, national) are counted, not stored;
names that map to nothing are listed. A mapped row gives the month's figure (本月) and the
year to date (本年累计, a "part of a year" figure, 1 January to the month's end), total and
foreign trade where the table has them, converted to tonnes or TEU. When a table has only
the year to date, the month is that minus the previous month's year to date (stored from
the previous table), and says so. Figures are published, official, from the Ministry, with
the source; the same table again changes nothing; a revised table makes new revisions that
supersede the old (history kept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from audit import services as audit
from audit.choices import Action
from core.periods import month_last_day
from geo.models import Node

from ..choices import METRIC_UNITS, Trade
from ..ingest.mot import MotTable
from ..models import PortAlias, ThroughputReport

ENTITY = "交通运输部 (Ministry of Transport)"
# The corridor's ports as the Ministry's tables name them.
DEFAULT_ALIASES = {
    "北部湾港": "BBG",
    "广西北部湾港": "BBG",
    "重庆": "CQ",
    "泸州": "LZ",
    "宜宾": "YB",
    "洋浦": "YP_PORT",
    "湛江": "ZJ_PORT",
    "上海": "SHA",
    "宁波舟山": "NBO",
    "钦州": "QZ_PORT",
    "北海": "BH_PORT",
    "防城": "FCG_PORT",
    "防城港": "FCG_PORT",
}


def ensure_aliases() -> int:
    """The default aliases where missing (an alias edited in the admin is kept)."""
    nodes = dict(
        Node.objects.filter(code__in=set(DEFAULT_ALIASES.values())).values_list("code", "pk")
    )
    have = set(PortAlias.objects.values_list("name", flat=True))
    missing = [
        PortAlias(name=name, node_id=nodes[code], note="default")
        for name, code in DEFAULT_ALIASES.items()
        if code in nodes and name not in have
    ]
    PortAlias.objects.bulk_create(missing)
    return len(missing)


@dataclass
class MotImport:
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    derived: int = 0
    subtotals: int = 0
    unmapped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.created} new, {self.revised} revised, {self.unchanged} unchanged figures "
            f"({self.derived} months derived from year-to-date tables); "
            f"{self.subtotals} subtotal rows skipped"
        )
        if self.unmapped:
            text += f"; not mapped to a node (add an alias): {', '.join(self.unmapped)}"
        if self.problems:
            text += "; " + "; ".join(self.problems)
        return text


def _write(
    result: MotImport,
    node: Node,
    metric: str,
    trade: str,
    kind: str,
    first: date,
    last: date,
    value: Decimal,
    source_url: str,
    note: str,
) -> None:
    key = dict(
        node=node,
        period_kind=kind,
        period_start=first,
        period_end=last,
        metric=metric,
        trade=trade,
        reporting_entity=ENTITY,
        source="published",
    )
    value = value.quantize(Decimal("0.01"))
    old = ThroughputReport.objects.select_for_update().filter(**key, current=True).first()
    if old is not None and old.value == value:
        result.unchanged += 1
        return
    if old is not None:
        ThroughputReport.objects.filter(pk=old.pk).update(current=False, official=False)
    ThroughputReport.objects.create(
        **key,
        unit=METRIC_UNITS[metric],
        value=value,
        status="approved",
        channel="file",
        source_url=source_url,
        note=note,
        reason="a revised table" if old is not None else "",
        revision=(old.revision + 1) if old else 1,
        supersedes=old,
        current=True,
        official=True,
        origin="user",
    )
    if old is None:
        result.created += 1
    else:
        result.revised += 1


def _previous_ytd(node: Node, metric: str, trade: str, year: int, month: int) -> Decimal | None:
    if month == 1:
        return Decimal(0)
    row = (
        ThroughputReport.objects.filter(
            node=node,
            metric=metric,
            trade=trade,
            period_kind="partial",
            period_start=date(year, 1, 1),
            period_end=month_last_day(date(year, month - 1, 1)),
            reporting_entity=ENTITY,
            current=True,
        )
        .values_list("value", flat=True)
        .first()
    )
    return row


@transaction.atomic
def import_table(table: MotTable, source_url: str = "", user: Any = None) -> MotImport:
    """Store a parsed table's port rows as official published figures (see the module)."""
    result = MotImport(problems=list(table.problems))
    if table.problems:
        return result
    if table.year is None or table.month is None:
        result.problems.append("the table does not say its month: give --month YYYY-MM")
        return result
    ensure_aliases()
    aliases = dict(PortAlias.objects.values_list("name", "node_id"))
    by_zh = {n.name_zh: n for n in Node.objects.exclude(name_zh="")}
    nodes = Node.objects.in_bulk(set(aliases.values()))
    first = date(table.year, table.month, 1)
    last = month_last_day(first)
    year_start = date(table.year, 1, 1)
    for row in table.rows:
        if row.subtotal:
            result.subtotals += 1
            continue
        node = nodes.get(aliases[row.name]) if row.name in aliases else by_zh.get(row.name)
        if node is None:
            result.unmapped.append(row.name)
            continue
        for trade, month_value, ytd in (
            (Trade.TOTAL, row.month, row.ytd),
            (Trade.FOREIGN, row.foreign_month, row.foreign_ytd),
        ):
            note = f"{table.year}-{table.month:02d} table, row {row.line}"
            if ytd is not None:
                _write(
                    result,
                    node,
                    table.metric,
                    trade,
                    "partial",
                    year_start,
                    last,
                    ytd,
                    source_url,
                    note,
                )
            if month_value is None and ytd is not None:
                previous = _previous_ytd(node, table.metric, trade, table.year, table.month)
                if previous is None:
                    continue  # the month follows when the previous month's table is imported
                month_value = ytd - previous
                note += "; the month derived: this year to date minus the previous month's"
                result.derived += 1
            if month_value is not None:
                _write(
                    result,
                    node,
                    table.metric,
                    trade,
                    "month",
                    first,
                    last,
                    month_value,
                    source_url,
                    note,
                )
    audit.record(
        Action.UPLOAD,
        f"mot:{table.metric}:{table.year}-{table.month:02d}",
        {"created": result.created, "revised": result.revised, "unmapped": result.unmapped},
        user=user,
    )
    return result
