"""manage.py ingest_rail FILE...: rail events from JSON-lines or CSV files (or - for stdin).

Refused events are listed with their line and reason; the others are stored. Re-sending a
file changes nothing."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import ColumnProfile
from rail.ingest.events import iter_csv, iter_jsonl, parse_stream
from rail.ingest.profiles import iter_profile_csv
from rail.services.ingest import IngestResult, Resolver, store_events

MAX_FILE_BYTES = 2 * 1024**3


class Command(BaseCommand):
    help = "Ingest rail events (JSON lines, or CSV when the name ends in .csv)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="files, or - for standard input")
        parser.add_argument("--csv", action="store_true", help="standard input is CSV")
        parser.add_argument("--show", type=int, default=20, help="refusals to print")
        parser.add_argument(
            "--profile",
            help="CSV files are another system's export, read through this saved column "
            "profile (manage.py column_profile save NAME FILE.json --kind rail)",
        )

    def handle(self, *args, **options):
        total = IngestResult()
        resolver = Resolver()
        mapping = None
        if options["profile"]:
            profile = ColumnProfile.objects.filter(kind="rail", name=options["profile"]).first()
            if profile is None:
                raise CommandError(f"--profile {options['profile']!r}: no such rail profile")
            mapping = profile.mapping

        def csv_rows(fh):
            return iter_profile_csv(fh, mapping) if mapping else iter_csv(fh)

        for name in options["files"]:
            if name == "-":
                lines = csv_rows(sys.stdin) if options["csv"] else iter_jsonl(sys.stdin)
                total.add(store_events(parse_stream(lines), resolver=resolver))
                continue
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{name}: larger than 2 GiB")
            with path.open(encoding=_encoding(path), errors="replace", newline="") as fh:
                lines = csv_rows(fh) if name.lower().endswith(".csv") else iter_jsonl(fh)
                result = store_events(parse_stream(lines), resolver=resolver)
            for r in result.refused[: options["show"]]:
                self.stderr.write(f"{name}:{r.line}: {r.reason}: {r.detail}")
            total.add(result)
        self.stdout.write(f"ingest_rail: {total.summary()}")


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a Chinese system's export)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            return "gb18030"
    return "utf-8-sig"
