"""manage.py audit_retain [--days N] [--every S]: archive the audit rows older than the
retention period (CW_AUDIT_RETENTION_DAYS, default 180) to a gzip file in
CW_AUDIT_ARCHIVE_DIR, then delete them; once, or every S seconds (`make run` runs it
daily). `--checkpoint` instead appends the newest row's seq and hash to the witness file
(CW_AUDIT_WITNESS; `make run`: every 5 minutes). Survives a database restart."""

from django.core.management.base import BaseCommand

from core.process import run_every

from ...services import checkpoint, retain, verify


class Command(BaseCommand):
    help = "Archive and then delete the audit rows older than the retention period."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--every", type=float, default=0, help="repeat every N seconds")
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="only write the witness's checkpoint (the newest seq and hash)",
        )

    def handle(self, *args, **options):
        def witness() -> str:
            item = checkpoint()
            return f"checkpoint at row #{item['seq']}" if item else "no new rows"

        if options["checkpoint"]:
            run_every(options["every"], witness, self._out, self.stderr.write, "audit_witness")
            return

        def step() -> str:
            verdict = verify()  # an archive of a broken chain would hide the break
            if not verdict.ok:
                return f"the chain breaks at row #{verdict.broken_at}: nothing archived"
            archived = retain(options["days"])
            if archived is None:
                return "nothing older than the retention period"
            return (
                f"rows #{archived.first_seq}-#{archived.last_seq} archived to {archived.path} "
                f"(sha256 {archived.sha256[:12]}...) and deleted"
            )

        run_every(options["every"], step, self._out, self.stderr.write, "audit_retain")

    def _out(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
