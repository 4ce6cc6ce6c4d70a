"""manage.py check_alerts: run the alert checks once, or every N seconds (--every), raising,
updating and closing alerts. Survives a database restart (waits and tries again)."""

from django.core.management.base import BaseCommand

from alerts.services.checks import evaluate
from core.process import run_every


class Command(BaseCommand):
    help = "Raise, update and close cross-modal alerts."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, **options):
        def step() -> str:
            return "{raised} raised, {updated} updated, {closed} closed".format(**evaluate())

        run_every(options["every"], step, self._out, self.stderr.write, "check_alerts")

    def _out(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
