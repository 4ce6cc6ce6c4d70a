"""manage.py index_positions: give every closed month of AIS positions its spatial index
(GiST on (ts, geom), built concurrently; see ais.partitions), once or every N seconds
(--every; `make run` checks hourly). The open month has none: inserts stay cheap."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection

from core.process import run_every

from ...db import CLOSE_AFTER, index_closed_months


class Command(BaseCommand):
    help = "Build the spatial index of closed months of AIS positions."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")
        parser.add_argument(
            "--close-after-hours",
            type=float,
            default=CLOSE_AFTER.total_seconds() / 3600,
            help="hours after a month's end before it counts as closed (late reports)",
        )

    def handle(self, *args, **options):
        close_after = timedelta(hours=options["close_after_hours"])

        def step() -> str:
            connection.ensure_connection()
            done = index_closed_months(connection, close_after)
            return f"{len(done)} month(s) indexed" + (f": {', '.join(done)}" if done else "")

        run_every(options["every"], step, self.stdout.write, self.stderr.write, "index_positions")
