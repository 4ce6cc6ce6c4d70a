"""Signs of life of the long-running processes, in the database (so every web process sees
every other process, on this machine or another): each beats under its name with its
counters; `/healthz` names the late ones, `/metrics` exports the counters.

A beat that cannot be written (the database restarting) is skipped: the next one tells.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import Error as DatabaseError
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import ProcessBeat

log = logging.getLogger(__name__)
LATE_AFTER_BEATS = 3  # a process is late when it has missed this many beats, and at least
# CW_LATE_AFTER_S seconds have passed
_started = timezone.now()


def beat(name: str, every_s: float, counters: dict[str, Any] | None = None) -> bool:
    """Record that `name` is alive now (it beats every `every_s` s) with its counters;
    whether it was written."""
    try:
        ProcessBeat.objects.update_or_create(
            name=name,
            defaults={
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "started_at": _started,
                "beat_at": timezone.now(),
                "every_s": every_s,
                "counters": counters or {},
            },
        )
        return True
    except DatabaseError as exc:
        log.warning("heartbeat of %s not written: %s", name, str(exc).strip()[:200])
        close_old_connections()
        return False


def is_late(row: ProcessBeat, now: datetime) -> bool:
    allowed = max(LATE_AFTER_BEATS * row.every_s, settings.CW_LATE_AFTER_S)
    return now - row.beat_at > timedelta(seconds=allowed)


def processes(now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Every process that has beaten: its beat's age (s), whether it is late, where."""
    now = now or timezone.now()
    return {
        row.name: {
            "beat_age_s": round((now - row.beat_at).total_seconds(), 1),
            "every_s": row.every_s,
            "late": is_late(row, now),
            "host": row.host,
            "pid": row.pid,
        }
        for row in ProcessBeat.objects.order_by("name")
    }


class Heartbeat:
    """Beats `name` every `every_s` seconds from a thread of its own, with the counters
    `counters()` returns then, until closed (a last beat is written on close)."""

    def __init__(self, name: str, every_s: float, counters: Callable[[], dict[str, Any]]):
        self.name, self.every_s, self.counters = name, every_s, counters
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{name}", daemon=True)

    def _beat(self) -> None:
        try:
            values = self.counters()
        except Exception:  # a counter read must never stop the process it watches
            log.exception("heartbeat counters of %s", self.name)
            values = {}
        beat(self.name, self.every_s, values)

    def _run(self) -> None:
        try:
            while True:
                self._beat()
                if self._stop.wait(self.every_s):
                    return
        finally:
            connection.close()  # this thread's own connection

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._beat()


@contextmanager
def heartbeat(name: str, every_s: float, counters: Callable[[], dict[str, Any]]) -> Iterator[None]:
    hb = Heartbeat(name, every_s, counters).start()
    try:
        yield
    finally:
        hb.close()
