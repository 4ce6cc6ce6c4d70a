"""Helpers the tests share (the root conftest offers each as a fixture of the same name):
logging a test client in, a Dash page module, running code on a connection of its own,
emptying what the AIS ingester committed, and the demo accounts' test password."""

from __future__ import annotations

import socket
from pathlib import Path

DEMO_PASSWORD = "test-demo-password"
ROOT = Path(__file__).resolve().parents[1]  # the project


def free_port() -> int:
    """A TCP port nobody listens on now (for a cluster or a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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


# A small square in Qinzhou's port area (a fence's new shape in edit tests).
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[108.60, 21.68], [108.62, 21.68], [108.62, 21.70], [108.60, 21.70], [108.60, 21.68]]
    ],
}


def api_client(username: str):
    """A DRF test client logged in as a demo user."""
    from rest_framework.test import APIClient

    return login_as(APIClient(), username)


def qinzhou_berth():
    """Qinzhou's current berth fence (seeded)."""
    from geo.models import Geofence

    return Geofence.objects.current().get(node__code="QZ_PORT", kind="berth")


def seed_fence(name: str):
    """A fence of the seed file by name, as the loader reads it."""
    from django.conf import settings

    from core.ingest.geojson import read_features

    path = settings.CW_DATA_DIR / "geofences.geojson"
    return next(f for f in read_features(path, {"Polygon"}) if f.properties["name"] == name)


# Queries every authenticated request makes besides reading its data: the role's permissions
# (the right to read data), and the audit's row (its lock, the chain's last row, the insert;
# in a test's transaction, their savepoint).
ACCESS_AND_AUDIT = (
    "audit_auditevent",
    "pg_advisory_xact_lock",
    "auth_permission",
    "accounts_profile",
    "SAVEPOINT",
)


def data_queries(captured) -> list[str]:
    """The SQL of a captured request that reads its data (see ACCESS_AND_AUDIT)."""
    return [q["sql"] for q in captured if not any(k in q["sql"] for k in ACCESS_AND_AUDIT)]


def send_json(handler, status: int, body, headers: dict | None = None) -> None:
    """Answer a request of a fake server (BaseHTTPRequestHandler) with `body` as JSON."""
    import json

    data = json.dumps(body).encode()
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
