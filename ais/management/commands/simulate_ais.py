"""manage.py simulate_ais: deterministic AIS traffic in the Beibu Gulf, to a file or a feed."""

import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.process import on_stop_signals

from ...demo.feed import FeedServer
from ...demo.simulator import Simulator, load_lanes


class Command(BaseCommand):
    help = (
        "Simulate AIS traffic (real AIVDM sentences encoded by pyais) to --out FILE or "
        "as a TCP feed with --serve tcp://HOST:PORT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="write this file (.nmea)")
        parser.add_argument("--serve", help="tcp://host:port to serve the feed on")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--hours",
            type=float,
            default=6.0,
            help="simulated hours (a file), or of each planning round (a feed)",
        )
        parser.add_argument(
            "--start",
            type=float,
            default=None,
            help="unix time the simulation starts (file: default now - hours)",
        )
        parser.add_argument("--ships", type=int, default=60, help="ships already at sea")
        parser.add_argument("--arrivals", type=float, default=12.0, help="new ships per hour")
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="feed time-lapse: simulated seconds per wall second "
            "(tag blocks carry wall-clock times)",
        )
        parser.add_argument("--noise", type=float, default=0.01)

    def handle(self, *args, **options):
        if bool(options["out"]) == bool(options["serve"]):
            raise CommandError("give exactly one of --out FILE or --serve tcp://host:port")
        lanes = load_lanes(settings.CW_DATA_DIR / "sea_lanes.geojson")
        sim = Simulator(lanes, seed=options["seed"])
        hours = options["hours"]
        if options["out"]:
            start = options["start"] or time.time() - hours * 3600
            plan = sim.plan(start, hours * 3600, options["arrivals"], initial=options["ships"])
            lines = 0
            with options["out"].open("w") as fh:
                for _, line in sim.sentences(
                    plan, start, start + hours * 3600, noise=options["noise"]
                ):
                    fh.write(line + "\n")
                    lines += 1
            self.stdout.write(
                f"simulate_ais: {lines:,} lines, {len(plan.ships)} ships, "
                f"{len(plan.calls)} port calls -> {options['out']}"
            )
            return
        self._serve(sim, options)

    def _serve(self, sim: Simulator, options) -> None:
        url = options["serve"]
        if not url.startswith("tcp://") or ":" not in url[6:]:
            raise CommandError("--serve takes tcp://host:port")
        host, port = url[6:].rsplit(":", 1)
        server = FeedServer(host, int(port))
        stop = threading.Event()
        with on_stop_signals(lambda *a: stop.set()):
            self._feed(sim, server, stop, options)

    def _feed(self, sim: Simulator, server: FeedServer, stop: threading.Event, options) -> None:
        speed = options["speed"]
        self.stdout.write(
            f"simulate_ais: serving on tcp://{server.host}:{server.port} (time-lapse x{speed:g})"
        )
        self.stdout.flush()
        wall0 = time.time()
        sim0 = wall0  # simulation time starts now
        round_s = options["hours"] * 3600
        initial = options["ships"]
        while not stop.is_set():
            plan = sim.plan(sim0, round_s, options["arrivals"], initial=initial)
            initial = 0
            batch: list[str] = []
            for t, line in sim.sentences(
                plan,
                sim0,
                sim0 + round_s,
                noise=options["noise"],
                stamp=lambda t: wall0 + (t - wall0) / speed,
            ):
                due = wall0 + (t - wall0) / speed
                if due > time.time() + 0.2:
                    server.send(batch)
                    batch = []
                    if stop.wait(max(0.0, due - time.time())):
                        break
                batch.append(line)
            server.send(batch)
            sim0 += round_s
        server.close()
        self.stdout.write(f"simulate_ais: {server.sent:,} lines sent")
