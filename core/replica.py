"""A streaming read replica for the long reads (issue 25): exports, reports, history
endpoints, scorecards, journeys and the OGC API's items go to `DATABASE_REPLICA_URL` when it
is set; everything else, and every write, to the primary.

- **Which reads**: those inside `long_reads()` (a view's method decorated `@long_read`, the
  export worker's job); the first read there chooses the database for the whole request, so
  one answer never mixes the two.
- **Fresh enough**: the replica is used while its lag is at most `CW_REPLICA_MAX_LAG_S`
  (default 30 s): 0 when it has replayed all the primary has written, else the time since
  the last transaction it replayed (an upper bound of what it misses). Checked at most once
  a second per process.
- **Your own writes**: after a user's write (any successful POST, PUT, PATCH or DELETE) the
  primary's WAL position is kept for them (`core_readpin`); their long reads stay on the
  primary until the replica has replayed past it (an upload followed at once by its listing
  shows the upload).
- **Never a broken page**: a replica that lags, is paused, stopped or unreachable is passed
  over for the primary, said in the log (once per change) and in the metrics
  (`cw_replica_lag_seconds`, `cw_replica_up`, `cw_replica_reads_total{to,reason}`); an
  unreachable one is tried again after 5 s.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from prometheus_client import Counter

from .metrics import LOCAL

log = logging.getLogger(__name__)
PRIMARY = "default"
REPLICA = "replica"
CHECK_S = 1.0  # the replica's state is read again after this
DOWN_RETRY_S = 5.0  # an unreachable replica is tried again after this
# Always read on the primary: who is asking, and the state of their own work.
PRIMARY_APPS = {"auth", "authtoken", "sessions", "axes", "admin", "contenttypes", "audit"}
PRIMARY_MODELS = {"exports.exportjob", "core.readpin", "core.processbeat", "core.tableversion"}

READS = Counter(
    "cw_replica_reads",
    "Long reads (exports, reports, history) by the database that answered them and why",
    ["to", "reason"],
    registry=LOCAL,
)

F = TypeVar("F", bound=Callable[..., Any])


def configured() -> bool:
    return REPLICA in settings.DATABASES


@dataclass
class _Scope:
    user_id: int | None
    alias: str | None = None


_scope: ContextVar[_Scope | None] = ContextVar("cw_long_reads", default=None)


@contextmanager
def long_reads(user_id: int | None = None) -> Iterator[None]:
    """Reads inside may be answered by the replica (see the module's rules); `user_id`: whose
    own writes they must see."""
    if not configured() or _scope.get() is not None:
        yield
        return
    token = _scope.set(_Scope(user_id))
    try:
        yield
    finally:
        _scope.reset(token)


T = TypeVar("T")


def read_long(action: Callable[[], T], user_id: int | None = None) -> T:
    """`action()` inside `long_reads(user_id)`; when the replica fails under it (stopped,
    restarted, a conflict with its recovery), the replica is marked down and `action()` runs
    again on the primary: a read never fails for the replica's sake. `action` must be safe
    to run twice (reads, or a file written afresh)."""
    with long_reads(user_id):
        try:
            return action()
        except (OperationalError, InterfaceError) as exc:
            scope = _scope.get()
            if scope is None or scope.alias != REPLICA or "statement timeout" in str(exc):
                raise  # (a query over its time limit would be as long on the primary)
            health.failed(exc)
            scope.alias = PRIMARY
            READS.labels(PRIMARY, "failed").inc()
            return action()


def long_read(method: F) -> F:
    """A view method whose reads may go to the replica (as the request's user), run again
    on the primary if the replica fails under it."""

    @functools.wraps(method)
    def wrapped(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        return read_long(lambda: method(self, request, *args, **kwargs), user_id)

    return wrapped  # type: ignore[return-value]


def read_alias() -> str:
    """The database the current reads go to: the replica inside `long_reads()` when it is
    usable for this caller, else the primary. Decided once per scope."""
    scope = _scope.get()
    if scope is None:
        return PRIMARY
    if scope.alias is None:
        scope.alias, reason = _choose(scope.user_id)
        READS.labels(scope.alias, reason).inc()
    return scope.alias


def lsn(text: str | None) -> int:
    """A WAL position ('16/B374D848') as a number."""
    if not text:
        return 0
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


@dataclass
class State:
    up: bool
    lag_s: float | None = None  # None: unknown (down)
    replayed: int = 0  # the WAL position it has replayed
    why: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def usable(self) -> bool:
        return self.up and self.lag_s is not None and self.lag_s <= max_lag_s()


def max_lag_s() -> float:
    return float(settings.CW_REPLICA_MAX_LAG_S)


class _Health:
    """The replica's state, read at most once a second per process (5 s when down)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: State | None = None
        self._said = ""

    def state(self, max_age_s: float | None = None) -> State:
        """The replica's state, read again when older than `max_age_s` (default: a second
        when up, DOWN_RETRY_S when down)."""
        with self._lock:
            known = self._state
            if max_age_s is None:
                max_age_s = CHECK_S if known is None or known.up else DOWN_RETRY_S
            if known is None or time.monotonic() - known.at > max_age_s:
                known = self._state = self._read()
                self._say(known)
            return known

    def failed(self, exc: BaseException) -> None:
        """A read on the replica failed: down until the next check (DOWN_RETRY_S)."""
        with suppress(DatabaseError):
            connections[REPLICA].close()
        with self._lock:
            self._state = State(False, why=f"failed under a read ({_first_line(exc)})")
            self._say(self._state)

    def _read(self) -> State:
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                    "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
                )
                recovering, replayed, since = cursor.fetchone()
        except DatabaseError as exc:
            connections[REPLICA].close()
            return State(False, why=f"unreachable ({_first_line(exc)})")
        if not recovering:
            return State(False, why="not a standby (promoted?): not used as a replica")
        written = lsn(_primary_lsn())
        done = lsn(replayed)
        if done >= written:
            return State(True, 0.0, done)
        lag = float(since) if since is not None else float("inf")
        return State(True, lag, done, why="behind" if lag > max_lag_s() else "")

    def _say(self, state: State) -> None:
        """A log line when the replica's use changes (in use; or why not: its first word)."""
        said = "ok" if state.usable else state.why.split(" ")[0]
        if said == self._said:
            return
        self._said = said
        if state.usable:
            log.info("read replica in use (lag %.1f s)", state.lag_s or 0.0)
        else:
            log.warning(
                "read replica passed over, reads go to the primary: %s (lag %s, max %s s)",
                state.why,
                "unknown" if state.lag_s is None else f"{state.lag_s:.1f} s",
                max_lag_s(),
            )


health = _Health()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__


def _primary_lsn() -> str:
    """The primary's current WAL position ('16/B374D848')."""
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def _choose(user_id: int | None) -> tuple[str, str]:
    state = health.state()
    if not state.up:
        return PRIMARY, "down"
    if not state.usable:
        return PRIMARY, "lag"
    if user_id is not None:
        from .models import ReadPin

        pin = ReadPin.objects.using(PRIMARY).filter(user_id=user_id).first()
        if pin is not None and lsn(pin.lsn) > state.replayed:
            return PRIMARY, "own_write"
    return REPLICA, "ok"


def pin_own_write(user_id: int) -> None:
    """After a write by `user_id`: their long reads stay on the primary until the replica
    has replayed what the primary has written so far."""
    from .models import ReadPin

    ReadPin.objects.using(PRIMARY).update_or_create(
        user_id=user_id, defaults={"lsn": _primary_lsn()}
    )


class PinOwnWrites:
    """Middleware: a successful write by a logged-in user pins their long reads to the
    primary until the replica has caught up with it (nothing when no replica is set)."""

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response: Callable[[Any], Any]):
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if configured() and request.method in self.UNSAFE and response.status_code < 400:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                try:
                    pin_own_write(user.pk)
                except DatabaseError:
                    log.warning("could not pin user %s's reads to the primary", user.pk)
        return response


class ReplicaRouter:
    """Reads to `read_alias()` (the replica only inside `long_reads()`), except the tables of
    who is asking and of their own jobs; writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        meta = model._meta
        if meta.app_label in PRIMARY_APPS or meta.label_lower in PRIMARY_MODELS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def register_metrics() -> None:
    """The replica's gauges, read at a scrape: lag in seconds (-1: unknown), up, usable."""
    from .metrics import register_gauge

    def read(what: Callable[[State], float]) -> Callable[[], dict[tuple[str, ...], float]]:
        # (read afresh for a scrape, once for its three gauges)
        return lambda: {(): what(health.state(max_age_s=0.5))} if configured() else {}

    register_gauge(
        "cw_replica_lag_seconds",
        "How far the read replica is behind the primary (-1: unknown)",
        read(lambda s: -1.0 if s.lag_s is None else min(s.lag_s, 1e9)),
    )
    register_gauge("cw_replica_up", "1 when the read replica answers", read(lambda s: float(s.up)))
    register_gauge(
        "cw_replica_usable",
        "1 when long reads go to the read replica (up, and lag within the maximum)",
        read(lambda s: float(s.usable)),
    )
