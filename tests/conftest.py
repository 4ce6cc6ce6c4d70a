"""Cross-app fixtures: the whole system (Django + Dash) served over real HTTP."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import ROOT, free_port


@contextmanager
def a_cluster() -> Iterator[dict]:
    """A PostGIS cluster of its own, migrated (stopping it must not touch the test
    database): scripts/pg.sh with its own folder and port."""
    from django.conf import settings

    var = Path(tempfile.mkdtemp(prefix="cw-cluster-", dir="/tmp"))
    var.chmod(0o755)  # the postgres user must reach it when we run as root
    env = {**os.environ, "CW_VAR_DIR": str(var), "CW_PGPORT": str(free_port())}
    pg = [str(ROOT / "scripts" / "pg.sh")]
    subprocess.run([*pg, "start"], env=env, check=True, capture_output=True)
    url = (var / "database_url").read_text().strip()
    app_env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": settings.SECRET_KEY}
    app_env.pop("CW_VAR_DIR", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=app_env, check=True
    )
    try:
        yield {
            "pg": pg,
            "env": env,
            "app_env": app_env,
            "var": var,
            "dsn": url.replace("postgis://", "postgresql://"),
        }
    finally:
        subprocess.run([*pg, "stop"], env=env, capture_output=True)
        shutil.rmtree(Path(os.path.realpath(var / "postgres")), ignore_errors=True)
        shutil.rmtree(var, ignore_errors=True)


@pytest.fixture
def own_cluster():
    """A cluster for one test (see a_cluster)."""
    with a_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def module_cluster():
    """A cluster the tests of one module share (see a_cluster)."""
    with a_cluster() as cluster:
        yield cluster


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
