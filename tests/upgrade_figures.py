"""The row count of every table and the figures an upgrade must not change, read with plain
SQL (valid on an earlier release's schema and on main's): used by scripts/upgrade_fixture.sh
to describe a fixture and by tests/test_upgrade.py after migrating it.

    DATABASE_URL=postgis://... python tests/upgrade_figures.py COMMIT > fixture.json
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from typing import Any

import psycopg

# A label and a query whose rows are the figure (ordered, so the text compares).
FIGURES = {
    "throughput by node, metric, period kind and status": (
        "SELECT n.code, t.metric, t.period_kind, t.status, t.source, count(*), sum(t.value) "
        "FROM ports_throughputreport t JOIN geo_node n ON n.id = t.node_id "
        "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
    ),
    "port calls by node": (
        "SELECT n.code, count(*), min(c.arrival_at), max(c.arrival_at), "
        "round(sum(c.anchorage_wait_s)::numeric, 1), count(c.departure_at) "
        "FROM ports_portcall c JOIN geo_node n ON n.id = c.node_id GROUP BY 1 ORDER BY 1"
    ),
    "positions": (
        "SELECT count(*), min(ts), max(ts), sum(mmsi::bigint), "
        "round(sum(ST_X(geom))::numeric, 4), round(sum(ST_Y(geom))::numeric, 4) "
        "FROM ports_vesselposition"
    ),
    "vessels": "SELECT count(*), count(name) FILTER (WHERE name <> '') FROM ports_vessel",
    "trains by route and status": (
        "SELECT coalesce(r.code, '-'), t.status, count(*), sum(t.delay_booked_s), "
        "sum(t.transit_s) FROM rail_train t LEFT JOIN corridors_route r ON r.id = t.route_id "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    ),
    "rail events by type and state": (
        "SELECT event, state, classifier, count(*) FROM rail_railevent GROUP BY 1, 2, 3 "
        "ORDER BY 1, 2, 3"
    ),
    "container events by type": (
        "SELECT event, retracted, count(*) FROM rail_containerevent GROUP BY 1, 2 ORDER BY 1, 2"
    ),
    "node services by level": (
        "SELECT level, count(*) FROM geo_nodeservice WHERE valid_to IS NULL GROUP BY 1 ORDER BY 1"
    ),
    "geofences": (
        "SELECT kind, count(*), round(sum(ST_Area(geom::geography))::numeric / 1e6, 3) "
        "FROM geo_geofence GROUP BY 1 ORDER BY 1"
    ),
    "alerts by kind and state": (
        "SELECT kind, state, count(*) FROM alerts_alert GROUP BY 1, 2 ORDER BY 1, 2"
    ),
    "route lengths": (
        "SELECT r.code, count(s.id), round(sum(s.length_m)::numeric) FROM corridors_route r "
        "LEFT JOIN corridors_routesegment s ON s.route_id = r.id GROUP BY 1 ORDER BY 1"
    ),
}
# Tables an upgrade may add rows to (the framework's own bookkeeping).
GROWING = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",  # a release may add a role (a group): the security and audit administrators
    "auth_group_permissions",
    "core_tableversion",
}
# A position partition is made a month ahead of need: empty by design.
AHEAD_PREFIX = "ports_vesselposition_y"


def _text(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def describe(conn: psycopg.Connection) -> dict[str, Any]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'spatial_ref_sys' "
            "ORDER BY 1"
        )
    ]
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    figures = {
        label: [[_text(v) for v in row] for row in conn.execute(sql)]
        for label, sql in FIGURES.items()
    }
    return {"tables": counts, "figures": figures}


def conninfo() -> str:
    return os.environ["DATABASE_URL"].replace("postgis://", "postgresql://", 1)


if __name__ == "__main__":
    with psycopg.connect(conninfo()) as conn:
        found = describe(conn)
    empty = sorted(
        t for t, n in found["tables"].items() if n == 0 and not t.startswith(AHEAD_PREFIX)
    )
    if empty:
        sys.exit(f"empty tables: {', '.join(empty)}")
    print(json.dumps({"commit": sys.argv[1], **found}, indent=1, sort_keys=True))
