"""The port-call command and follower: a batch run, the --pending queue, and a follow loop
that outlives a database error (the loop itself, not a real outage: tests/test_restart.py
stops a real cluster)."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from tests.factories import make_port, make_positions, make_vessel

from ..management.commands import detect_port_calls as command
from ..models import PortCall

pytestmark = pytest.mark.django_db


def stay(lon: float, lat: float, minutes: int) -> list[tuple[float, float, float]]:
    """A vessel stopped at one place, one report a minute."""
    return [(lon, lat, 0.0)] * minutes


def test_batch_run_finds_a_call_from_factory_positions():
    port = make_port("CMD_PORT", lon=110.0, lat=10.0)
    vessel = make_vessel()
    start = timezone.now() - timedelta(days=1)
    track = [(109.8, 10.05, 12.0)] * 5 + stay(110.0, 10.05, 90) + [(109.8, 10.05, 12.0)] * 5
    make_positions(vessel.mmsi, track, start)
    out = StringIO()
    call_command("detect_port_calls", "--port", port.code, stdout=out)
    assert "1 calls (0 open)" in out.getvalue()
    call = PortCall.objects.get(node=port, vessel=vessel)
    assert call.berth_start_at is not None and call.departure_at is not None


def test_unknown_port_is_a_clear_error():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="unknown port"):
        call_command("detect_port_calls", "--port", "NOPE", stdout=StringIO())


def test_follow_loop_survives_database_errors(monkeypatch):
    """A follower whose every other poll fails keeps polling (with backoff) until stopped."""
    make_port("FOLLOW_PORT", lon=111.0, lat=11.0)
    polls = []

    class Flaky:
        def __init__(self, nodes, cursor):
            pass

        def poll(self):
            polls.append(1)
            if len(polls) % 2:
                raise OperationalError("terminating connection due to administrator command")

    stop = threading.Event()
    monkeypatch.setattr(command, "CallFollower", Flaky)
    monkeypatch.setattr(command, "process_recompute_requests", lambda follower: _empty())
    monkeypatch.setattr(command, "MAX_BACKOFF_S", 0.05)
    monkeypatch.setattr(command.connection, "close", lambda: None)  # keep the test's

    def stop_after_polls(event_wait):
        def wait(timeout):
            if len(polls) >= 5:
                stop.set()
            return event_wait(0)

        return wait

    monkeypatch.setattr(stop, "wait", stop_after_polls(stop.wait))
    cmd = command.Command(stdout=StringIO())
    cmd._run(
        stop,
        {"port": ["FOLLOW_PORT"], "start": None, "end": None, "follow": True, "interval": 0.01},
    )
    assert len(polls) >= 5  # errors on polls 1, 3, 5 did not end the loop


def _empty():
    from ..services.calls import RecomputeSummary

    return RecomputeSummary()
