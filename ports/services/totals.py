"""Throughput totals: the one definition of "how much did these nodes handle in this
period", and what such a figure covers.

The rules (README, "How figures are counted"):
- Only official figures count (published, or reported and approved), of the metric's
  total breakdown (all trades, directions, cargo classes, laden and empty).
- A figure counts for a period only when its own period lies inside it.
- Per node, the figures counted are disjoint and cover as many days of the period as any
  disjoint choice can; among equal choices the finest (more, shorter figures: months rather
  than their year) and then the widest scope (where two reporters give the same period,
  the larger figure, e.g. the whole port rather than its listed company). So a year and its
  months are never added together.
- A port group (Beibu Gulf Port) and its members are one unit: where the group's figures
  cover a time, they stand for the members, once, and members' figures of that time are
  left out; elsewhere the members' own figures count. A member's own total never carries
  the group's number: it names the group that covers it instead.
- A total says the months it holds; it is partial when a node it counts misses a month of
  the period. Qualifiers survive: a sum holding a ">=" figure is ">=", one holding a "~"
  figure is "~".
- Two totals compare only like for like (`compare`): the same metric, the same nodes, each
  node covering the same months of its period; otherwise "not comparable", with the reason.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.periods import (
    comparison_periods,
    iter_months,
    month_count,
    month_index,
    month_last_day,
    month_start,
    months_of,
)
from geo.models import Node

from ..choices import Qualifier
from ..models import ThroughputReport

# A day interval as (first ordinal, last ordinal), inclusive.
Span = tuple[int, int]

# The nodes whose figures are port throughput. A logistics hub's or a rail terminal's
# container figure counts the corridor's boxes passing through it, which the ports then
# handle again: the corridor's port throughput adds up ports only.
PORT_KINDS = ("sea_port", "river_port", "sea_terminal", "port_group")


def port_node_ids() -> list[int]:
    """The nodes whose throughput is port throughput (PORT_KINDS among their kinds)."""
    return list(Node.objects.filter(kinds__overlap=list(PORT_KINDS)).values_list("pk", flat=True))


@dataclass(frozen=True)
class Part:
    """One figure counted in a total: `node` reported it for [start, end]; a group's
    figure `stands_for` the members it covers."""

    id: int
    node: str
    start: date
    end: date
    value: Decimal
    qualifier: str
    source: str
    stands_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    """A node as a total counts it (a port group with its members is one unit) and the
    months of the period its figures cover whole."""

    node: str
    months: tuple[date, ...]


@dataclass(frozen=True)
class Total:
    """A total of `metric` over [first, last]: `value` None when no figure counts."""

    metric: str
    first: date
    last: date
    value: Decimal | None
    qualifier: str
    parts: tuple[Part, ...]
    units: tuple[Unit, ...]
    covered_by: str | None = None  # a member without figures: the group that covers it

    @property
    def number(self) -> float | None:
        """`value` as a float (None when no figure counts), as pages, exports and the API
        show it."""
        return None if self.value is None else float(self.value)

    @property
    def period_months(self) -> int:
        return month_count(self.first, self.last)

    @property
    def months(self) -> tuple[date, ...]:
        """The months of the period some counted figure covers whole."""
        return tuple(sorted({m for u in self.units for m in u.months}))

    @property
    def partial(self) -> bool:
        """Whether a counted node misses a month of the period (never for no figure)."""
        whole = set(months_of(self.first, self.last))
        return any(set(u.months) != whole for u in self.units)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes whose figures count."""
        return tuple(dict.fromkeys(p.node for p in self.parts))

    @property
    def unit_nodes(self) -> tuple[str, ...]:
        """The units counted (a group stands for its members): what comparisons match."""
        return tuple(u.node for u in self.units)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.source for p in self.parts if p.source))

    def covers_text(self) -> str:
        """What the total covers, in the user's language: "2025-01 - 2025-12", the months
        held when partial, the group standing for its members."""
        if self.value is None:
            if self.covered_by:
                return _("no figure of its own: counted in %(group)s") % {"group": self.covered_by}
            return _("no figure")
        held = month_ranges(self.months)
        text = held if held else _("no whole month")
        if self.partial:
            text = _("partial: %(months)s of %(period)s") % {
                "months": text,
                "period": month_ranges(months_of(self.first, self.last)),
            }
        groups = [p for p in self.parts if p.stands_for]
        if groups:
            text += " · " + _("%(group)s stands for %(members)s") % {
                "group": groups[0].node,
                "members": ", ".join(groups[0].stands_for),
            }
        return text


