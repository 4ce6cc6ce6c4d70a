"""The seed loader: the whole corridor (nodes, services, routes, published figures,
basemap, fences, default rules) from `data/gis`, all-or-nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from core.imports import ImportCounts
from core.ingest.errors import LayerError
from geo.ingest.nodes import (
    parse_categories,
    parse_node_services,
    parse_nodes,
    parse_service_evidence,
    services_from_evidence,
)
from geo.models import Node
from geo.services.basemap import import_basemap
from geo.services.geofences import import_geofences
from geo.services.nodes import (
    import_categories,
    import_node_services,
    import_nodes,
    import_service_evidence,
)
from portcalls.services.calls import ensure_default_rules
from ports.ingest.published import parse_published
from ports.services.throughput import import_published_figures

from ..ingest.routes import parse_routes, parse_segments
from .routes import import_routes


@dataclass
class LoadSummary:
    counts: dict[str, ImportCounts] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{name}: {c}" for name, c in self.counts.items())

    @property
    def replaced(self) -> list[str]:
        """The user edits a reset replaced (or, in a dry run, would replace)."""
        return [item for c in self.counts.values() for item in c.replaced]


def load_corridor(data_dir: Path, reset: bool = False, dry_run: bool = False) -> LoadSummary:
    """Load the corridor seed data from `data_dir` (see data/gis/README.md), idempotently.

    The seed seeds: what is missing is created, rows still holding seed values follow the
    files, and a row a user edited since is kept. `reset` brings the seed values back over
    users' edits (`LoadSummary.replaced` lists them); `dry_run` writes nothing and reports
    what a load would do.

    Every file is parsed and checked before anything is written, and everything is written
    in one transaction: a bad file raises `LayerError` (file, row, field) and leaves the
    database as it was.
    """
    data_dir = Path(data_dir)
    node_rows = list(parse_nodes(data_dir / "nodes.csv"))
    category_rows = list(parse_categories(data_dir / "service_categories.csv"))
    service_rows = list(parse_node_services(data_dir / "node_services.csv"))
    route_rows = list(parse_routes(data_dir / "routes.csv"))
    segment_rows = list(parse_segments(data_dir / "route_segments.csv"))
    figure_rows = list(parse_published(data_dir / "throughput_published.csv"))
    known = {r.code for r in node_rows} | set(Node.objects.values_list("code", flat=True))
    for rows, file_name in (
        (service_rows, "node_services.csv"),
        (figure_rows, "throughput_published.csv"),
    ):
        for row in rows:
            if row.node not in known:
                raise LayerError(file_name, f"unknown node code '{row.node}'", row.row, "node")
    evidence_path = data_dir / "service_evidence.csv"
    evidence_rows = list(parse_service_evidence(evidence_path)) if evidence_path.exists() else []
    for statement in evidence_rows:
        if statement.node not in known:
            raise LayerError(
                "service_evidence.csv",
                f"unknown node code '{statement.node}'",
                statement.row,
                "node_code",
            )
    # Confident evidence for a (node, category) that node_services.csv does not hold makes
    # a node service; node_services.csv keeps the last word where it has one.
    service_rows += services_from_evidence(
        evidence_rows, {(r.node, r.category) for r in service_rows}
    )
    summary = LoadSummary()
    counts = summary.counts
    with transaction.atomic():
        counts["nodes"] = import_nodes(node_rows, reset=reset)
        counts["service categories"] = import_categories(category_rows, reset=reset)
        counts["node services"] = import_node_services(
            service_rows, "node_services.csv", reset=reset
        )
        counts["service evidence"] = import_service_evidence(
            evidence_rows, "service_evidence.csv", reset=reset
        )
        counts["routes"], counts["segments"] = import_routes(
            route_rows, segment_rows, data_dir, reset=reset
        )
        counts["published figures"] = import_published_figures(figure_rows, reset=reset)
        counts["basemap layers"] = import_basemap(data_dir)
        counts["geofences"] = import_geofences(data_dir / "geofences.geojson", reset=reset)
        counts["detection rules"] = ensure_default_rules(reset=reset)
        if dry_run:
            transaction.set_rollback(True)
    return summary
