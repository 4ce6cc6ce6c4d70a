"""manage.py notify_overdue: mail operators the months overdue at their nodes (where an
SMTP server is configured). Run it daily (cron), or with --every SECONDS as a loop (which
outlives a database restart)."""

from django.core.management.base import BaseCommand

from core.process import run_every

from ...services.reporting import send_overdue_reminders


class Command(BaseCommand):
    help = "Mail operators the monthly figures overdue at their nodes."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")

    def handle(self, *args, **options):
        run_every(
            options["every"],
            lambda: f"{send_overdue_reminders()} reminders sent",
            self.stdout.write,
            self.stderr.write,
            "notify_overdue",
        )
