"""manage.py create_demo_users: the demo accounts the README lists; idempotent."""

import os

from django.core.management.base import BaseCommand

from accounts.services import DEMO_USERS, create_demo_users


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts: " + ", ".join(u.username for u in DEMO_USERS)

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("CW_DEMO_PASSWORD", "corridor-demo"),
            help="password of every demo account (default: $CW_DEMO_PASSWORD or corridor-demo)",
        )

    def handle(self, *args, **options):
        users = create_demo_users(options["password"])
        self.stdout.write("create_demo_users: " + ", ".join(users))
