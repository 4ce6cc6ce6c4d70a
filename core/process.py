"""Long-running commands: stop cleanly on SIGINT/SIGTERM, and leave the process as found."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def on_stop_signals(handler: Callable[[int, object], None]) -> Iterator[None]:
    """Call `handler(signum, frame)` on SIGINT/SIGTERM while inside; the handlers that were
    there before come back afterwards (a command run from a test or a shell must not keep
    them). Off the main thread (where signals cannot be handled) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_every(
    every: float,
    step: Callable[[], str],
    out: Callable[[str], object],
    err: Callable[[str], object],
    name: str,
) -> None:
    """Run `step` once, or every `every` seconds until SIGINT/SIGTERM, writing what it
    returns with `out`. A database that goes away (restart, network) is reported with `err`
    and the step runs again at the next turn: the loop outlives the server's restarts.
    Repeating, it beats under `name` after every turn (core.heartbeat)."""
    from django.db import Error as DatabaseError
    from django.db import close_old_connections

    from .heartbeat import beat

    stop = threading.Event()
    turns = errors = 0
    with on_stop_signals(lambda *a: stop.set()):
        while True:
            try:
                close_old_connections()
                out(f"{name}: {step()}")
                turns += 1
            except DatabaseError as exc:
                errors += 1
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                err(f"{name}: database unavailable ({first}); retrying")
                close_old_connections()
            if every:  # a repeating command says it is alive (core.heartbeat)
                beat(name, every, {"turns": turns, "database_errors": errors})
            if not every or stop.wait(every):
                return
