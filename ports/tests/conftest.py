"""AIS fixtures: the ingester writes through its own connection (it commits), so the
positions tables are emptied after each test that ingests."""

from __future__ import annotations

import psycopg
import pytest


@pytest.fixture
def ais_tables(db, django_db_blocker):
    from ports.services import db_conninfo

    yield
    # DELETE, not TRUNCATE: the test's own transaction (rolled back after this) still
    # holds a share lock on what it read, which TRUNCATE would wait for.
    with django_db_blocker.unblock(), psycopg.connect(db_conninfo(), autocommit=True) as conn:
        for table in (
            "ports_vesselposition",
            "ports_vessellatest",
            "ports_vessel",
            "ports_aissource",
        ):
            conn.execute(f"DELETE FROM {table}")
