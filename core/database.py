"""Django's database as other clients reach it: the ingester's own psycopg connection,
pg_dump and pg_restore (libpq parameters and environment)."""

from __future__ import annotations

import os
from typing import Any


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
