"""manage.py detect_port_calls: recompute port calls (batch) or follow new positions."""

import time
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from geo.models import Node
from ports.models import DetectionRule
from ports.services.portcalls import CallFollower, detect_port_calls


def _when(value: str) -> datetime:
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Detect port calls from stored positions with each port's current rule."

    def add_arguments(self, parser):
        parser.add_argument("--port", action="append", help="node code (repeat); default all")
        parser.add_argument("--start", type=_when, help="ISO 8601; default: 7 days ago")
        parser.add_argument("--end", type=_when, help="ISO 8601; default: now")
        parser.add_argument(
            "--follow",
            action="store_true",
            help="after the batch, process new positions every --interval s",
        )
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args, **options):
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
        if options["follow"]:
            follower = CallFollower(nodes, cursor=end)
            while True:
                time.sleep(options["interval"])
                follower.poll()