@dataclass(frozen=True)
class Comparison:
    """A total against an earlier one: `change` (a fraction) only like for like, else
    `reason` says why not. `qualifier` ">=" or "~" when a figure was qualified."""

    change: float | None
    qualifier: str = ""
    reason: str = ""

    @property
    def comparable(self) -> bool:
        return self.change is not None


def month_ranges(months: Sequence[date]) -> str:
    """ "2025-01 - 2025-05, 2025-08" for a sorted list of month starts."""
    if not months:
        return ""
    indexes = sorted(month_index(m) for m in months)
    runs: list[list[int]] = [[indexes[0], indexes[0]]]
    for i in indexes[1:]:
        if i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])

    def label(i: int) -> str:
        return f"{month_start(i):%Y-%m}"

    return ", ".join(label(a) if a == b else f"{label(a)} – {label(b)}" for a, b in runs)


# -- the figures a total may count --------------------------------------------------------


def total_figures(
    metric: str, first: date, last: date, node_ids: Iterable[int] | None = None
) -> Any:
    """Official figures of `metric`'s total breakdown whose period lies in [first, last]."""
    shown = (
        ThroughputReport.objects.effective()
        .whole(metric)
        .filter(period_start__gte=first, period_end__lte=last)
    )
    if node_ids is not None:
        shown = shown.filter(node_id__in=list(node_ids))
    return shown.select_related("node").order_by("node__code", "period_start", "id")


def _span(report: Any) -> Span:
    return report.period_start.toordinal(), report.period_end.toordinal()


