"""Session fixtures: the test database (real PostGIS) holds the corridor seed data and the
demo accounts, loaded once; each test runs in a transaction rolled back after it. The AIS
ingester writes through its own connection (it commits): `ais_tables` empties the AIS
tables after a test that ingests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command

DEMO_PASSWORD = "test-demo-password"


def login_as(client, username: str):
    """Log a test client in as a demo user (the login form itself is tested elsewhere)."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from accounts.services import create_demo_users

    with django_db_blocker.unblock():
        call_command("load_corridor", data_dir=settings.CW_DATA_DIR, verbosity=0)
        create_demo_users(DEMO_PASSWORD)
        ensure_test_partitions()


def ensure_test_partitions() -> None:
    """Monthly position partitions the tests write to, made up front: creating one locks
    the positions table, which a test's open transaction may be reading."""
    from datetime import date

    from django.db import connection
    from django.utils import timezone

    today = timezone.now().date()
    months, month = [], date(2025, 10, 1)
    while month <= today + timedelta(days=62):
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    with connection.cursor() as cursor:
        for month in months:
            cursor.execute("SELECT ports_ensure_position_partition(%s)", [month])


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: a test's writes are rolled back, so the table
    versions that name cached layers repeat from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def app():
    """The application called in this thread, inside the test's transaction: like Django's
    test client, keep the request signals from closing the test's connection."""
    from django.core import signals
    from django.db import close_old_connections

    from config.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def dash_page(app, name: str):
    """The module of a Dash page as the app built by the `app` fixture registered it (import
    it by name and Dash would register a second copy of the page)."""
    import sys

    import dash

    for entry in dash.page_registry.values():
        if entry["module"].split(".")[-1] == name:
            return sys.modules[entry["module"]]
    raise LookupError(name)


@pytest.fixture
def data_dir():
    return settings.CW_DATA_DIR


@pytest.fixture
def ais_tables(db, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        empty_ais_tables()


def empty_ais_tables() -> None:
    """Delete what the ingester committed, through a connection of its own. DELETE, not
    TRUNCATE: a test's own transaction (rolled back later) still holds a share lock on what
    it read, which TRUNCATE would wait for."""
    import psycopg

    from core.database import db_conninfo

    with psycopg.connect(db_conninfo(), autocommit=True) as conn:
        for table in (
            "ports_vesselposition",
            "ports_vessellatest",
            "ports_vessel",
            "ports_aissource",
            "ports_portcallrecompute",
            "ports_portcall",
        ):
            conn.execute(f"DELETE FROM {table}")


def in_own_connection(action):
    """Run `action()` on a thread of its own, so with a database connection of its own that
    commits (as the follower or another worker would), outside the test's transaction; its
    result is returned, its exception raised. Pair with `ais_tables`, which empties what it
    committed."""
    import threading

    from django.db import connection

    result: dict = {}

    def run():
        try:
            result["value"] = action()
        except BaseException as exc:  # handed to the test
            result["error"] = exc
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")
