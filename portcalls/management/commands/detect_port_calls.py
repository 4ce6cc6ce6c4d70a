"""manage.py detect_port_calls: recompute port calls (batch), process the recompute
requests late positions left (--pending), or follow new positions (--follow)."""

import logging
import threading
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone

from core.heartbeat import beat
from core.process import on_stop_signals
from geo.models import Node

from ...models import DetectionRule
from ...services.calls import CallFollower, detect_port_calls, process_recompute_requests

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 60.0


def _when(value: str) -> datetime:
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Detect port calls from stored positions with each port's current rule; "
        "--pending recomputes what late positions changed; --follow keeps going."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", action="append", help="node code (repeat); default all")
        parser.add_argument("--start", type=_when, help="ISO 8601; default: 7 days ago")
        parser.add_argument("--end", type=_when, help="ISO 8601; default: now")
        parser.add_argument(
            "--pending",
            action="store_true",
            help="only process the recompute requests late positions left, then stop",
        )
        parser.add_argument(
            "--follow",
            action="store_true",
            help="after the batch, process new positions and recompute requests every "
            "--interval s, reconnecting when the database goes away",
        )
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args, **options):
        if options["pending"]:
            s = process_recompute_requests()
            self.stdout.write(
                f"detect_port_calls: {s.requests} recompute requests, {s.periods} periods, "
                f"calls saved {s.calls or 'none'}"
            )
            return
        stop = threading.Event()
        with on_stop_signals(lambda *a: stop.set()):
            self._run(stop, options)

    def _run(self, stop: threading.Event, options) -> None:
        nodes, end = self._with_database(stop, lambda: self._batch(options))
        if not options["follow"] or nodes is None:
            return
        follower = CallFollower(nodes, cursor=end)
        delay = options["interval"]
        counters = {"polls": 0, "recompute_requests": 0, "database_errors": 0}
        while not stop.wait(delay):
            try:
                close_old_connections()
                requests = process_recompute_requests(follower)
                if requests.requests:
                    self.stdout.write(
                        f"detect_port_calls: recomputed {requests.periods} late periods "
                        f"({requests.requests} requests): {requests.calls}"
                    )
                follower.poll()
                counters["polls"] += 1
                counters["recompute_requests"] += requests.requests
                beat("port-call-follower", options["interval"], counters)
                delay = options["interval"]
            except (OperationalError, InterfaceError) as exc:
                # A restart or failover: keep the trackers, wait, reconnect, go on (the
                # cursor did not move, so nothing is skipped).
                connection.close()
                counters["database_errors"] += 1
                delay = min(max(delay, 1.0) * 2, MAX_BACKOFF_S)
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                log.warning("database unavailable (%s); retrying in %.0f s", first, delay)

    def _batch(self, options):
        ports = DetectionRule.objects.filter(valid_to__isnull=True).values_list(
            "node__code", flat=True
        )
        codes = options["port"] or sorted(ports)
        nodes = list(Node.objects.filter(code__in=codes))
        if len(nodes) != len(set(codes)):
            raise CommandError(f"unknown port among {codes}")
        end = options["end"] or timezone.now()
        start = options["start"] or end - timedelta(days=7)
        for node in nodes:
            s = detect_port_calls(node, start, end)
            self.stdout.write(
                f"detect_port_calls: {s.port} rule v{s.rule_version}: {s.positions:,} "
                f"positions, {s.calls} calls ({s.open_calls} open), {s.removed} replaced"
            )
        return nodes, end

    def _with_database(self, stop: threading.Event, action):
        """Run `action`, waiting for the database when it is away at start."""
        delay = 1.0
        while not stop.is_set():
            try:
                return action()
            except (OperationalError, InterfaceError) as exc:
                connection.close()
                log.warning("database unavailable at start (%s); retrying in %.0f s", exc, delay)
                stop.wait(delay)
                delay = min(delay * 2, MAX_BACKOFF_S)
        return None, None
