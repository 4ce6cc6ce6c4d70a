"""manage.py notify_overdue: mail operators the months overdue at their nodes (where an
SMTP server is configured). Run it daily (cron), or with --every SECONDS as a loop."""

import threading

from django.core.management.base import BaseCommand

from core.process import on_stop_signals
from ports.services.reporting import send_overdue_reminders


class Command(BaseCommand):
    help = "Mail operators the monthly figures overdue at their nodes."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, **options):
        stop = threading.Event()
        with on_stop_signals(lambda *a: stop.set()):
            while True:
                sent = send_overdue_reminders()
                self.stdout.write(f"notify_overdue: {sent} reminders sent")
                if not options["every"] or stop.wait(options["every"]):
                    return
