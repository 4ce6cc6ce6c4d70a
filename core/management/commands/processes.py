"""manage.py processes [--forget]: the long-running processes' last beats and which are
late (what /healthz says); --forget clears them (scripts/run.sh does at every start)."""

from django.core.management.base import BaseCommand

from core.heartbeat import processes
from core.models import ProcessBeat


class Command(BaseCommand):
    help = "List the processes' heartbeats, or forget them."

    def add_arguments(self, parser):
        parser.add_argument("--forget", action="store_true", help="clear every heartbeat")

    def handle(self, *args, **options):
        if options["forget"]:
            count, _ = ProcessBeat.objects.all().delete()
            self.stdout.write(f"processes: {count} heartbeats forgotten")
            return
        found = processes()
        for name, p in found.items():
            state = "LATE" if p["late"] else "ok"
            self.stdout.write(
                f"{name:40} {state:4} last beat {p['beat_age_s']:>8.1f} s ago "
                f"(every {p['every_s']:g} s) pid {p['pid']} on {p['host']}"
            )
        if not found:
            self.stdout.write("processes: none has beaten yet")
