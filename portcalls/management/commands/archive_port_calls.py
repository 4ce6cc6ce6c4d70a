"""Port calls over archived months of positions (GeoParquet), on Dask (issue 25).

    manage.py archive_port_calls 2025-11 2025-12 [--port QZ_PORT ...] [--dir PATH]
        [--scheduler tcp://host:8786 | --workers N] [--out calls.csv]

Each port's current rule and fences (as the database path uses them), the months' files
under `CW_ARCHIVE_DIR` (as `archive_positions` wrote them), and the very detector of the
database path (`portcalls.archive.port_calls`). Where it runs: `--scheduler` a running Dask
cluster's scheduler (its workers import this checkout: same image or PYTHONPATH);
`--workers N` a cluster of N worker processes started on this machine for the run; else
Dask's threads here. Writes one CSV row per call (UTC times). Nothing is stored: compare
with the stored calls, or load them, as the analysis needs.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ais.management.commands.archive_positions import month_arg
from ais.services.archive import archive_dir
from geo.models import Node

from ...archive import ports_calls
from ...services.calls import as_rule, current_rule, port_fences

COLUMNS = (
    "port", "mmsi", "rule_version", "arrival_at", "departure_at", "berth_start", "berth_end",
    "anchorage_start", "anchorage_end",
)  # fmt: skip


def _utc(seconds: float | None) -> str:
    return "" if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


class Command(BaseCommand):
    help = "Recompute port calls over archived months of positions with Dask (a cluster or here)."

    def add_arguments(self, parser):
        parser.add_argument("months", nargs="+", type=month_arg)
        parser.add_argument("--port", action="append", help="node code (repeat); default all")
        parser.add_argument("--dir", type=Path, help="the archive (default CW_ARCHIVE_DIR)")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--scheduler", help="a Dask scheduler's address, tcp://host:8786")
        where.add_argument("--workers", type=int, help="start N local worker processes")
        parser.add_argument("--out", type=Path, help="CSV file (default: standard output)")

    def handle(self, *args, **opts):
        directory = opts["dir"] or archive_dir()
        paths = []
        for month in opts["months"]:
            found = sorted(directory.glob(f"positions-{month:%Y-%m}*.parquet"))
            if not found:
                raise CommandError(f"{month:%Y-%m}: no archived file in {directory}")
            paths += found
        ports = Node.objects.filter(geofences__kind="port_limit").distinct().order_by("code")
        if opts["port"]:
            ports = ports.filter(code__in=opts["port"])
            missing = set(opts["port"]) - {n.code for n in ports}
            if missing:
                raise CommandError(f"no port with limits: {', '.join(sorted(missing))}")
        if opts["workers"] is not None and not 1 <= opts["workers"] <= 256:
            raise CommandError("--workers: from 1 to 256")
        fenced = [(port_fences(node), as_rule(current_rule(node))) for node in ports]
        with self._cluster(opts) as client:
            calls = ports_calls(paths, fenced, client=client)  # the files read once
        rows = [
            (c.port, c.mmsi, c.rule_version, _utc(c.arrival_s), _utc(c.departure_s),
             _utc(c.berth_start_s), _utc(c.berth_end_s), _utc(c.anchorage_start_s),
             _utc(c.anchorage_end_s))
            for c in calls
        ]  # fmt: skip
        out = opts["out"].open("w", newline="", encoding="utf-8") if opts["out"] else sys.stdout
        try:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        finally:
            if opts["out"]:
                out.close()
        self.stderr.write(f"archive_port_calls: {len(rows)} calls, {len(paths)} file(s)")

    def _cluster(self, opts):
        if opts["scheduler"]:
            return nullcontext(opts["scheduler"])
        if opts["workers"]:
            return _local_cluster(opts["workers"])
        return nullcontext(None)


@contextmanager
def _local_cluster(n: int) -> Iterator[Any]:
    """A scheduler and `n` worker processes on this machine for one run: its client."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
