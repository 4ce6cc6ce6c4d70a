"""Prometheus metrics of the whole system at `/metrics` (prometheus_client):

- requests by route (the URL pattern, not the path), method and status, and their
  durations, for Django and Dash alike (a middleware here, hooks in dash_app.auth); with
  gunicorn's several processes they are summed across them (PROMETHEUS_MULTIPROC_DIR, set
  by scripts/run.sh);
- every long-running process's heartbeat (core.heartbeat): its age, whether it is late,
  and its counters (AIS lines, messages, skipped by reason, stored, lag, spill...);
- gauges the apps register (queue lengths: exports, port-call recomputes; open alerts),
  read from the database when scraped.

core imports no app: an app registers its gauges in its AppConfig.ready().
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

# This process's own metrics (in multiprocess mode their values go to files all processes
# share, whatever the registry).
LOCAL = CollectorRegistry()
REQUESTS = Counter(
    "cw_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=LOCAL
)
DURATION = Histogram(
    "cw_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=LOCAL,
)
# name -> (help, function returning {label values tuple: value}, label names)
_GAUGES: dict[str, tuple[str, Callable[[], dict[tuple[str, ...], float]], tuple[str, ...]]] = {}
_NAME_RE = re.compile(r"[^a-zA-Z0-9_]")


def register_gauge(
    name: str,
    help_text: str,
    read: Callable[[], dict[tuple[str, ...], float]],
    labels: tuple[str, ...] = (),
) -> None:
    """A gauge read from the database at every scrape (`read()` gives {labels: value})."""
    _GAUGES[name] = (help_text, read, labels)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(method, route).observe(seconds)


class DatabaseCollector:
    """What the database knows at scrape time: heartbeats and the registered gauges."""

    def collect(self) -> Iterator[Metric]:
        from django.utils import timezone

        from .heartbeat import is_late
        from .models import ProcessBeat

        now = timezone.now()
        age = GaugeMetricFamily(
            "cw_process_beat_age_seconds", "Seconds since a process last beat", labels=["process"]
        )
        late = GaugeMetricFamily(
            "cw_process_late", "1 when a process has missed its beats", labels=["process"]
        )
        counters = GaugeMetricFamily(
            "cw_process_counter",
            "A process's counter as of its last beat",
            labels=["process", "counter"],
        )
        lag = GaugeMetricFamily(
            "cw_feed_lag_seconds", "Newest stored report behind now", labels=["process"]
        )
        spill = GaugeMetricFamily(
            "cw_feed_spill_bytes", "Batches waiting on disk", labels=["process"]
        )
        for row in ProcessBeat.objects.all():
            age.add_metric([row.name], (now - row.beat_at).total_seconds())
            late.add_metric([row.name], float(is_late(row, now)))
            values = row.counters or {}
            for key, value in sorted(values.items()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    counters.add_metric([row.name, _NAME_RE.sub("_", key)], float(value))
            if "lag_s" in values:
                lag.add_metric([row.name], float(values["lag_s"]))
            if "spill_bytes" in values:
                spill.add_metric([row.name], float(values["spill_bytes"]))
        yield from (age, late, counters, lag, spill)
        for name, (help_text, read, labels) in sorted(_GAUGES.items()):
            family = GaugeMetricFamily(name, help_text, labels=list(labels))
            for key, value in read().items():
                family.add_metric(list(key), float(value))
            yield family


def exposition() -> tuple[bytes, str]:
    """The metrics text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # all gunicorn processes' requests, summed
        registry.register(DatabaseCollector())
    else:
        registry = LOCAL  # one process: tests, waitress, runserver
    return generate_latest(registry), CONTENT_TYPE_LATEST


LOCAL.register(DatabaseCollector())


class RequestMetrics:
    """Django middleware: counts and times every request by its URL pattern."""

    def __init__(self, get_response: Callable[[Any], Any]):
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # the pattern, not the path (bounded labels); a router's regex markers dropped
        route = (
            "/" + match.route.replace("^", "").replace("$", "")
            if match is not None and match.route
            else "unmatched"
        )
        observe(request.method, route, response.status_code, time.perf_counter() - started)
        return response
