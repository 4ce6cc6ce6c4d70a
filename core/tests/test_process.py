"""The loop of the periodic commands (check_alerts, notify_overdue, index_positions): a
database that goes away is reported and the next turn runs; SIGTERM ends the loop."""

from __future__ import annotations

import signal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError

from core.process import run_every


@pytest.fixture(autouse=True)
def keep_connections(monkeypatch):
    """Each turn starts by closing connections past their age: not the test's own."""
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)


@pytest.mark.django_db
def test_a_database_outage_is_reported_and_the_loop_goes_on():
    turns: list[int] = []
    out: list[str] = []
    err: list[str] = []

    def step() -> str:
        turns.append(1)
        if len(turns) == 1:
            raise OperationalError("server closed the connection unexpectedly\nmore")
        signal.raise_signal(signal.SIGTERM)  # what a supervisor sends: the loop ends
        return "done"

    previous = signal.getsignal(signal.SIGTERM)
    run_every(0.01, step, out.append, err.append, "probe")
    assert len(turns) == 2
    assert err == [
        "probe: database unavailable (server closed the connection unexpectedly); retrying"
    ]
    assert out == ["probe: done"]
    assert signal.getsignal(signal.SIGTERM) == previous  # the handler given back
    from core.models import ProcessBeat  # it beat after each turn, counting both

    beat = ProcessBeat.objects.get(name="probe")
    assert beat.counters == {"turns": 1, "database_errors": 1} and beat.every_s == 0.01


@pytest.mark.django_db
def test_the_periodic_commands_report_one_turn():
    out = StringIO()
    call_command("check_alerts", stdout=out)
    call_command("index_positions", "--close-after-hours", "1000000", stdout=out)
    text = out.getvalue()
    assert "check_alerts: " in text and " raised, " in text
    assert "index_positions: 0 month(s) indexed" in text
