"""Load test of the map's read endpoints (issue 13): gunicorn as `make run` starts it, on
the scratch database with N live vessels; locust (benchmarks/locustfile.py) drives it and
this prints requests/s, p50/p99 and errors, per endpoint and in all. Prints; asserts nothing.

    .venv/bin/python benchmarks/load.py [--users 16] [--seconds 30] [--vessels 5000]
        [--workers N] [--threads 4]

The load generator runs on the same machine as the server (one locust process): on a
2-core machine it takes a share of the CPU the server would have, so the figures are a
floor.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {seconds} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--vessels", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    from benchmarks.ais_ingest import seed_live_vessels, seeded_bench_django

    seeded_bench_django()
    from django.contrib.auth import get_user_model
    from django.test import Client

    seed_live_vessels(args.vessels, "BENCH-LOAD")
    user, _ = get_user_model().objects.get_or_create(username="bench-load")
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value

    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--preload",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", 60)
        with tempfile.TemporaryDirectory() as tmp:
            prefix = str(Path(tmp) / "load")
            subprocess.run(
                [
                    str(ROOT / ".venv/bin/locust"),
                    "-f",
                    str(ROOT / "benchmarks/locustfile.py"),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.users),
                    "-t",
                    f"{args.seconds}s",
                    "--host",
                    base,
                    "--csv",
                    prefix,
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env={**env, "CW_SESSION": session},
                check=False,
                capture_output=True,
            )
            with open(f"{prefix}_stats.csv", newline="") as f:
                rows = list(csv.DictReader(f))
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"{args.users} users for {args.seconds} s against gunicorn ({args.workers} workers x "
        f"{args.threads} threads, {os.cpu_count()} cores, load generator on the same machine), "
        f"{args.vessels} live vessels:"
    )
    print(f"  {'endpoint':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for row in rows:
        print(
            f"  {row['Name']:<40} {float(row['Requests/s']):>8.1f} {row['50%']:>8} "
            f"{row['99%']:>8} {row['Failure Count']:>7}"
        )


if __name__ == "__main__":
    main()
