"""manage.py load_corridor: load the corridor seed data; idempotent, and it never
overwrites a user's edit. `--reset` lists the edits the seed would replace, asks, and
replaces them."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.ingest.errors import LayerError
from corridors.services.seed import load_corridor


class Command(BaseCommand):
    help = (
        "Load nodes, routes, digital services, published figures, fences, rules and the "
        "basemap from the seed files. Rows users edited are kept; --reset replaces them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=settings.CW_DATA_DIR)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="bring the seed values back over users' edits (lists them and asks first)",
        )
        parser.add_argument(
            "--yes", action="store_true", help="with --reset: do not ask for confirmation"
        )

    def handle(self, *args, **options):
        data_dir = options["data_dir"]
        try:
            if options["reset"]:
                plan = load_corridor(data_dir, reset=True, dry_run=True)
                if not plan.replaced:
                    self.stdout.write("load_corridor --reset: no user edit differs from the seed")
                else:
                    self.stdout.write(
                        f"load_corridor --reset will replace {len(plan.replaced)} user edits "
                        "with the seed values:"
                    )
                    for item in plan.replaced:
                        self.stdout.write(f"  - {item}")
                    if not options["yes"] and not self._confirm():
                        raise CommandError("nothing was changed")
            summary = load_corridor(data_dir, reset=options["reset"])
        except (LayerError, FileNotFoundError) as exc:
            raise CommandError(f"nothing was loaded: {exc}") from exc
        self.stdout.write(f"load_corridor: {summary}")

    def _confirm(self) -> bool:
        if not options_interactive(self):
            raise CommandError("--reset needs a confirmation: answer yes, or give --yes")
        answer = input("Replace them with the seed values? Type 'yes' to go on: ")
        return answer.strip().lower() == "yes"


def options_interactive(command: BaseCommand) -> bool:
    import sys

    return sys.stdin.isatty()
