"""Django's database as other clients reach it: the ingester's own psycopg connection,
pg_dump and pg_restore (libpq parameters and environment)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def connection_params(alias: str = "default") -> dict[str, Any]:
    """libpq parameters (dbname, user, password, host, port, sslmode) of Django's database."""
    from django.db import connections

    params = connections[alias].get_connection_params()
    return {
        k: v
        for k, v in params.items()
        if k in ("dbname", "user", "password", "host", "port", "sslmode") and v
    }


def db_conninfo(alias: str = "default") -> str:
    """A libpq connection string for Django's database (a connection of one's own)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**connection_params(alias))


def libpq_env(alias: str = "default") -> dict[str, str]:
    """The environment a PostgreSQL client program needs to reach Django's database."""
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
        "sslmode": "PGSSLMODE",
    }
    params = connection_params(alias)
    return {**os.environ, **{names[k]: str(v) for k, v in params.items()}}


def with_reconnect(action: Callable[[], T], attempts: int = 8) -> T:
    """Run an ORM action in a transaction, reconnecting and trying again if the database
    went away meanwhile (a restart cut the connection): a long-running process survives it
    and loses nothing it holds."""
    from django.db import InterfaceError, OperationalError, connection, transaction

    delay = 0.5
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                return action()
        except (OperationalError, InterfaceError):
            if attempt == attempts - 1:
                raise
            connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 8.0)
    raise AssertionError("unreachable")
