"""Bounding the cost of expensive requests: one at a time per user, a statement timeout,
cached answers. The caller chooses the window caps (core.api.params.check_window)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from rest_framework.exceptions import Throttled

T = TypeVar("T")
LOCK_NAMESPACE = 7_342  # first key of the advisory locks these requests take


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big", signed=True)


@contextmanager
def one_at_a_time(name: str, user_id: int) -> Iterator[None]:
    """Refuse (429) a second `name` computation of the same user while one runs, in any
    worker process (a PostgreSQL advisory lock, freed if the connection drops)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, _lock_key(f"{name}:{user_id}")]
        )
        if not cursor.fetchone()[0]:
            raise Throttled(detail=f"a {name} request of yours is still running; wait for it")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s, %s)",
                [LOCK_NAMESPACE, _lock_key(f"{name}:{user_id}")],
            )


@contextmanager
def statement_timeout(seconds: float) -> Iterator[None]:
    """Every query inside gives up after `seconds` (a transaction of its own)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{seconds}s"])
        yield


def cached(name: str, key: dict[str, Any], ttl_s: int, compute: Callable[[], T]) -> T:
    """The answer of `compute()` for `key`, kept `ttl_s` seconds."""
    digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    cache_key = f"{name}:{digest}"
    found = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, ttl_s)
    return found
