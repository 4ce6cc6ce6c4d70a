"""Cross-app fixtures: the whole system (Django + Dash) served over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def live_app(django_db_setup, django_db_blocker) -> Iterator[str]:
    """config.wsgi.application (Django at /, Dash at /dash/) on a free loopback port, on
    waitress threads that read the committed seed data of the test database."""
    from waitress.server import create_server

    from config.wsgi import application

    server = create_server(application, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="live-app", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    # The server threads keep their database connections open; end them so the test
    # database can be dropped.
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