def best_disjoint(reports: Sequence[Any], blocked: Sequence[Span] = ()) -> list[Any]:
    """The disjoint figures covering the most days; among equal, the most figures (the
    finest), then the largest sum (the widest scope); figures overlapping `blocked` left
    out. Weighted interval scheduling, by each figure's last day."""
    usable = [r for r in reports if not any(_overlaps(_span(r), b) for b in blocked)]
    usable.sort(key=lambda r: (_span(r)[1], _span(r)[0], r.pk))
    ends = [_span(r)[1] for r in usable]
    best: list[tuple[tuple[int, int, Decimal], list[Any]]] = [((0, 0, Decimal(0)), [])]
    for i, report in enumerate(usable):
        start, end = _span(report)
        before = bisect_left(ends, start, 0, i)  # figures ending before this one starts
        score, chosen = best[before]
        take = (score[0] + end - start + 1, score[1] + 1, score[2] + report.value)
        best.append(max(best[i], (take, [*chosen, report]), key=lambda b: b[0]))
    return sorted(best[-1][1], key=lambda r: _span(r))


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def union(spans: Iterable[Span]) -> list[Span]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def intersection(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out = []
    for x in a:
        for y in b:
            lo, hi = max(x[0], y[0]), min(x[1], y[1])
            if lo <= hi:
                out.append((lo, hi))
    return union(out)


def whole_months(spans: Sequence[Span], first: date, last: date) -> tuple[date, ...]:
    """The months of [first, last] that `spans` cover whole."""
    held = []
    for start, end in iter_months(first, last):
        want = (start.toordinal(), end.toordinal())
        if any(s[0] <= want[0] and want[1] <= s[1] for s in spans):
            held.append(start)
    return tuple(held)


def combined_qualifier(qualifiers: Iterable[str]) -> str:
    found = set(qualifiers)
    if Qualifier.ABOUT in found:
        return Qualifier.ABOUT
    if Qualifier.AT_LEAST in found:
        return Qualifier.AT_LEAST
    return ""


# -- totals --------------------------------------------------------------------------------


@dataclass
class _Units:
    """The nodes of a total grouped into units: a port group with the members asked for
    (all of them when the group itself is asked for) is one unit."""

    groups: dict[int, list[Node]] = field(default_factory=dict)  # group id -> members
    nodes: dict[int, Node] = field(default_factory=dict)
    members: dict[int, tuple[str, ...]] = field(default_factory=dict)  # group id -> all


def _units_of(node_ids: Iterable[int] | None) -> _Units:
    nodes = Node.objects.all() if node_ids is None else Node.objects.filter(pk__in=list(node_ids))
    chosen = {n.pk: n for n in nodes}
    asked_groups = {pk for pk, n in chosen.items() if n.kind == "port_group"}
    group_ids = {n.group_id for n in chosen.values() if n.group_id} | asked_groups
    units = _Units()
    for member in Node.objects.filter(group_id__in=group_ids).order_by("code"):
        units.members[member.group_id] = (*units.members.get(member.group_id, ()), member.code)
        if member.group_id in asked_groups or member.pk in chosen:
            units.groups.setdefault(member.group_id, []).append(member)
            chosen[member.pk] = member
    for group in Node.objects.filter(pk__in=group_ids):
        chosen[group.pk] = group
        units.groups.setdefault(group.pk, [])
    units.nodes = chosen
    return units


def _part(report: Any, stands_for: tuple[str, ...] = ()) -> Part:
    return Part(
        id=report.pk,
        node=report.node.code,
        start=report.period_start,
        end=report.period_end,
        value=report.value,
        qualifier=report.qualifier,
        source=report.source_url or report.reporting_entity or report.source,
        stands_for=stands_for,
    )


def total(metric: str, first: date, last: date, node_ids: Iterable[int] | None = None) -> Total:
    """The total of `metric` over [first, last] of the nodes `node_ids` (all when None),
    counted by the rules above."""
    units = _units_of(node_ids)
    by_node: dict[int, list[Any]] = defaultdict(list)
    for report in total_figures(metric, first, last, units.nodes):
        by_node[report.node_id].append(report)
    in_group = {m.pk for members in units.groups.values() for m in members}
    parts: list[Part] = []
    counted: list[Unit] = []
    for pk, node in sorted(units.nodes.items(), key=lambda item: item[1].code):
        if pk in in_group:
            continue  # counted with its group
        members = units.groups.get(pk, [])
        unit = _count_unit(node, members, units.members.get(pk, ()), by_node, first, last, parts)
        if unit is not None:
            counted.append(unit)
    value = sum((p.value for p in parts), Decimal(0)) if parts else None
    return Total(
        metric=metric,
        first=first,
        last=last,
        value=value,
        qualifier=combined_qualifier(p.qualifier for p in parts),
        parts=tuple(parts),
        units=tuple(counted),
    )


def _count_unit(
    node: Node,
    members: list[Node],
    stands_for: tuple[str, ...],
    by_node: dict[int, list[Any]],
    first: date,
    last: date,
    parts: list[Part],
) -> Unit | None:
    """Count one unit into `parts`: the node's own figures, then, for a group, its members'
    figures outside the times the group's figures cover."""
    counted_before = len(parts)
    own = best_disjoint(by_node.get(node.pk, []))
    parts.extend(_part(r, stands_for) for r in own)
    covered = union(_span(r) for r in own)
    member_spans = []
    for member in members:
        chosen = best_disjoint(by_node.get(member.pk, []), covered)
        parts.extend(_part(r) for r in chosen)
        member_spans.append(union(_span(r) for r in chosen))
    if len(parts) == counted_before:
        return None  # no figure of this unit counts
    if any(member_spans):
        # The members together cover a day only when each of them does.
        together = member_spans[0]
        for spans in member_spans[1:]:
            together = intersection(together, spans)
        covered = union([*covered, *together])
    return Unit(node.code, whole_months(covered, first, last))


def _node_total(
    metric: str,
    node: Node,
    reports: Sequence[Any],
    first: date,
    last: date,
    stands_for: tuple[str, ...],
    covered_by: str | None,
    group_reports: Sequence[Any] = (),
) -> Total:
    """A node's own total over [first, last] from its figures `reports` (any period). A
    member's figures of a time its group's figures cover are left out (the group stands
    for it there, and `covered_by` names the group): so the rows of the nodes add up to
    the total of them all."""
    inside = [r for r in reports if first <= r.period_start and r.period_end <= last]
    group_inside = [r for r in group_reports if first <= r.period_start and r.period_end <= last]
    blocked = union(_span(r) for r in best_disjoint(group_inside))
    chosen = best_disjoint(inside, blocked)
    if not blocked:
        covered_by = None
    parts = tuple(_part(r, stands_for) for r in chosen)
    covered = union(_span(r) for r in chosen)
    unit = Unit(node.code, whole_months(covered, first, last))
    return Total(
        metric=metric,
        first=first,
        last=last,
        value=sum((p.value for p in parts), Decimal(0)) if parts else None,
        qualifier=combined_qualifier(p.qualifier for p in parts),
        parts=parts,
        units=(unit,) if parts else (),
        covered_by=covered_by,
    )


def _figures_by_node(metric: str, nodes: list[Node], first: date, last: date) -> Any:
    """The nodes' figures and their groups' (one query), and each group's members."""
    groups = {n.group_id for n in nodes if n.group_id}
    by_node: dict[int, list[Any]] = defaultdict(list)
    for report in total_figures(metric, first, last, [*(n.pk for n in nodes), *groups]):
        by_node[report.node_id].append(report)
    members_of: dict[int, tuple[str, ...]] = defaultdict(tuple)
    group_codes: dict[int, str] = {}
    for code, group_id, group_code in Node.objects.filter(group__isnull=False).values_list(
        "code", "group_id", "group__code"
    ):
        members_of[group_id] = (*members_of[group_id], code)
        group_codes[group_id] = group_code
    return by_node, members_of, group_codes


def node_totals(
    metric: str, first: date, last: date, nodes: Iterable[Node] | None = None
) -> dict[str, Total]:
    """Each node's own total of `metric` over [first, last] (node code -> Total). A group
    node carries its group figures (standing for its members); a member carries only its
    own figures of the times its group's figures do not cover, and `covered_by` names the
    group when its figures cover some time (never the group's number). The rows add up:
    their sum is the total of the nodes together."""
    node_list = list(Node.objects.all() if nodes is None else nodes)
    by_node, members_of, group_codes = _figures_by_node(metric, node_list, first, last)
    out = {}
    for node in node_list:
        out[node.code] = _node_total(
            metric,
            node,
            by_node.get(node.pk, []),
            first,
            last,
            members_of.get(node.pk, ()),
            group_codes.get(node.group_id) if node.group_id else None,
            by_node.get(node.group_id, []) if node.group_id else (),
        )
    return out


def latest_year(metric: str = "teu", nodes: Iterable[Node] | None = None) -> dict[str, Total]:
    """Each node's newest calendar year with a complete total of `metric` of its own (node
    code -> Total); a node without one has a Total of None, naming its group when the group
    has such a year (`covered_by`). Three queries, whatever the number of years."""
    node_list = list(Node.objects.all() if nodes is None else nodes)
    by_node, members_of, group_codes = _figures_by_node(metric, node_list, date.min, date.max)
    out: dict[str, Total] = {}
    for node in node_list:
        reports = by_node.get(node.pk, [])
        for year in sorted({r.period_end.year for r in reports}, reverse=True):
            figure = _node_total(
                metric,
                node,
                reports,
                date(year, 1, 1),
                date(year, 12, 31),
                members_of.get(node.pk, ()),
                None,
                by_node.get(node.group_id, []) if node.group_id else (),
            )
            if figure.value is not None and not figure.partial:
                out[node.code] = figure
                break
    for node in node_list:
        if node.code not in out:
            group_has = node.group_id is not None and bool(by_node.get(node.group_id))
            group = group_codes.get(node.group_id) if group_has and node.group_id else None
            out[node.code] = Total(metric, date.min, date.min, None, "", (), (), group)
    return out


def compare(now: Total, then: Total) -> Comparison:
    """`now` against `then`, like for like only: the same metric and nodes, each node
    covering the same months of its period. Otherwise not comparable, and why."""
    if now.value is None or then.value is None:
        return Comparison(None, reason=_("no figure to compare with"))
    if now.metric != then.metric:
        return Comparison(None, reason=_("not the same figure"))
    if set(now.unit_nodes) != set(then.unit_nodes):
        return Comparison(
            None,
            reason=_("not the same nodes (%(now)s vs %(then)s)")
            % {"now": ", ".join(now.unit_nodes), "then": ", ".join(then.unit_nodes)},
        )
    offsets_now = _offsets(now)
    offsets_then = _offsets(then)
    if offsets_now != offsets_then or now.period_months != then.period_months:
        partial = then if then.partial else now
        return Comparison(
            None,
            reason=_("not the same months: %(period)s covers %(months)s only")
            % {
                "period": month_ranges(months_of(partial.first, partial.last)),
                "months": month_ranges(partial.months) or _("no whole month"),
            },
        )
    verdict = compare_counts(now.number, then.number)
    if not verdict.comparable:
        return verdict
    qualifier: str = ""
    if now.qualifier == Qualifier.AT_LEAST and not then.qualifier:
        qualifier = Qualifier.AT_LEAST
    elif now.qualifier or then.qualifier:
        qualifier = Qualifier.ABOUT
    return Comparison(verdict.change, qualifier=qualifier)


def compare_counts(now: float | None, then: float | None) -> Comparison:
    """Two numbers of the same complete kind (calls, trains, coverage; or two totals found
    like for like): the change when both exist and the earlier is not zero."""
    if now is None or then is None:
        return Comparison(None, reason=_("no figure to compare with"))
    if not then:
        return Comparison(None, reason=_("nothing to compare with"))
    return Comparison((now - then) / then)


def _offsets(figure: Total) -> dict[str, frozenset[int]]:
    base = month_index(figure.first)
    return {u.node: frozenset(month_index(m) - base for m in u.months) for u in figure.units}


@dataclass(frozen=True)
class PeriodFigure:
    """A total of the period with the same total for the period before and a year
    earlier, and how it compares with each (like for like only)."""

    now: Total
    previous: Total
    last_year: Total
    vs_previous: Comparison
    vs_last_year: Comparison


def period_figure(
    metric: str, first: date, last: date, node_ids: Iterable[int] | None = None
) -> PeriodFigure:
    """The figure the headline, the report and the API show for a period: the total of
    `metric` over `node_ids` (the port nodes when None: port throughput), against the
    previous period of the same length and the same period a year earlier."""
    nodes = port_node_ids() if node_ids is None else list(node_ids)
    now, previous, last_year = (
        total(metric, a, b, nodes) for a, b in comparison_periods(first, last)
    )
    return PeriodFigure(now, previous, last_year, compare(now, previous), compare(now, last_year))


def node_period_figures(
    metric: str, first: date, last: date, nodes: Sequence[Node]
) -> dict[str, PeriodFigure]:
    """Each node's own figure (`node_totals`) for the period, the period before and a year
    earlier, and its comparisons: the rows of a report."""
    now, previous, last_year = (
        node_totals(metric, a, b, nodes) for a, b in comparison_periods(first, last)
    )
    return {
        code: PeriodFigure(
            figure,
            previous[code],
            last_year[code],
            compare(figure, previous[code]),
            compare(figure, last_year[code]),
        )
        for code, figure in now.items()
    }


def monthly_totals(metric: str, node: Node, months: Sequence[date]) -> dict[date, Total]:
    """The node's own total of each month (first days `months`), by the rules above (a
    month's weeks or days add up; a group member's figures of a time its group covers are
    left out), from one query."""
    if not months:
        return {}
    first, last = min(months), month_last_day(max(months))
    by_node, members_of, group_codes = _figures_by_node(metric, [node], first, last)
    group = group_codes.get(node.group_id) if node.group_id else None
    group_reports = by_node.get(node.group_id, []) if node.group_id else []
    return {
        month: _node_total(
            metric,
            node,
            by_node.get(node.pk, []),
            month,
            month_last_day(month),
            members_of.get(node.pk, ()),
            group,
            group_reports,
        )
        for month in months
    }
