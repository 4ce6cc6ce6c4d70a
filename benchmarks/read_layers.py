"""Read layers written by PostGIS against the Python serializers they replaced (issue 13).

Server time in-process (no HTTP), medians of --runs: `/api/vessels/` for N live vessels and
one vessel's track of a day, each through the old path (DRF serializer or Python dicts, then
JSON) and the new one (one SQL statement answering the JSON text), with their ratio; the
gzip and brotli sizes of the vessel layer; the corridor's nodes, routes, segments and
fences the same way. Prints figures; asserts nothing.

    .venv/bin/python benchmarks/read_layers.py [--vessels 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, runs: int) -> tuple[float, object]:
    """Median milliseconds of `runs` calls (after one warm-up) and the last answer."""
    answer = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vessels", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--track-step-s", type=int, default=10, help="one position every ...")
    args = parser.parse_args()

    from benchmarks.ais_ingest import seed_live_vessels, seeded_bench_django

    seeded_bench_django()
    import brotli
    from django.db import connection
    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from ais.api.serializers import VesselLatestSerializer
    from ais.models import VesselLatest
    from ais.services import layers
    from ais.tests.test_layers_sql import vessel_track  # the Python path it replaced

    seed_live_vessels(args.vessels, "BENCH-LAYERS")
    mmsi, end = 414000001, timezone.now()
    start = end - timedelta(days=1)
    with connection.cursor() as cursor:  # a day of one vessel, underway: a report every 10 s
        cursor.execute("DELETE FROM ports_vesselposition WHERE mmsi = %s", [mmsi])
        for day in (start, end):
            cursor.execute("SELECT ports_ensure_position_partition(%s::date)", [day.date()])
        cursor.execute(
            """
            INSERT INTO ports_vesselposition (mmsi, ts, geom, sog_kn, cog_deg, msg_type, source)
            SELECT %s, %s + make_interval(secs => i * %s),
                   ST_SetSRID(ST_MakePoint(108 + i * 0.00003, 21 + i * 0.00001), 4326),
                   11.5, 64.2, 1, 'BENCH-LAYERS'
            FROM generate_series(0, floor(86400 / %s)::int - 1) AS i
            """,
            [mmsi, start, args.track_step_s, args.track_step_s],
        )
    rows = (
        VesselLatest.objects.vessels()
        .filter(source="BENCH-LAYERS")
        .select_related("vessel")
        .order_by("vessel_id")
    )
    count = rows.count()

    def old_vessels() -> bytes:
        data = VesselLatestSerializer(rows.all()[:count], many=True).data
        return JSONRenderer().render(data)

    def new_vessels() -> bytes:
        return layers.vessels_json(rows.all()[:count], count=count).encode()

    def old_track() -> bytes:
        return json.dumps(vessel_track(mmsi, start, end)).encode()

    def new_track() -> bytes:
        return layers.track_json(mmsi, start, end).encode()

    old_v, body_v = timed(old_vessels, args.runs)
    new_v, body_new = timed(new_vessels, args.runs)
    old_t, _ = timed(old_track, args.runs)
    new_t, body_t = timed(new_track, args.runs)
    points = len(json.loads(body_t)["features"]) - 1
    print(
        f"vessel layer, {count} vessels: serializer {old_v:.1f} ms, PostGIS {new_v:.1f} ms "
        f"({old_v / new_v:.1f}x faster; aim < 50 ms)"
    )
    print(
        f"  {len(body_new) / 1e6:.2f} MB, gzip {len(gzip.compress(body_new, 5)) / 1e6:.2f} MB, "
        f"brotli {len(brotli.compress(body_new, quality=5)) / 1e6:.2f} MB "
        f"(serializer's answer {len(body_v) / 1e6:.2f} MB)"
    )
    print(
        f"track of a day, {points} positions: Python {old_t:.1f} ms, PostGIS {new_t:.1f} ms "
        f"({old_t / new_t:.1f}x faster; aim < 20 ms)"
    )
    corridor_layers(args.runs)
    ogc_layers(args.runs)


def corridor_layers(runs: int) -> None:
    """Nodes (with coverage and TEU), routes (legs nested), segments and fences of the seed
    corridor, uncached: the serializers against PostGIS."""
    from rest_framework.renderers import JSONRenderer

    from corridors.api.serializers import RouteSegmentSerializer, RouteSerializer
    from corridors.api.views import RouteSegmentViewSet
    from corridors.services import layers as corridor
    from corridors.services.routes import routes_with_segments
    from geo.api.extensions import node_context
    from geo.api.serializers import GeofenceSerializer, NodeSerializer
    from geo.models import Geofence, Node
    from geo.services import layers as geo
    from geo.services.coverage import compute_coverage

    nodes = Node.objects.select_related("group").order_by("code")
    fences = Geofence.objects.select_related("node").current()
    routes, segments = routes_with_segments(), RouteSegmentViewSet.queryset

    def node_serializer() -> bytes:
        context = {"coverage": compute_coverage(), **node_context()}
        return JSONRenderer().render(NodeSerializer(nodes.all(), many=True, context=context).data)

    cases = [
        (
            "nodes",
            node_serializer,
            lambda: geo.nodes_json(
                nodes.all(), geo.node_figures(compute_coverage(), node_context())
            ),
        ),
        (
            "routes",
            lambda: JSONRenderer().render(RouteSerializer(routes.all(), many=True).data),
            lambda: corridor.routes_json(routes.all()),
        ),
        (
            "segments",
            lambda: JSONRenderer().render(RouteSegmentSerializer(segments.all(), many=True).data),
            lambda: corridor.segments_json(segments.all()),
        ),
        (
            "fences",
            lambda: JSONRenderer().render(GeofenceSerializer(fences.all(), many=True).data),
            lambda: geo.fences_json(fences.all()),
        ),
    ]
    for name, old, new in cases:
        old_ms, _ = timed(old, runs)
        new_ms, body = timed(new, runs)
        features = len(json.loads(body)["features"])
        print(
            f"{name}, {features} features: serializer {old_ms:.1f} ms, PostGIS {new_ms:.1f} ms "
            f"({old_ms / new_ms:.1f}x; answered from the layer cache until a table changes)"
        )


def ogc_layers(runs: int) -> None:
    """Issue 24: a busy hour at Qinzhou (100 vessels, 10,000 positions) through the OGC API
    (items, limit 10,000; a z12 vector tile) beside the REST API's GeoJSON download of the
    same rows, in-process through the views (a test client, a logged-in analyst)."""
    import math

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    hour_end = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    hour = hour_end - timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ports_vesselposition WHERE source = 'BENCH-OGC'")
        cursor.execute("SELECT ports_ensure_position_partition(%s::date)", [hour.date()])
        cursor.execute(
            """
            INSERT INTO ports_vesselposition (mmsi, ts, geom, sog_kn, cog_deg, msg_type, source)
            SELECT 414100000 + v, %s + make_interval(secs => i * 36),
                   ST_SetSRID(ST_MakePoint(108.56 + v * 0.0008 + i * 0.0002,
                                           21.62 + (v %% 10) * 0.01), 4326),
                   8.0, 90.0, 1, 'BENCH-OGC'
            FROM generate_series(0, 99) AS v, generate_series(0, 99) AS i
            """,
            [hour],
        )
    from accounts.services import create_demo_users

    if not get_user_model().objects.filter(username="analyst").exists():
        create_demo_users("bench-analyst-not-a-real-password")
    client = Client(SERVER_NAME="localhost")
    client.force_login(get_user_model().objects.get(username="analyst"))
    window = f"{hour.isoformat()}/{hour_end.isoformat()}".replace("+00:00", "Z")
    box = "108.5,21.55,108.75,21.75"

    def ogc_items() -> bytes:
        answer = client.get(
            "/ogc/collections/positions/items",
            {"datetime": window, "bbox": box, "limit": 10000},
        )
        assert answer.status_code == 200, answer.content[:200]
        return answer.content

    def rest_download() -> bytes:
        answer = client.get(
            "/api/exports/positions/",
            {
                "format": "geojson",
                "bbox": box,
                "start": hour.isoformat(),
                "end": hour_end.isoformat(),
            },
        )
        assert answer.status_code == 200, answer.content[:200]
        return b"".join(answer.streaming_content) if answer.streaming else answer.content

    z = 12
    n = 2**z
    x = int((108.6 + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(21.66))) / math.pi) / 2 * n)

    def tile() -> bytes:
        from django.core.cache import cache

        cache.clear()  # the tile itself, not the minute's cache
        answer = client.get(
            f"/ogc/collections/positions/tiles/WebMercatorQuad/{z}/{y}/{x}", {"datetime": window}
        )
        assert answer.status_code == 200
        return answer.content

    items_ms, body = timed(ogc_items, runs)
    rest_ms, rest_body = timed(rest_download, runs)
    tile_ms, tile_body = timed(tile, runs)
    returned = json.loads(body)["numberReturned"]
    print(
        f"OGC items, {returned:,} positions of a busy hour at Qinzhou: {items_ms:.0f} ms "
        f"({len(body) / 1e6:.1f} MB); the REST API's GeoJSON download of the same rows "
        f"{rest_ms:.0f} ms ({len(rest_body) / 1e6:.1f} MB): {items_ms / rest_ms:.2f}x"
    )
    print(
        f"  its z12 vector tile {z}/{y}/{x}: {tile_ms:.1f} ms, {len(tile_body) / 1e3:.0f} kB "
        f"({items_ms / tile_ms:.0f}x faster than the items)"
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ports_vesselposition WHERE source = 'BENCH-OGC'")


if __name__ == "__main__":
    main()
