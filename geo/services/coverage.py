"""Digital-service coverage of nodes: the weighted share of applicable categories offered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import periods
from core.limits import WindowRefused
from core.models import Origin

from ..choices import LEVEL_SCORES
from ..models import DigitalServiceCategory, Node, NodeService, ServiceEvidence

# Statements confident enough to score (low-confidence ones are shown as unverified).
CONFIDENT = ("high", "medium")


@dataclass(frozen=True)
class ServiceScore:
    """A service's level on the day asked, by the evidence: `since` the date of the
    statement (or record) that set it, `evidence_url` its source."""

    category: str
    level: str
    score: float
    evidence_url: str
    since_year: int | None
    since: str = ""


@dataclass
class NodeCoverage:
    """A node's coverage: `score` in 0..1 is the weighted share of the applicable
    categories it offers (none 0, partial 0.5, full 1). `assessed` is false when no
    evidence at all is recorded for the node (its 0 then means "unknown")."""

    code: str
    score: float
    assessed: bool
    applicable: list[str]
    services: dict[str, ServiceScore] = field(default_factory=dict)

    def level_score(self, category: str) -> float:
        service = self.services.get(category)
        return service.score if service else 0.0


def as_of_day(text: str) -> date:
    """The first day a dated statement ("2022", "2022-10" or "2022-10-25") speaks for."""
    parts = [int(x) for x in text.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


@dataclass(frozen=True)
class LevelEvent:
    """A moment a service's level was stated: by its record (from the year it is evidenced
    since), by a confident statement (its date), or by a user's edit (the day it was made)."""

    day: date
    level: str
    since: str
    source: str


def level_events(service: NodeService, statements: Iterable[ServiceEvidence]) -> list[LevelEvent]:
    """The events that set a service's level, in time order. The record states its level
    from the year it is evidenced since; a record without a year only where no dated
    statement speaks (from the first statement, or from the day it was recorded)."""
    stated = [LevelEvent(as_of_day(s.as_of), s.level, s.as_of, s.source_url) for s in statements]
    if service.since_year:
        start = date(service.since_year, 1, 1)
    elif stated:
        start = min(e.day for e in stated)
    else:
        start = service.valid_from.date()
    events = [
        LevelEvent(start, service.level, str(service.since_year or start), service.evidence_url),
        *stated,
    ]
    if service.origin == Origin.USER:
        # A user's edit is the last word from the day it was made.
        made = service.valid_from.date()
        events.append(LevelEvent(made, service.level, str(made), service.evidence_url))
    return sorted(events, key=lambda e: e.day)  # stable: the record first on a tie


def level_on(events: list[LevelEvent], day: date) -> LevelEvent | None:
    """The level the evidence gives on `day`: the latest event on or before it (None
    before the first: the service was not in place yet)."""
    found = None
    for event in events:
        if event.day > day:
            break
        found = event
    return found


def compute_coverage(
    nodes: Iterable[Node] | None = None,
    as_of: datetime | None = None,
    on: date | None = None,
) -> dict[str, NodeCoverage]:
    """Coverage of each node (all nodes when `nodes` is None): by the records as they stood
    at a moment (`as_of`, the audit view), each service at the level the evidence gives on a
    day (`on`, the view of a period's end; today when not given): the record's level from
    the year it is evidenced since, then each confident statement from its date, a user's
    edit from the day it was made. Every page, export and API reads levels here."""
    node_list = list(Node.objects.all() if nodes is None else nodes)
    day = on or date.today()
    categories = list(DigitalServiceCategory.objects.all())
    pks = [n.pk for n in node_list]
    services = NodeService.objects.filter(node__in=pks)
    services = services.as_of(as_of) if as_of else services.current()
    statements: dict[tuple[int, int], list[ServiceEvidence]] = {}
    for statement in ServiceEvidence.objects.filter(
        node__in=pks, confidence__in=CONFIDENT
    ).order_by("as_of"):
        statements.setdefault((statement.node_id, statement.category_id), []).append(statement)
    by_node: dict[int, list[tuple[NodeService, LevelEvent]]] = {}
    for s in services.select_related("category"):
        event = level_on(level_events(s, statements.get((s.node_id, s.category_id), [])), day)
        if event is not None:
            by_node.setdefault(s.node_id, []).append((s, event))
    result: dict[str, NodeCoverage] = {}
    for node in node_list:
        applicable = [c for c in categories if c.applies(node.kinds)]
        offered = {
            s.category.code: ServiceScore(
                category=s.category.code,
                level=event.level,
                score=LEVEL_SCORES[event.level],
                evidence_url=event.source or s.evidence_url,
                since_year=s.since_year,
                since=event.since,
            )
            for s, event in by_node.get(node.pk, [])
        }
        total = sum(c.weight for c in applicable)
        got = sum(
            c.weight * (offered[c.code].score if c.code in offered else 0.0) for c in applicable
        )
        result[node.code] = NodeCoverage(
            code=node.code,
            score=round(got / total, 4) if total else 0.0,
            assessed=bool(offered),
            applicable=[c.code for c in applicable],
            services=offered,
        )
    return result


