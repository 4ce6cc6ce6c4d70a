"""Rail benchmark: a year of simulated corridor rail traffic (issue 10's aim: a year of
events in under a minute on this machine) through `ingest_rail`'s path and through the API
over HTTP (batches of 10,000 with a token), then the time to recompute a year of weekly KPIs
of every route.

    .venv/bin/python benchmarks/rail_ingest.py [--days 365] [--runs 3]

Runs against a scratch database `<name>_bench` (migrated and seeded here). Figures, not
assertions; each speed is also given against the parse-only rate measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from benchmarks.ais_ingest import seeded_bench_django

    seeded_bench_django()
    import requests
    from django.contrib.auth import get_user_model
    from django.db import connection
    from rest_framework.authtoken.models import Token
    from waitress.server import create_server

    from config.wsgi import application
    from corridors.models import Route
    from rail.demo.simulator import DAY, RailSimulator
    from rail.ingest.events import iter_jsonl, parse_stream
    from rail.services.demo import rail_lengths
    from rail.services.ingest import store_events
    from rail.services.kpis import route_kpis

    start = time.time() - args.days * DAY
    sim = RailSimulator(rail_lengths(), seed=7)
    trains = sim.plan(start, args.days)
    messages = [m for _, m in sim.messages(trains, until_s=start + args.days * DAY)]
    lines = [json.dumps({k: v for k, v in m.items() if v is not None}) for m in messages]
    path = Path(tempfile.mkdtemp()) / "rail.jsonl"
    path.write_text("\n".join(lines) + "\n")
    print(
        f"{args.days:g} days: {len(trains):,} trains, {len(lines):,} events, "
        f"{path.stat().st_size / 2**20:.1f} MiB"
    )

    def clear() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE rail_train, rail_railevent, rail_containerevent CASCADE")

    parse_s, file_s, api_s, kpi_s = [], [], [], []
    user, _ = get_user_model().objects.get_or_create(username="bench-rail", is_superuser=True)
    token, _ = Token.objects.get_or_create(user=user)
    server = create_server(application, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    routes = list(Route.objects.filter(trains__isnull=False).distinct()) or list(
        Route.objects.all()
    )
    from datetime import date, timedelta

    for run in range(args.runs):
        t0 = time.perf_counter()
        with path.open() as fh:
            parsed = sum(1 for _ in parse_stream(iter_jsonl(fh)))
        parse_s.append(time.perf_counter() - t0)
        clear()
        t0 = time.perf_counter()
        with path.open() as fh:
            result = store_events(parse_stream(iter_jsonl(fh)))
        file_s.append(time.perf_counter() - t0)
        if run == 0:
            print(f"ingest_rail path: {result.summary()}")
        routes = list(Route.objects.filter(trains__isnull=False).distinct())
        t0 = time.perf_counter()
        today = date.today()
        for route in routes:
            route_kpis(route, today - timedelta(days=int(args.days)), today, "week")
        kpi_s.append(time.perf_counter() - t0)
        clear()
        t0 = time.perf_counter()
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token.key}"
        for i in range(0, len(messages), 10_000):
            batch = [
                {k: v for k, v in m.items() if v is not None} for m in messages[i : i + 10_000]
            ]
            r = session.post(f"{base}/api/rail-events/", json={"events": batch}, timeout=600)
            r.raise_for_status()
        api_s.append(time.perf_counter() - t0)
        session.close()
        print(
            f"run {run + 1}: parse {parse_s[-1]:.1f} s, ingest_rail {file_s[-1]:.1f} s, "
            f"API {api_s[-1]:.1f} s, KPIs {kpi_s[-1]:.2f} s ({parsed:,} events)"
        )
    server.close()
    n = len(lines)
    p, f, a, k = (statistics.median(x) for x in (parse_s, file_s, api_s, kpi_s))
    print(f"median of {args.runs}: parse-only {n / p:,.0f} events/s")
    print(f"  ingest_rail: {f:.1f} s for the period, {n / f:,.0f} events/s ({f / p:.1f}x parse)")
    print(f"  API (HTTP, 10,000 per batch): {a:.1f} s, {n / a:,.0f} events/s ({a / p:.1f}x parse)")
    print(f"  weekly KPIs of {len(routes)} routes over the period: {k:.2f} s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
