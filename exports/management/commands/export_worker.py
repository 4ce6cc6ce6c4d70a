"""manage.py export_worker: run queued exports one at a time (what `make run` starts), expire
old files; survives a database restart (waits and tries again)."""

import contextlib
import threading

from django.core.management.base import BaseCommand
from django.db import Error as DatabaseError
from django.db import close_old_connections

from core.heartbeat import heartbeat
from core.process import on_stop_signals
from exports.services.jobs import expire_files, recover_interrupted, run_job, take_next


class Command(BaseCommand):
    help = "Run queued export jobs."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="poll, seconds")
        parser.add_argument("--once", action="store_true", help="run what is queued, then stop")

    def handle(self, *args, **options):
        stop = threading.Event()
        requeued = recover_interrupted()
        if requeued:
            self.stdout.write(f"export_worker: {requeued} interrupted jobs queued again")
        polls = 0
        counters = {"jobs": 0, "database_errors": 0}
        with on_stop_signals(lambda *a: stop.set()), self._alive(options, counters):
            while not stop.is_set():
                try:
                    close_old_connections()
                    job_id = take_next()
                    if job_id is not None:
                        job = run_job(job_id)
                        counters["jobs"] += 1
                        self.stdout.write(
                            f"export_worker: job {job.pk} {job.state} ({job.rows} rows)"
                        )
                        self.stdout.flush()
                        continue
                    polls += 1
                    if polls % 300 == 1:
                        expire_files()
                except DatabaseError as exc:
                    counters["database_errors"] += 1
                    self.stderr.write(f"export_worker: database unavailable ({exc}); retrying")
                    close_old_connections()
                if options["once"]:
                    return
                stop.wait(options["interval"])

    @staticmethod
    def _alive(options, counters):
        """Beat from a thread while a long job runs (a one-off run does not beat)."""
        if options["once"]:
            return contextlib.nullcontext()
        return heartbeat("export-worker", 15.0, lambda: dict(counters))
