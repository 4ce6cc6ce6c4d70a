"""Archive closed months of AIS positions to GeoParquet (issue 13).

    manage.py archive_positions 2025-09 [2025-10 ...] [--detach] [--dir PATH]
    manage.py archive_positions --before 2026-06 [--detach]

Each month is written to `positions-YYYY-MM.parquet` under `CW_ARCHIVE_DIR` (default
`.var/archive`), read back and counted; `--detach` then detaches the month's partition from
the positions table and drops it (the file is then the only copy: back it up). The archive
stays queryable without PostgreSQL (README: DuckDB, Dask).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...db import stored_months
from ...services.archive import ArchiveRefused, archive_month


def month_arg(text: str) -> date:
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise CommandError(f"not a month (YYYY-MM): {text!r}") from exc


class Command(BaseCommand):
    help = "Archive closed months of AIS positions to GeoParquet; --detach drops them here."

    def add_arguments(self, parser):
        parser.add_argument("months", nargs="*", type=month_arg)
        parser.add_argument("--before", type=month_arg, help="every stored month before it")
        parser.add_argument("--detach", action="store_true")
        parser.add_argument("--dir", type=Path)

    def handle(self, *args, **opts):
        months = list(opts["months"])
        if opts["before"]:
            months += [m for m in stored_months() if m < opts["before"] and m not in months]
        if not months:
            raise CommandError("name the months (YYYY-MM) or --before YYYY-MM")
        failed = 0
        for month in sorted(months):
            try:
                done = archive_month(month, detach=opts["detach"], directory=opts["dir"])
            except ArchiveRefused as exc:
                failed += 1
                self.stderr.write(f"{month:%Y-%m}: {exc}")
                continue
            state = "detached and dropped here" if done.detached else "still stored here too"
            self.stdout.write(f"{done.month}: {done.rows:,} positions -> {done.path} ({state})")
        if failed:
            raise CommandError(f"{failed} month(s) not archived")
