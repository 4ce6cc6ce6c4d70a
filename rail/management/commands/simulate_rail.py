"""manage.py simulate_rail: deterministic corridor rail traffic, to a JSON-lines file or,
with --follow, into the database as time passes (what `make run` starts)."""

import json
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import Error as DatabaseError
from django.db import close_old_connections

from ais.demo.simulator import Simulator, load_lanes
from core.heartbeat import beat
from core.process import on_stop_signals
from rail.demo.simulator import DAY, RailSimulator
from rail.ingest.events import parse_objects
from rail.services.demo import calls_from_db, calls_from_plan, rail_lengths, utc
from rail.services.ingest import store_events


class Command(BaseCommand):
    help = "Simulate rail events (JSON lines) to --out FILE, or into the database (--follow)."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path)
        parser.add_argument("--follow", action="store_true", help="feed the database live")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=float, default=7.0, help="days of trains (file)")
        parser.add_argument("--start", type=float, help="unix time (file: default now - days)")
        parser.add_argument("--history-days", type=float, default=14.0, help="--follow backfill")
        parser.add_argument("--interval", type=float, default=60.0, help="--follow poll, s")
        parser.add_argument(
            "--ais-seed",
            type=int,
            default=None,
            help="file: load boxes on the ships of simulate_ais --seed N over the same period",
        )
        parser.add_argument("--ais-ships", type=int, default=60)
        parser.add_argument("--ais-arrivals", type=float, default=12.0)

    def handle(self, *args, **options):
        if bool(options["out"]) == bool(options["follow"]):
            raise CommandError("give exactly one of --out FILE or --follow")
        sim = RailSimulator(rail_lengths(), seed=options["seed"])
        if options["follow"]:
            return self._follow(sim, options)
        days = options["days"]
        start = options["start"] or time.time() - days * DAY
        trains = sim.plan(start, days)
        calls = []
        if options["ais_seed"] is not None:
            lanes = load_lanes(settings.CW_DATA_DIR / "sea_lanes.geojson")
            ais = Simulator(lanes, options["ais_seed"])
            plan = ais.plan(
                start, (days + 5) * DAY, options["ais_arrivals"], initial=options["ais_ships"]
            )
            calls = calls_from_plan(plan.ships, plan.calls)
        messages = sim.messages(trains, calls, until_s=start + days * DAY)
        with options["out"].open("w") as fh:
            for _, message in messages:
                fh.write(json.dumps({k: v for k, v in message.items() if v is not None}) + "\n")
        self.stdout.write(
            f"simulate_rail: {len(messages):,} messages, {len(trains):,} trains, "
            f"{len(calls):,} ship calls -> {options['out']}"
        )

    def _follow(self, sim: RailSimulator, options) -> None:
        stop = threading.Event()
        sent: set[str] = set()
        with on_stop_signals(lambda *a: stop.set()):
            while not stop.is_set():
                try:
                    close_old_connections()
                    said = self._round(sim, options, sent)
                    if said:
                        self.stdout.write(f"simulate_rail: {said}")
                    self.stdout.flush()
                    beat("rail-feed", options["interval"], {"messages_sent": len(sent)})
                except DatabaseError as exc:
                    self.stderr.write(f"simulate_rail: database unavailable ({exc}); retrying")
                    close_old_connections()
                stop.wait(options["interval"])

    def _round(self, sim: RailSimulator, options, sent: set[str]) -> str:
        now = time.time()
        start = now - options["history_days"] * DAY
        trains = sim.plan(start, options["history_days"] + 2)
        calls = calls_from_db(utc(start), utc(now + 2 * DAY))
        fresh = []
        for _, message in sim.messages(trains, calls, until_s=now):
            key = json.dumps(message, sort_keys=True)
            if key not in sent:
                fresh.append((key, {k: v for k, v in message.items() if v is not None}))
        if not fresh:
            return ""
        events, refused = parse_objects([m for _, m in fresh])
        result = store_events([*events, *refused])
        sent.update(k for k, _ in fresh)  # only once stored: a failed round is re-sent
        return f"{len(fresh):,} messages: {result.summary()}"
