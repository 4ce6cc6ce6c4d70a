"""Session fixtures: the test database (real PostGIS) holds the corridor seed data and the
demo accounts, loaded once; each test runs in a transaction rolled back after it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

DEMO_PASSWORD = "test-demo-password"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from accounts.services import create_demo_users

    with django_db_blocker.unblock():
        call_command("load_corridor", data_dir=settings.CW_DATA_DIR, verbosity=0)
        create_demo_users(DEMO_PASSWORD)


@pytest.fixture
def data_dir():
    return settings.CW_DATA_DIR
