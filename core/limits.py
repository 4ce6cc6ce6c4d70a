"""Bounding the cost of expensive computations, for every surface alike (API, Dash,
exports): one at a time per user, every query under a statement timeout, the Python work
under a time budget, answers cached. A service wraps its costly figure in `guarded`; the
API turns `Busy` into a 429 and `OverBudget` into a 400, Dash into a message.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils.translation import gettext as _

T = TypeVar("T")
LOCK_NAMESPACE = 7_342  # first key of the advisory locks these computations take
QUERY_TIMEOUT_S = 20  # a guarded figure's queries and Python work, each at most this long
_deadline: ContextVar[float | None] = ContextVar("cw_deadline", default=None)


class Busy(Exception):
    """A computation of this kind by the same user is still running (in any process)."""

    def __init__(self, name: str):
        super().__init__(
            _("a %(name)s request of yours is still running; wait for it") % {"name": name}
        )
        self.name = name


class WindowRefused(ValueError):
    """A period a costly figure refuses: its end before its start, or longer than the
    figure allows. `field` names the parameter at fault; the message is the same on every
    surface (the API's 400, a Dash page's notice)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_window(start: Any, end: Any, max_days: float) -> None:
    """`start` not after `end`, and at most `max_days` apart: the cap on a figure's work,
    checked by its service (dates or datetimes)."""
    if start > end:
        raise WindowRefused("start", _("start is after end"))
    if (end - start).total_seconds() > max_days * 86400:
        raise WindowRefused(
            "end", _("at most %(days)s days after start") % {"days": f"{max_days:g}"}
        )


class OverBudget(Exception):
    """A computation ran past its time budget (narrow the window)."""


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big", signed=True)


@contextmanager
def one_at_a_time(name: str, user_id: int | None, wait_s: float = 0) -> Iterator[None]:
    """Refuse (Busy) a second `name` computation of the same user while one runs, in any
    worker process (a PostgreSQL advisory lock, freed if the connection drops); `wait_s`:
    wait that long for the other one to end first (a page load waits, an API call not)."""
    key = [LOCK_NAMESPACE, _lock_key(f"{name}:{user_id}")]
    give_up = time.monotonic() + wait_s
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= give_up:
                raise Busy(name)
            time.sleep(0.2)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


@contextmanager
def statement_timeout(seconds: float) -> Iterator[None]:
    """Every query inside gives up after `seconds` (a transaction of its own), on the
    primary and on the read replica when the reads go there (core.replica)."""
    from .replica import PRIMARY, read_alias

    aliases = list(dict.fromkeys([PRIMARY, read_alias()]))
    with ExitStack() as stack:
        for alias in aliases:
            stack.enter_context(transaction.atomic(using=alias))
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{seconds}s"])
        yield


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Python work inside may call `check_budget()`, which raises OverBudget past it."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_budget() -> None:
    """Raise OverBudget when the current `time_budget` is spent (no budget: never)."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget(_("this computation took too long: narrow the window"))


def _cache_key(name: str, key: dict[str, Any]) -> str:
    digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    return f"{name}:{digest}"


def cached(name: str, key: dict[str, Any], ttl_s: int, compute: Callable[[], T]) -> T:
    """The answer of `compute()` for `key`, kept `ttl_s` seconds."""
    cache_key = _cache_key(name, key)
    found: T | None = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, ttl_s)
    return found


def guarded(
    name: str,
    user_id: int | None,
    key: dict[str, Any],
    compute: Callable[[], T],
    *,
    ttl_s: int,
    timeout_s: float,
    wait_s: float = 0,
) -> T:
    """`compute()` as every surface must run a costly figure: answered from the cache when
    asked before; else one at a time per user (`wait_s`: see one_at_a_time), its queries
    under `timeout_s` and its Python work under the same budget (for code that calls
    `check_budget`)."""
    found = cache.get(_cache_key(name, key))
    if found is not None:
        return found  # type: ignore[no-any-return]
    with (
        one_at_a_time(name, user_id, wait_s),
        statement_timeout(timeout_s),
        time_budget(timeout_s),
    ):
        return cached(name, key, ttl_s, compute)
