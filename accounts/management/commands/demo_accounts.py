"""manage.py demo_accounts [create|status]: the demo accounts of a first `make run`.

`create` makes them once per database (never again: a changed password stays, a deleted
account is not recreated), with random passwords kept in a file only its owner can read
(or $CW_DEMO_PASSWORD), unless CW_DEMO_ACCOUNTS=0. `status` warns while any is active.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import active_demo_accounts, create_demo_users, write_password_file


class Command(BaseCommand):
    help = "Create the demo accounts once (create), or say which are active (status)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "status"], nargs="?", default="status")
        parser.add_argument(
            "--password-file",
            type=Path,
            default=Path(settings.VAR_DIR) / "demo-accounts.txt",
            help="where the new accounts' passwords are written (mode 0600)",
        )

    def handle(self, *args, **options):
        path = options["password_file"]
        if options["action"] == "create":
            if os.environ.get("CW_DEMO_ACCOUNTS", "1").strip().lower() in {"0", "false", "no"}:
                self.stdout.write("demo_accounts: off (CW_DEMO_ACCOUNTS=0)")
                return
            result = create_demo_users(os.environ.get("CW_DEMO_PASSWORD") or None)
            if result.created:
                write_password_file(path, result.created)
                self.stdout.write(f"demo_accounts: created (passwords kept in {path}):")
                for username, secret in result.created.items():
                    self.stdout.write(f"  {username:10} {secret}")
        active = active_demo_accounts()
        if active:
            self.stderr.write(
                "WARNING: demo accounts are active: "
                + ", ".join(active)
                + ". Change their passwords or deactivate them before sharing this site"
                + (f" (passwords in {path})." if path.exists() else ".")
            )
        elif options["action"] == "status":
            self.stdout.write("demo_accounts: none active")
