"""manage.py check_alerts: run the alert checks once, or every N seconds (--every), raising,
updating and closing alerts. Survives a database restart (waits and tries again)."""

import threading

from django.core.management.base import BaseCommand
from django.db import Error as DatabaseError
from django.db import close_old_connections

from alerts.services.checks import evaluate
from core.process import on_stop_signals


class Command(BaseCommand):
    help = "Raise, update and close cross-modal alerts."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, **options):
        stop = threading.Event()
        with on_stop_signals(lambda *a: stop.set()):
            while True:
                try:
                    close_old_connections()
                    counts = evaluate()
                    self.stdout.write(
                        "check_alerts: {raised} raised, {updated} updated, {closed} closed".format(
                            **counts
                        )
                    )
                    self.stdout.flush()
                except DatabaseError as exc:
                    self.stderr.write(f"check_alerts: database unavailable ({exc}); retrying")
                    close_old_connections()
                if not options["every"] or stop.wait(options["every"]):
                    return
