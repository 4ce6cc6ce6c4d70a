"""manage.py import_mot FILE... [--month YYYY-MM] [--source-url URL]: the Ministry of
Transport's monthly port tables (规模以上港口货物吞吐量 / 集装箱吞吐量, CSV or XLSX saved
from the page) into official published figures (ports.services.mot). Files are imported in
the order given: give the earlier month first when a table has only the year to date."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.ingest.spreadsheets import UnreadableFile

from ...ingest.mot import parse_file
from ...services.mot import import_table


class Command(BaseCommand):
    help = "Import the Ministry of Transport's monthly port statistics tables."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--month", help="YYYY-MM, when the table's title does not say it")
        parser.add_argument("--source-url", default="", help="the page the table was saved from")

    def handle(self, *args, **o):
        failed = False
        for path in o["files"]:
            try:
                table = parse_file(path)
            except (OSError, UnreadableFile) as exc:
                raise CommandError(f"{path}: {exc}") from exc
            if o["month"]:
                found = re.fullmatch(r"(\d{4})-(\d{2})", o["month"])
                if not found or not 1 <= int(found[2]) <= 12:
                    raise CommandError("--month: YYYY-MM")
                table.year, table.month = int(found[1]), int(found[2])
            result = import_table(table, o["source_url"])
            self.stdout.write(f"import_mot: {path.name}: {result.summary()}")
            failed = failed or bool(result.problems)
        if failed:
            raise CommandError("some tables were refused (see above)")
