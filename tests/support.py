"""Helpers the tests share (the root conftest offers each as a fixture of the same name):
logging a test client in, a Dash page module, running code on a connection of its own,
emptying what the AIS ingester committed, and the demo accounts' test password."""

from __future__ import annotations

DEMO_PASSWORD = "test-demo-password"


def login_as(client, username: str):
    """Log a test client in as a demo user (the login form itself is tested elsewhere)."""
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def dash_page(app, name: str):
    """The module of a Dash page as the app built by the `app` fixture registered it (import
    it by name and Dash would register a second copy of the page)."""
    import sys

    import dash

    for entry in dash.page_registry.values():
        if entry["module"].split(".")[-1] == name:
            return sys.modules[entry["module"]]
    raise LookupError(name)


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
