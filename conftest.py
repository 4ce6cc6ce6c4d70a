"""Session fixtures: the test database (real PostGIS) holds the corridor seed data and the
demo accounts, loaded once; each test runs in a transaction rolled back after it. The AIS
ingester writes through its own connection (it commits): `ais_tables` empties the AIS
tables after a test that ingests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command

from tests import support
from tests.support import DEMO_PASSWORD


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


def pytest_collection_modifyitems(config, items):
    """The longest files first, so two workers end together (xdist hands out files in
    this order with --no-loadscope-reorder, `make test`): the browser file, then the files
    that start their own clusters or processes, then the rest as collected."""

    def weight(item) -> int:
        if item.get_closest_marker("browser"):
            return 0
        if item.get_closest_marker("slow"):
            return 1
        return 2

    items.sort(key=weight)  # stable: a file's tests stay together, in their order


@pytest.fixture(autouse=True, scope="session")
def own_audit_witness(tmp_path_factory):
    """The audit's witness file of the tests, not the one `make run` writes in .var: its
    checkpoints would name rows the test database never had."""
    from django.conf import settings

    settings.CW_AUDIT_WITNESS = tmp_path_factory.mktemp("audit") / "witness.jsonl"
    yield


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


@pytest.fixture
def data_dir():
    return settings.CW_DATA_DIR


@pytest.fixture
def ais_tables(db, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        support.empty_ais_tables()


# Helpers as fixtures (a test asks for them by name; nothing imports conftest): plain
# functions, so session-wide, and any fixture of any scope may ask for them.
@pytest.fixture(scope="session")
def login_as():
    return support.login_as


@pytest.fixture(scope="session")
def dash_page():
    return support.dash_page


@pytest.fixture(scope="session")
def in_own_connection():
    return support.in_own_connection


@pytest.fixture(scope="session")
def empty_ais_tables():
    return support.empty_ais_tables


@pytest.fixture(scope="session")
def demo_password() -> str:
    return DEMO_PASSWORD
