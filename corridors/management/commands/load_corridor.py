"""manage.py load_corridor: load (or refresh) the corridor seed data; idempotent."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from corridors.services import load_corridor
from geo.ingest.errors import LayerError


class Command(BaseCommand):
    help = "Load nodes, routes, digital services, published figures and the basemap."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=settings.CW_DATA_DIR)

    def handle(self, *args, **options):
        try:
            summary = load_corridor(options["data_dir"])
        except (LayerError, FileNotFoundError) as exc:
            raise CommandError(f"nothing was loaded: {exc}") from exc
        self.stdout.write(f"load_corridor: {summary}")
