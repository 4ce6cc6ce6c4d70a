"""manage.py ais_uploads [--every S]: load the AIS archives administrators uploaded, one
at a time (a `make run` process, every 10 seconds). Survives a database restart."""

from django.core.management.base import BaseCommand

from core.process import run_every

from ...services.uploads import process_queue


class Command(BaseCommand):
    help = "Load the queued AIS uploads."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, **options):
        run_every(options["every"], process_queue, self._out, self.stderr.write, "ais_uploads")

    def _out(self, text: str) -> None:
        if text != "nothing queued":
            self.stdout.write(text)
            self.stdout.flush()
