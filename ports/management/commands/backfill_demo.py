"""manage.py backfill_demo: weeks of simulated past traffic for the demo, so every chart,
baseline and congestion flag has data minutes after a fresh `make run` (which starts it in
the background; CW_DEMO_HISTORY=0 turns it off).

Deterministic (the same seed gives the same history) and done once per database: skipped
when it was done before or when positions older than a week are already stored. It
simulates the Beibu Gulf's AIS traffic over the period (reports every few minutes: a
fraction of a live feed's volume), ingests it as an archive, recomputes the port calls, and
adds monthly container figures for the watched ports as their operators would report them:
the boxes the simulated calls really moved (the simulator's cargo, drawn apart from the AIS
estimator, which sees only what was ingested), the last month pending review. Trains come from
`simulate_rail --follow`, which backfills its own history. Progress is printed."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import SetupRecord
from ais.demo.simulator import Plan, Simulator, load_lanes, monthly_teu
from ais.models import VesselPosition
from core.periods import add_months, month_index, month_last_day
from portcalls.services.calls import watched_ports

from ...models import ThroughputReport

KEY = "demo_history"


class Command(BaseCommand):
    help = "Simulate and store weeks of past AIS traffic, port calls and operator figures."

    def add_arguments(self, parser):
        parser.add_argument("--weeks", type=float, default=8.0)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--ships", type=int, default=30, help="ships at sea at the start")
        parser.add_argument("--arrivals", type=float, default=3.0, help="new ships per hour")
        parser.add_argument(
            "--sparse", type=float, default=30.0, help="report interval factor (30: 5 min)"
        )
        parser.add_argument("--force", action="store_true", help="even if done before")

    def say(self, text: str) -> None:
        self.stdout.write(f"backfill_demo: {text}")
        self.stdout.flush()

    def handle(self, *args, **options):
        now = time.time()
        start = now - options["weeks"] * 7 * 86400
        if not options["force"]:
            if SetupRecord.objects.filter(key=KEY).exists():
                self.say("history was made before: nothing to do")
                return
            week_ago = datetime.fromtimestamp(now - 7 * 86400, UTC)
            if VesselPosition.objects.filter(ts__lt=week_ago).exists():
                self.say("positions older than a week are stored already: nothing to do")
                return
        began = time.monotonic()
        lanes = load_lanes(settings.CW_DATA_DIR / "sea_lanes.geojson")
        sim = Simulator(lanes, seed=options["seed"])
        # Up to an hour ago: the live feed takes over from there.
        end = now - 3600
        plan = sim.plan(start, end - start, options["arrivals"], initial=options["ships"])
        self.say(f"1/4 simulating {options['weeks']:g} weeks: {len(plan.ships)} ships")
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "history.nmea"
            lines = 0
            with path.open("w") as fh:
                for _, line in sim.sentences(plan, start, end, noise=0.0, sparse=options["sparse"]):
                    fh.write(line + "\n")
                    lines += 1
            self.say(f"2/4 ingesting {lines:,} lines as an archive")
            out = StringIO()
            call_command(
                "ingest_ais",
                str(path),
                "--no-progress",
                "--spill-dir",
                str(Path(work) / "spill"),
                "--accept-from",
                datetime.fromtimestamp(start - 86400, UTC).isoformat(),
                stdout=out,
            )
            self.say(
                out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else "ingested"
            )
        self.say("3/4 detecting the port calls of the period")
        out = StringIO()
        call_command("detect_port_calls", "--pending", stdout=out)
        call_command(
            "detect_port_calls",
            "--start",
            datetime.fromtimestamp(start, UTC).isoformat(),
            "--end",
            datetime.fromtimestamp(now, UTC).isoformat(),
            stdout=out,
        )
        made = self.figures(datetime.fromtimestamp(start, UTC).date(), plan)
        self.say(f"4/4 {made} monthly operator figures")
        SetupRecord.objects.get_or_create(
            key=KEY, defaults={"note": f"{options['weeks']:g} weeks, seed {options['seed']}"}
        )
        self.say(f"done in {time.monotonic() - began:.0f} s")

    def figures(self, first_day: date, plan: Plan) -> int:
        """Monthly TEU of each watched port for the whole months of the period, the sums
        of what its simulated calls moved: approved, the last one pending review (what
        operators would have reported)."""
        today = date.today()
        month = first_day if first_day.day == 1 else add_months(first_day, 1)
        months = []
        while month_index(month) < month_index(today):
            months.append((month, month_last_day(month)))
            month = add_months(month, 1)
        if not months:
            return 0
        first_s = datetime.combine(months[0][0], datetime.min.time(), UTC).timestamp()
        last_s = datetime.combine(
            months[-1][1] + timedelta(days=1), datetime.min.time(), UTC
        ).timestamp()
        moved = monthly_teu(plan.calls, first_s, last_s)
        made = 0
        for port in watched_ports().order_by("code"):
            for i, (first, last) in enumerate(months):
                teu = moved.get((port.code, f"{first:%Y-%m}"))
                if not teu:
                    continue
                pending = len(months) > 1 and i == len(months) - 1
                value = Decimal(round(teu))
                _, created = ThroughputReport.objects.get_or_create(
                    node=port,
                    period_kind="month",
                    period_start=first,
                    period_end=last,
                    metric="teu",
                    trade="total",
                    direction="total",
                    cargo_class="all",
                    laden="total",
                    current=True,
                    defaults={
                        "unit": "teu",
                        "value": value,
                        "source": "operator",
                        "status": "submitted" if pending else "approved",
                        "official": not pending,
                        "reporting_entity": "demo operator (simulated)",
                        "note": "demo history: the boxes the simulated calls moved",
                    },
                )
                made += created
        return made