# The one coverage colour scale (map, legend, exports, reports): red (none) through yellow
# to blue (all), ColorBrewer's RdYlBu, which readers with red-green colour blindness can
# tell apart (a red-to-green scale they cannot).
COVERAGE_STOPS: list[tuple[float, tuple[int, int, int]]] = [
    (0.0, (215, 48, 39)),
    (0.25, (252, 141, 89)),
    (0.5, (254, 224, 144)),
    (0.75, (145, 191, 219)),
    (1.0, (69, 117, 180)),
]
NO_EVIDENCE_RGB = (154, 165, 177)


def coverage_rgb(score: float | None) -> tuple[int, int, int]:
    """The colour of a coverage score (linear between the stops); grey without evidence."""
    if score is None:
        return NO_EVIDENCE_RGB
    score = min(max(score, 0.0), 1.0)
    for (lo, a), (hi, b) in pairwise(COVERAGE_STOPS):
        if score <= hi:
            t = (score - lo) / (hi - lo)
            r, g, bl = (round(x + t * (y - x)) for x, y in zip(a, b, strict=True))
            return r, g, bl
    return COVERAGE_STOPS[-1][1]


def coverage_hex(score: float | None) -> str:
    return "#{:02x}{:02x}{:02x}".format(*coverage_rgb(score))


# -- coverage figures over time and the evidence behind them ---------------------------------
def categories() -> QuerySet[DigitalServiceCategory]:
    """The digital-service categories, in their order."""
    return DigitalServiceCategory.objects.order_by("order", "code")


def evidenced_nodes() -> list[Node]:
    """The nodes with any digital-service evidence: the set coverage means are taken over."""
    codes = [c.code for c in compute_coverage().values() if c.assessed]
    return list(Node.objects.filter(code__in=codes).order_by("code"))


def mean_of(coverage: dict[str, NodeCoverage], nodes: Iterable[Node]) -> float | None:
    """The mean score of `nodes` in a computed coverage (which may hold more nodes)."""
    codes = [n.code for n in nodes]
    if not codes:
        return None
    return round(sum(coverage[c].score for c in codes) / len(codes), 4)


def mean_coverage(day: date, nodes: list[Node] | None = None) -> float | None:
    """The mean coverage on `day` (by the evidence) over the nodes that have evidence at all
    (`nodes`, from `evidenced_nodes`), the same nodes for every day so that periods compare:
    a node whose services came later counts 0 before them. None when no node has evidence."""
    nodes = evidenced_nodes() if nodes is None else nodes
    return mean_of(compute_coverage(nodes, on=day), nodes) if nodes else None


HISTORY_MAX_MONTHS = 120  # ten years of month ends at most per ask


def month_ends(months: int, until: date | None = None) -> list[date]:
    """The last day of each of `months` months up to `until`'s month (default this month),
    today for the month not yet over."""
    if not 1 <= months <= HISTORY_MAX_MONTHS:
        raise WindowRefused("months", _("from 1 to %(most)s months") % {"most": HISTORY_MAX_MONTHS})
    today = timezone.now().date()
    end = periods.month_index(min(until or today, today))
    return [min(periods.month_bounds(i, i)[1], today) for i in range(end - months + 1, end + 1)]


def coverage_history(
    node: Node, months: int = 36, until: date | None = None
) -> list[tuple[date, float | None]]:
    """A node's coverage score at the end of each of `months` months up to `until`'s, by
    what the evidence says was in place then; None for a month before any evidence (or
    when no category applies to the node)."""
    points = []
    for day in month_ends(months, until):
        cov = compute_coverage([node], on=day)[node.code]
        points.append((day, cov.score if cov.assessed and cov.applicable else None))
    return points


def node_evidence(code: str, until: date | None = None) -> QuerySet[ServiceEvidence]:
    """The dated, sourced statements about a node's digital services (made by `until`, when
    given), newest first."""
    rows = ServiceEvidence.objects.filter(node__code=code).select_related("category", "node")
    if until is not None:
        # `as_of` is "YYYY", "YYYY-MM" or "YYYY-MM-DD": a shorter form sorts before the days
        # it covers, so a string comparison keeps what was said by then.
        rows = rows.filter(as_of__lte=until.isoformat())
    return rows.order_by("-as_of", "-id")


def evidence_sources(nodes: Iterable[Node], until: date | None = None) -> list[str]:
    """The addresses of the evidence about `nodes`' digital services (made by `until`,
    when given), each once, in code order: what a report cites for its coverage."""
    rows = ServiceEvidence.objects.filter(node__in=list(nodes))
    if until is not None:
        rows = rows.filter(as_of__lte=until.isoformat())
    urls = rows.order_by("node__code", "category__code").values_list("source_url", flat=True)
    return list(dict.fromkeys(u for u in urls if u))


def unverified_claims(on: date | None = None) -> dict[tuple[str, str], str]:
    """(node code, category code) -> source of a low-confidence statement made by `on`:
    claims shown as "unverified", never scored."""
    rows = ServiceEvidence.objects.filter(confidence="low")
    if on is not None:
        rows = rows.filter(as_of__lte=on.isoformat())
    return {
        (node, category): url
        for node, category, url in rows.values_list("node__code", "category__code", "source_url")
    }
