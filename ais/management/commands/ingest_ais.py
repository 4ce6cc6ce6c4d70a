"""manage.py ingest_ais SOURCE...: AIS NMEA from files, stdin, TCP or UDP into PostGIS; and
decoded AIS archives (CSV, also .gz or .zip: NOAA MarineCadastre, the Danish Maritime
Authority's, the satellite providers' decoded layout, or a saved column profile), the layout
read from the header or named with --layout."""

import argparse
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.heartbeat import Heartbeat
from core.process import on_stop_signals

from ...ingest.ais import TimeWindow
from ...ingest.http_feed import without_query
from ...ingest.pipeline import FILE_WINDOW
from ...services.ingest import ingest_ais

HEARTBEAT_S = 15.0  # a feed says it is alive this often (core.heartbeat)


def _when(value: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 date-time") from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Ingest AIS NMEA or decoded AIS archives (CSV). SOURCE: a file (.nmea .txt .log "
        ".csv, also .gz or .zip), - for stdin (NMEA), "
        "tcp://host:port (client), udp://:port (listener on the loopback; "
        "udp://0.0.0.0:port?allow=10.0.0.0/8 listens wider, for the senders allowed), "
        "an HTTP provider's URL (polled; AISHub JSON) or provider: (the one of the settings)."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", metavar="SOURCE")
        parser.add_argument(
            "--force",
            action="store_true",
            help="load a file again even if its content was loaded before",
        )
        parser.add_argument("--batch-rows", type=int, default=5000)
        parser.add_argument(
            "--flush-interval", type=float, default=1.0, help="seconds between writes on a stream"
        )
        parser.add_argument(
            "--summary-every",
            type=float,
            default=60.0,
            help="seconds between summary lines on a stream (0: only at the end)",
        )
        parser.add_argument("--spill-dir", type=Path, default=Path(settings.VAR_DIR) / "ais-spill")
        parser.add_argument(
            "--max-memory-rows",
            type=int,
            default=200_000,
            help="rows kept in memory while the database is away; "
            "older ones are spilled to --spill-dir",
        )
        parser.add_argument(
            "--max-spill-mb",
            type=int,
            default=2048,
            help="disk the spill folder may take; beyond it rows are dropped (counted)",
        )
        parser.add_argument(
            "--accept-from",
            type=_when,
            help="files: believe report times from this date-time (an archive's period; "
            "default: 3 years before the file's modification time)",
        )
        parser.add_argument(
            "--accept-to",
            type=_when,
            help="files: believe report times up to this date-time (default: a day after "
            "the file's modification time)",
        )
        parser.add_argument(
            "--max-age-h",
            type=float,
            default=24.0,
            help="streams: believe report times at most this many hours old on arrival",
        )
        parser.add_argument(
            "--max-ahead-s",
            type=float,
            default=300.0,
            help="streams: believe report times at most this many seconds ahead of arrival",
        )
        parser.add_argument(
            "--layout",
            default=None,
            help="decoded archives: the layout of the CSV files (noaa, dma, satellite or a "
            "saved column profile; default: recognised from each file's header)",
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes for a large plain file (default: one per core)",
        )

    def handle(self, *args, **options):
        sources = options["sources"]
        streams = [
            s
            for s in sources
            if s.startswith(("tcp://", "udp://", "http://", "https://", "provider:"))
        ]
        holder = {}
        done = threading.Event()

        def on_start(ingest):
            holder["ingest"] = ingest

            def stop(signum, frame):
                if ingest.stop.is_set():
                    # A second signal: stop waiting for the database; what is not written
                    # yet is kept in the spill folder for the next run.
                    ingest.writer.abandon()
                    self.stderr.write(
                        "ingest_ais: stopping now; unwritten rows are kept in "
                        f"{options['spill_dir']}"
                    )
                ingest.stop.set()

            holder["stop"] = stop
            if streams:  # a feed runs for good: it says it is alive (core.heartbeat)
                name = ("ais-ingest " + " ".join(sorted(without_query(s) for s in streams)))[:64]
                holder["heartbeat"] = Heartbeat(name, HEARTBEAT_S, ingest.metrics).start()
            every = options["summary_every"]
            if streams and every > 0:

                def report():
                    while not done.wait(every):
                        self.stdout.write(f"ingest_ais: {ingest.summary()}")
                        self.stdout.flush()

                threading.Thread(target=report, daemon=True).start()

        show = not options["no_progress"] and sys.stderr.isatty()
        sizes = {
            s: Path(s).stat().st_size
            for s in sources
            if s not in streams and s != "-" and Path(s).exists()
        }

        def progress(path, done_bytes):
            if show and sizes.get(path):
                share = min(done_bytes / sizes[path], 1.0)
                bar = "#" * int(share * 30)
                sys.stderr.write(f"\r{Path(path).name} [{bar:<30}] {share:5.1%}")
                sys.stderr.flush()
                if share >= 1.0:
                    sys.stderr.write("\n")

        def skipped(source, run):
            self.stdout.write(
                f"ingest_ais: {source} skipped: the same content was loaded "
                f"on {run.finished_at:%Y-%m-%d %H:%M} UTC (use --force)"
            )

        def on_signal(signum, frame):
            if "stop" in holder:
                holder["stop"](signum, frame)

        try:
            with on_stop_signals(on_signal):
                ingest = ingest_ais(
                    sources,
                    spill_dir=options["spill_dir"],
                    force=options["force"],
                    batch_rows=options["batch_rows"],
                    flush_interval_s=options["flush_interval"],
                    workers=options["workers"],
                    max_memory_rows=options["max_memory_rows"],
                    max_spill_bytes=options["max_spill_mb"] << 20,
                    stream_window=TimeWindow(
                        past_s=options["max_age_h"] * 3600, ahead_s=options["max_ahead_s"]
                    ),
                    file_window=TimeWindow(
                        past_s=FILE_WINDOW.past_s,
                        ahead_s=FILE_WINDOW.ahead_s,
                        earliest=options["accept_from"].timestamp()
                        if options["accept_from"]
                        else None,
                        latest=options["accept_to"].timestamp() if options["accept_to"] else None,
                    ),
                    on_progress=progress,
                    on_start=on_start,
                    on_skip=skipped,
                    layout=options["layout"],
                )
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            done.set()
            if "heartbeat" in holder:
                holder["heartbeat"].close()
        self.stdout.write(f"ingest_ais: {ingest.summary()}")
        if ingest.writer.error is not None:
            raise CommandError(f"the writer stopped: {ingest.writer.error}")
