"""The audit app's SQL: the lock that orders appends, and the retention step's deletion
(the only one the append-only trigger lets through)."""

from __future__ import annotations

from django.db import connection

from .models import AuditEvent

LOCK = 0x43574155  # "CWAU"


def lock_appends() -> None:
    """Hold, to the end of the transaction, the lock every append and retention takes (the
    chain needs one writer at a time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])


def delete_through(seq: int) -> int:
    """Delete the rows up to `seq` (archived first by the caller); the number deleted."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL cw.audit_retention = 'on'")
        cursor.execute(f"DELETE FROM {table} WHERE seq <= %s", [seq])
        deleted = cursor.rowcount
        cursor.execute("SET LOCAL cw.audit_retention = 'off'")
    return int(deleted)
