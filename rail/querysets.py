"""Raw SQL of the rail app: updating many rows in one statement (Django's bulk_update writes
a CASE per column and row, which dominated ingest time: 43 % of a 60-day load)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def update_rows(
    table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> int:
    """UPDATE `table` SET each column from `rows` (id first, then the columns' values in
    order), in one statement over unnest()ed arrays. `columns`: (name, SQL type) pairs;
    names come from code, never from input."""
    if not rows:
        return 0
    names = ["id", *(name for name, _ in columns)]
    types = ["bigint", *(kind for _, kind in columns)]
    arrays = [list(col) for col in zip(*rows, strict=True)]
    unnest = ", ".join(f"%s::{kind}[]" for kind in types)
    sets = ", ".join(f'"{name}" = v."{name}"' for name, _ in columns)
    sql = (
        f'UPDATE "{table}" AS t SET {sets} FROM unnest({unnest}) '
        f"AS v({', '.join(chr(34) + n + chr(34) for n in names)}) WHERE t.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return int(cursor.rowcount)


def lock_source(name: str) -> None:
    """Hold, until the transaction ends, the lock of one source of events (a carrier's
    feed): its polls and pushes are applied one batch at a time."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
