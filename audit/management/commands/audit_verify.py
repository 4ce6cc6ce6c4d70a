"""manage.py audit_verify: walk the audit's hash chain and compare it with the witness's
checkpoints; exit 1 where it breaks (a row removed, edited or slipped in, the newest rows
cut off, a tail rewritten)."""

from django.core.management.base import BaseCommand, CommandError

from ...services import verify


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        verdict = verify()
        if not verdict.ok:
            raise CommandError(
                f"audit_verify: the chain breaks at row #{verdict.broken_at}: "
                f"{verdict.reason} ({verdict.rows} rows read)"
            )
        self.stdout.write(f"audit_verify: {verdict.rows} rows, the chain holds")
