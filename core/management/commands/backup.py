"""manage.py backup [DIR]: save the whole system (database dump from one snapshot, the
GeoParquet archive, export files, settings, the secret key) into a new dated folder with
SHA-256 checksums (core.backup). Default DIR: CW_BACKUP_DIR."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database, the archive, the exports and the settings."

    def add_arguments(self, parser):
        parser.add_argument("destination", nargs="?", default=None, help="folder of backups")

    def handle(self, *args, **options):
        destination = Path(options["destination"] or settings.CW_BACKUP_DIR)
        try:
            folder = backup(destination)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        self.stdout.write(f"backed up to {folder} ({size / 2**20:,.1f} MiB)")
