"""manage.py build_sea_lanes: route the sea legs over water and cache them in data/gis."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from corridors.services.sealanes import SEA_LANES_FILE, build_sea_lanes


class Command(BaseCommand):
    help = "Route every sea segment over navigable water and write data/gis/sea_lanes.geojson."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=settings.CW_DATA_DIR)

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = build_sea_lanes(options["data_dir"])
        self.stdout.write(
            f"build_sea_lanes: {count} lanes written to {SEA_LANES_FILE} "
            f"in {time.perf_counter() - started:.1f} s"
        )
