"""manage.py ingest_dcsa: DCSA Track & Trace events (2.2 or 3.0) into the corridor.

    manage.py ingest_dcsa FILE... --source NAME   files (- for standard input): a JSON array,
                                                  {"events": [...]} or JSON lines
    manage.py ingest_dcsa --poll FEED [--every S] one carrier feed's API, polled (its pages)
    manage.py ingest_dcsa --poll-all --every S    every active feed with an API root, each at
                                                  its interval (a `make run` process)

Refused events are listed with their number, field and reason; the others are applied.
Loading the same events again changes nothing (README "DCSA Track & Trace")."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.process import run_every
from rail.ingest.dcsa import read_document
from rail.models import CarrierFeed
from rail.services.dcsa import DcsaResult, FeedPoller, ingest_objects

MAX_FILE_BYTES = 512 * 2**20


class Command(BaseCommand):
    help = "Ingest DCSA Track & Trace events from files, or poll carriers' feeds."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="files, or - for standard input")
        parser.add_argument(
            "--source",
            help="the events' source (default: the file's name); a feed's name "
            "makes them that feed's",
        )
        parser.add_argument("--dcsa-version", dest="dcsa_version", choices=["2.2", "3.0"])
        parser.add_argument("--poll", metavar="FEED", help="poll this feed (rail.CarrierFeed)")
        parser.add_argument("--poll-all", action="store_true", help="poll every active feed")
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")
        parser.add_argument("--show", type=int, default=20, help="refusals to print")

    def handle(self, *args, **options):
        if options["poll"] or options["poll_all"]:
            if options["files"]:
                raise CommandError("give files or --poll, not both")
            name = options["poll"]
            if name and not CarrierFeed.objects.filter(name=name).exclude(base_url="").exists():
                raise CommandError(f"--poll {name!r}: no feed of that name with an API root")
            poller = FeedPoller(only=name)
            beat = f"dcsa-{name}" if name else "dcsa"
            run_every(options["every"], poller.step, self.stdout.write, self.stderr.write, beat)
            return
        if not options["files"]:
            raise CommandError("give files (or - for standard input), or --poll FEED")
        total = DcsaResult()
        for name in options["files"]:
            data = self._read(name)
            source = options["source"] or ("stdin" if name == "-" else Path(name).name)[:64]
            version = options["dcsa_version"] or _feed_version(source)
            result = ingest_objects(read_document(data), source, "file", version)
            for r in result.refused[: options["show"]]:
                where = f" {r.field}" if r.field else ""
                self.stderr.write(f"{name}: event {r.line}{where}: {r.reason}: {r.detail}")
            total.add(result)
        self.stdout.write(f"ingest_dcsa: {total.summary()}")

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{name}: no such file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{name}: larger than {MAX_FILE_BYTES >> 20} MiB")
        return path.read_bytes()


def _feed_version(source: str) -> str | None:
    """A feed's declared version when the source is a feed's name, else told per event."""
    return CarrierFeed.objects.filter(name=source).values_list("version", flat=True).first()
