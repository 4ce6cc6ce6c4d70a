"""manage.py restore FOLDER [--clean]: bring a backup back into this system's database (an
empty one, or --clean to replace what it holds) and put its archive and export files back;
every checksum is checked first and the row counts after (core.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by manage.py backup."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a backup folder (corridor-watch-YYYYMMDDTHHMMSSZ)")
        parser.add_argument(
            "--clean", action="store_true", help="replace the data this database holds"
        )

    def handle(self, *args, **options):
        try:
            done = restore(Path(options["folder"]), clean=options["clean"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {done.tables} tables ({done.rows:,} rows) and {done.files} files "
            f"from {done.folder}"
        )
