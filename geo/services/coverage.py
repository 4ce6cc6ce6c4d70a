"""Digital-service coverage of nodes: the weighted share of applicable categories offered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

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
