"""A database restart under the running system (issue 7, point 5): `scripts/run.sh` runs
the web app, the demo feed, the ingester and the port-call follower under supervisord on a
cluster of their own; PostgreSQL is stopped for ten seconds and started again. While it is
away the site answers 503 (never 500); afterwards the site, the feed and the follower work
again, no process had to be restarted, and the reports of the outage were stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import psycopg
import pytest
import requests

from tests.support import ROOT, free_port

pytestmark = pytest.mark.slow


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def statuses(env) -> dict[str, tuple[str, str]]:
    """Program -> (state, pid) from `scripts/run.sh status`."""
    out = subprocess.run(
        [str(ROOT / "scripts" / "run.sh"), "status"], env=env, capture_output=True, text=True
    ).stdout
    result = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "pid":
            result[parts[0]] = (parts[1], parts[3].rstrip(","))
        elif parts:
            result[parts[0]] = (parts[1] if len(parts) > 1 else "?", "")
    return result


def test_database_restart_under_the_running_system(own_cluster, tmp_path):
    cluster = own_cluster
    run_var = tmp_path / "var"
    port = free_port()
    env = {
        **cluster["app_env"],
        "CW_VAR_DIR": str(run_var),
        "PORT": str(port),
        "CW_FEED_PORT": str(free_port()),
        "CW_DEMO_SPEED": "20",
        "CW_DEMO_SHIPS": "40",
        "CW_FOLLOW_INTERVAL": "2",
        "CW_DEMO_HISTORY": "0",  # the one-off history backfill has its own test
        "CW_DEMO_RAIL_DAYS": "5",  # (a few days of past trains: more than 100)
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "load_corridor"], cwd=ROOT, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model\n"
            "from rest_framework.authtoken.models import Token\n"
            "from accounts.models import Profile\n"
            "u = get_user_model().objects.create_user('watcher')\n"
            "Profile.objects.create(user=u, role='analyst')\n"
            "print(Token.objects.create(user=u).key)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    api = {"Authorization": f"Token {token}"}
    base = f"http://127.0.0.1:{port}"
    system = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def positions(since: datetime | None = None) -> int:
        with psycopg.connect(cluster["dsn"]) as conn:
            sql = "SELECT count(*) FROM ports_vesselposition"
            if since is None:
                return conn.execute(sql).fetchone()[0]
            return conn.execute(sql + " WHERE ts >= %s", [since]).fetchone()[0]

    try:
        wait_for(lambda: requests.get(f"{base}/healthz", timeout=2).ok, 60, "the web app")
        wait_for(lambda: positions() > 50, 60, "positions from the demo feed")
        everyone = {
            "web",
            "portcalls",
            "simulator",
            "ingester",
            "rail",
            "alerts",
            "exports",
            "positions",
            "audit",
            "audit-witness",
            "ais-uploads",
            "dcsa",
        }
        before = wait_for(
            lambda: (
                (s := statuses(env))
                and {n for n, (state, _) in s.items() if state == "RUNNING"} == everyone
                and s
            ),
            30,
            "every process running",
        )

        subprocess.run([*cluster["pg"], "stop"], env=cluster["env"], check=True)
        stopped_at = datetime.now(UTC)
        time.sleep(2)
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 503
        assert requests.get(f"{base}/api/nodes/", headers=api, timeout=5).status_code == 503
        time.sleep(8)
        subprocess.run([*cluster["pg"], "start"], env=cluster["env"], check=True)
        started_at = datetime.now(UTC)

        wait_for(lambda: requests.get(f"{base}/healthz", timeout=2).ok, 60, "the site again")
        assert requests.get(f"{base}/api/nodes/", headers=api, timeout=10).status_code == 200
        # The reports made while the database was away were kept and stored afterwards.
        wait_for(
            lambda: positions(stopped_at) - positions(started_at) > 0,
            60,
            "the outage's positions",
        )
        # The follower works again: a recompute request is taken and done.
        with psycopg.connect(cluster["dsn"], autocommit=True) as conn:
            conn.execute(
                "INSERT INTO ports_portcallrecompute (requested_at, start_at, end_at, mmsis, "
                "west, south, east, north, positions, state, detail) VALUES (now(), "
                "now() - interval '1 hour', now(), '{412000001}', 108.5, 21.5, 108.7, 21.7, "
                "1, 'pending', '{}')"
            )

        def follower_done():
            with psycopg.connect(cluster["dsn"]) as conn:
                return conn.execute(
                    "SELECT bool_and(state = 'done') FROM ports_portcallrecompute"
                ).fetchone()[0]

        wait_for(follower_done, 60, "the port-call follower")

        def trains() -> int:
            with psycopg.connect(cluster["dsn"]) as conn:
                return conn.execute("SELECT count(*) FROM rail_train").fetchone()[0]

        # The rail simulator stored its history and lived through the outage.
        wait_for(lambda: trains() > 100, 90, "simulated trains")
        # Every long-running process beats and none is late after the outage; the web's
        # request metrics are summed over gunicorn's processes (PROMETHEUS_MULTIPROC_DIR).
        beating = {"port-call-follower", "check_alerts", "export-worker", "rail-feed"}
        health = wait_for(
            lambda: (
                (h := requests.get(f"{base}/healthz", timeout=5).json())
                and beating <= set(h["processes"])
                and any(n.startswith("ais-ingest") for n in h["processes"])
                and not h["late"]
                and h
            ),
            90,
            "every process beating, none late",
        )
        assert health["status"] == "ok"
        # (the ingester's lag is in its beat once it has stored a batch since it started)
        metrics = wait_for(
            lambda: (
                (text := requests.get(f"{base}/metrics", timeout=10).text)
                and "cw_feed_lag_seconds{" in text
                and text
            ),
            60,
            "the feed's lag in the metrics",
        )
        assert 'cw_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics
        assert "cw_export_jobs" in metrics
        after = statuses(env)
        assert after == before, "a process had to be restarted"

        # A child that dies is restarted by the supervisor (not the whole system stopped).
        os.kill(int(after["ingester"][1]), signal.SIGKILL)
        wait_for(
            lambda: (
                (s := statuses(env))["ingester"][0] == "RUNNING"
                and s["ingester"][1] != after["ingester"][1]
            ),
            60,
            "the ingester restarted",
        )
        assert requests.get(f"{base}/healthz", timeout=5).ok
    finally:
        os.killpg(system.pid, signal.SIGTERM)
        try:
            out, _ = system.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(system.pid, signal.SIGKILL)
            out, _ = system.communicate()
    # A child given up by supervisord ("entered FATAL state", "gave up"); the database's own
    # "FATAL: the database system is shutting down", quoted by a retrying worker, is fine.
    assert "entered FATAL state" not in out and "gave up" not in out, out[-3000:]
