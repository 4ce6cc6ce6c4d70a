"""Soak (issue 19): the whole system (`scripts/run.sh`: web, demo feed and ingester, port-call
follower, rail feed, alerts, export worker) on a cluster of its own, under the demo feed and a
steady API load, for a while. Prints memory per process after warm-up and at the end, the
requests and their errors, the feed's lag over time (from /metrics) and the late processes
(from /healthz), and a pass line: memory per process grows under 10 % after warm-up, zero
errors, feed lag under 60 s. Asserts nothing.

    .venv/bin/python benchmarks/soak.py [--minutes 30] [--warmup 0.2] [--rate 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENDPOINTS = [
    "/api/nodes/",
    "/api/routes/",
    "/api/route-segments/",
    "/api/coverage/",
    "/api/ais/live/",
    "/api/vessels/?limit=200",
    "/api/port-calls/?limit=100",
    "/api/trains/?limit=100",
    "/api/alerts/",
    "/api/ports/QZ_PORT/metrics/",
    "/healthz",
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(1)
    raise SystemExit(f"timed out waiting for {what}")


def processes(supervisor_pid: int) -> dict[str, list[int]]:
    """Program name -> pids of its process tree (gunicorn: master and workers)."""
    import psutil

    out: dict[str, list[int]] = {}
    for child in psutil.Process(supervisor_pid).children():
        try:
            cmd = " ".join(child.cmdline())
        except psutil.Error:
            continue
        name = next(
            (
                n
                for key, n in (
                    ("gunicorn", "web"),
                    ("ingest_ais", "ingester"),
                    ("simulate_ais", "simulator"),
                    ("detect_port_calls", "portcalls"),
                    ("simulate_rail", "rail"),
                    ("check_alerts", "alerts"),
                    ("export_worker", "exports"),
                    ("index_positions", "positions"),
                )
                if key in cmd
            ),
            cmd[:30],
        )
        out.setdefault(name, []).extend([child.pid, *(c.pid for c in child.children(True))])
    return out


def rss_mb(pids: list[int]) -> float:
    import psutil

    total = 0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            total += psutil.Process(pid).memory_info().rss
    return total / 2**20


def feed_lag(base: str) -> float | None:
    import requests

    text = requests.get(f"{base}/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith("cw_feed_lag_seconds{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def load(base: str, token: str, rate: float, stop: threading.Event, tally: Counter) -> None:
    """`rate` requests a second, in turn over ENDPOINTS, until stopped."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    i = 0
    next_at = time.monotonic()
    while not stop.is_set():
        path = ENDPOINTS[i % len(ENDPOINTS)]
        i += 1
        try:
            r = session.get(base + path, timeout=60)
            tally["requests"] += 1
            if r.status_code >= 500:
                tally["errors"] += 1
                tally[f"{r.status_code} {path}"] += 1
            elif r.status_code >= 400:
                tally[f"{r.status_code} {path}"] += 1
        except requests.RequestException as exc:
            tally["requests"] += 1
            tally["errors"] += 1
            tally[type(exc).__name__] += 1
        next_at += 1 / rate
        stop.wait(max(0.0, next_at - time.monotonic()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=0.2, help="share of the run")
    parser.add_argument("--rate", type=float, default=10.0, help="API requests a second")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="cw-soak-", dir="/tmp"))
    var.chmod(0o755)
    pg_env = {**os.environ, "CW_VAR_DIR": str(var / "db"), "CW_PGPORT": str(free_port())}
    (var / "db").mkdir()
    (var / "db").chmod(0o755)
    pg = [str(ROOT / "scripts" / "pg.sh")]
    subprocess.run([*pg, "start"], env=pg_env, check=True, capture_output=True)
    url = (var / "db" / "database_url").read_text().strip()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "soak-" + "k" * 60,
        "CW_VAR_DIR": str(var / "run"),
        "PORT": str(port),
        "CW_FEED_PORT": str(free_port()),
        "CW_DEMO_HISTORY": "0",
        "CW_DEMO_ACCOUNTS": "0",
        "CW_ANON_RATE": "100000/min",
    }
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "-v0"], ["load_corridor"]):
        subprocess.run([*manage, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model\n"
            "from rest_framework.authtoken.models import Token\n"
            "u = get_user_model().objects.create_superuser('soak', 'soak@example.org', None)\n"
            "print(Token.objects.create(user=u).key)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    base = f"http://127.0.0.1:{port}"
    log = (var / "system.log").open("w")
    system = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stop = threading.Event()
    tally: Counter[str] = Counter()
    try:
        import requests

        wait_for(lambda: requests.get(f"{base}/healthz", timeout=5).ok, 180, "the web")
        wait_for(lambda: feed_lag(base) is not None, 180, "the feed's first beat")
        print(
            f"soak: {args.minutes:g} min, {args.rate:g} API requests/s, warm-up "
            f"{args.warmup:.0%}; system up, the feed beating"
        )
        worker = threading.Thread(target=load, args=(base, token, args.rate, stop, tally))
        worker.start()
        started = time.monotonic()
        total = args.minutes * 60
        warm_at = started + total * args.warmup
        lags: list[float] = []
        late: set[str] = set()
        memory: dict[str, list[float]] = {}
        warm: dict[str, float] = {}
        while time.monotonic() - started < total:
            time.sleep(min(15.0, max(1.0, total / 40)))
            lag = feed_lag(base)
            if lag is not None:
                lags.append(lag)
            health = requests.get(f"{base}/healthz", timeout=10).json()
            late |= set(health.get("late", []))
            now_mem = {n: rss_mb(p) for n, p in processes(system.pid).items()}
            for name, mb in now_mem.items():
                memory.setdefault(name, []).append(mb)
            if not warm and time.monotonic() >= warm_at:
                warm = dict(now_mem)
        stop.set()
        worker.join(timeout=120)
        end = {n: values[-1] for n, values in memory.items()}
    finally:
        stop.set()
        os.killpg(system.pid, signal.SIGTERM)
        try:
            system.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(system.pid, signal.SIGKILL)
        log.close()
        subprocess.run([*pg, "stop"], env=pg_env, capture_output=True)

    print(f"{'process':12} {'after warm-up MB':>17} {'end MB':>8} {'growth':>8}")
    worst = 0.0
    for name in sorted(end):
        first = warm.get(name) or memory[name][0]
        growth = (end[name] - first) / first if first else 0.0
        worst = max(worst, growth)
        print(f"{name:12} {first:17.1f} {end[name]:8.1f} {growth:8.1%}")
    print(f"requests {tally['requests']:,}, errors {tally['errors']:,}")
    for key, count in sorted(tally.items()):
        if key not in ("requests", "errors"):
            print(f"  {key}: {count:,}")
    if lags:
        print(
            f"feed lag: median {statistics.median(lags):.1f} s, max {max(lags):.1f} s "
            f"({len(lags)} samples)"
        )
    print(f"late processes seen: {', '.join(sorted(late)) or 'none'}")
    ok = worst < 0.10 and tally["errors"] == 0 and lags and max(lags) < 60 and not late
    print(
        f"soak {'PASS' if ok else 'FAIL'}: memory growth after warm-up at most {worst:.1%} "
        f"(under 10 %), {tally['errors']} errors (0), feed lag max "
        f"{max(lags) if lags else float('nan'):.1f} s (under 60 s)"
    )
    shutil.rmtree(os.path.realpath(var / "db" / "postgres"), ignore_errors=True)
    shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
