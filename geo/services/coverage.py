"""Digital-service coverage of nodes: the weighted share of applicable categories offered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

from ..choices import LEVEL_SCORES
from ..models import DigitalServiceCategory, Node, NodeService


@dataclass(frozen=True)
class ServiceScore:
    category: str
    level: str
    score: float
    evidence_url: str
    since_year: int | None


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


def evidenced_by(service: NodeService, day: date) -> bool:
    """Whether a service was in place on `day` by its evidence: from the start of the year it
    is evidenced since, or, when no year is known, from the day it was recorded."""
    if service.since_year is not None:
        return service.since_year <= day.year
    return service.valid_from.date() <= day


def compute_coverage(
    nodes: Iterable[Node] | None = None,
    as_of: datetime | None = None,
    on: date | None = None,
) -> dict[str, NodeCoverage]:
    """Coverage of each node (all nodes when `nodes` is None): by the records as they stood
    at a moment (`as_of`, the audit view) and/or by what the evidence says was in place on a
    day (`on`, the view of a period's end); now when neither is given."""
    node_list = list(Node.objects.all() if nodes is None else nodes)
    categories = list(DigitalServiceCategory.objects.all())
    services = NodeService.objects.filter(node__in=[n.pk for n in node_list])
    services = services.as_of(as_of) if as_of else services.current()
    by_node: dict[int, list[NodeService]] = {}
    for s in services.select_related("category"):
        if on is None or evidenced_by(s, on):
            by_node.setdefault(s.node_id, []).append(s)
    result: dict[str, NodeCoverage] = {}
    for node in node_list:
        applicable = [c for c in categories if c.applies(node.kinds)]
        offered = {
            s.category.code: ServiceScore(
                category=s.category.code,
                level=s.level,
                score=LEVEL_SCORES[s.level],
                evidence_url=s.evidence_url,
                since_year=s.since_year,
            )
            for s in by_node.get(node.pk, [])
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
