"""A streaming read replica under the running system (issue 25): `make run` with
`CW_REPLICA=1` (scripts/run.sh) starts a replica of the embedded cluster; exports and reports
read there (the replica's own log of statements shows them), an upload is read back at once
by its uploader (on the primary: the replica has not replayed it), a replica past its
maximum lag or stopped is passed over for the primary (said in the log and the metrics),
and no page breaks."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.support import ROOT, free_port

pytestmark = pytest.mark.slow
MAX_LAG_S = 6


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = check()
        except (requests.RequestException, psycopg.Error):
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.3)


def metric(base: str, name: str, **labels: str) -> float:
    """A value of `/metrics`, summed over the series matching `labels` (0: none)."""
    text = requests.get(f"{base}/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        m = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if m and all(f'{k}="{v}"' in (m.group(1) or "") for k, v in labels.items()):
            total += float(m.group(2))
    return total


def test_long_reads_go_to_the_replica_and_fall_back_to_the_primary(own_cluster, tmp_path):
    cluster = own_cluster
    var, pg_env = cluster["var"], cluster["env"]
    port = free_port()
    # The embedded cluster as `make run` finds it (no DATABASE_URL: .var/database_url).
    env = {k: v for k, v in cluster["app_env"].items() if k != "DATABASE_URL"}
    env.update(
        CW_VAR_DIR=str(var),
        CW_PGPORT=pg_env["CW_PGPORT"],
        CW_REPLICA_PGPORT=str(free_port()),
        PORT=str(port),
        CW_DEMO_FEED="0",
        CW_REPLICA="1",
        CW_REPLICA_LOG_STATEMENTS="1",
        CW_REPLICA_MAX_LAG_S=str(MAX_LAG_S),
        CW_WEB_WORKERS="2",  # a write and its read may meet different processes
    )
    manage = [sys.executable, "manage.py"]
    for command in (["load_corridor"], ["demo_accounts", "create"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    tokens = subprocess.run(
        [*manage, "shell", "-c",
         "from django.contrib.auth import get_user_model\n"
         "from rest_framework.authtoken.models import Token\n"
         "for name in ('operator', 'analyst'):\n"
         "    u = get_user_model().objects.get(username=name)\n"
         "    print(name, Token.objects.get_or_create(user=u)[0].key)"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    token = dict(re.findall(r"^(operator|analyst) (\w+)$", tokens, re.M))
    operator = {"Authorization": f"Token {token['operator']}"}
    analyst = {"Authorization": f"Token {token['analyst']}"}
    base = f"http://127.0.0.1:{port}"
    pg = [str(ROOT / "scripts" / "pg.sh")]
    replica_dir = Path(
        subprocess.run([*pg, "replica-dir"], env=pg_env, capture_output=True, text=True).stdout
        .strip()
    )  # fmt: skip
    system = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    replica_url = None
    try:
        wait_for(
            lambda: requests.get(f"{base}/healthz", timeout=5).status_code == 200, 120, "web up"
        )
        replica_url = (var / "replica_url").read_text().strip()
        replica_dsn = replica_url.replace("postgis://", "postgresql://")
        log = replica_dir / "server.log"

        def replica_ran(since: int) -> str:
            return log.read_text(errors="replace")[since:]

        def get(path: str, headers: dict, **params) -> requests.Response:
            answer = requests.get(base + path, headers=headers, params=params, timeout=60)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
            return answer

        def export(layer: str, fmt: str) -> tuple[dict, str]:
            """A job made through the API, waited for; and what the replica ran meanwhile."""
            mark = log.stat().st_size
            job = requests.post(
                f"{base}/api/exports/",
                json={"layer": layer, "format": fmt, "crs": 4326, "filters": {}},
                headers=analyst,
                timeout=120,
            ).json()
            done = wait_for(
                lambda: (
                    (j := get(f"/api/exports/{job['id']}/", analyst).json())["state"] == "done"
                    and j
                ),
                120,
                layer,
            )
            return done, replica_ran(mark)

        # 1. An export and a report, made through the API: their queries run on the replica.
        done, exported = export("nodes", "geojson")
        assert get(f"/api/exports/{done['id']}/download/", analyst).json()["features"]
        assert re.search(r'statement: SELECT .*FROM "geo_node"', exported), exported[-2000:]
        _, reported = export("corridor_report", "html")
        assert re.search(r'FROM "ports_throughputreport"', reported), reported[-2000:]
        assert metric(base, "cw_replica_reads_total", to="replica") >= 1
        assert metric(base, "cw_replica_usable") == 1

        # 2. Replay paused: an upload, read back at once by its uploader (the primary: the
        #    replica has not got it), while another user's read is the replica's.
        with (
            psycopg.connect(replica_dsn, autocommit=True) as standby,
            psycopg.connect(cluster["dsn"], autocommit=True) as primary,
        ):
            # a commit replayed just now: the lag starts from 0 when replay pauses
            primary.execute("CREATE TABLE IF NOT EXISTS probe (n int)")
            primary.execute("INSERT INTO probe VALUES (1)")
            wait_for(
                lambda: standby.execute("SELECT count(*) FROM probe").fetchone()[0] == 1,
                30,
                "the probe replayed",
            )
            standby.execute("SELECT pg_wal_replay_pause()")
            figure = {"node": "QZ_PORT", "period": "2026-09", "metric": "teu", "unit": "teu",
                      "value": "812345"}  # fmt: skip
            sent = requests.post(
                f"{base}/api/throughput/",
                json={"figures": [figure], "confirm_warnings": True},
                headers=operator,
                timeout=60,
            )
            assert sent.status_code == 201, sent.text
            new = {row["id"] for row in sent.json()}
            listed = get("/api/throughput/", operator, status="submitted", node="QZ_PORT")
            assert new <= {r["id"] for r in listed.json()["results"]}  # its own write
            others = get("/api/throughput/", analyst, status="submitted", node="QZ_PORT")
            assert not new & {r["id"] for r in others.json()["results"]}  # the replica's view
            assert metric(base, "cw_replica_reads_total", reason="own_write") >= 1

            # 3. Past the maximum lag: everybody's long reads go to the primary.
            wait_for(lambda: metric(base, "cw_replica_usable") == 0, 30, "lag past the max")
            assert metric(base, "cw_replica_lag_seconds") > MAX_LAG_S
            time.sleep(1.5)  # every web process's view of the replica is at most 1 s old
            others = get("/api/throughput/", analyst, status="submitted", node="QZ_PORT")
            assert new <= {r["id"] for r in others.json()["results"]}
            assert metric(base, "cw_replica_reads_total", reason="lag") >= 1
            standby.execute("SELECT pg_wal_replay_resume()")
        wait_for(lambda: metric(base, "cw_replica_usable") == 1, 30, "the replica caught up")

        # 4. The replica stopped: pages and exports still answer, from the primary, at once
        #    (a process that still took it for up finds out under the read, and reads again
        #    on the primary) and afterwards.
        subprocess.run([*pg, "replica-stop"], env=pg_env, check=True, capture_output=True)
        for _ in range(2):
            for _ in range(3):  # (each web process, whatever it knew of the replica)
                get("/api/throughput/", analyst, node="QZ_PORT")
                assert get("/api/exports/nodes/", analyst, format="geojson").json()["features"]
            wait_for(lambda: metric(base, "cw_replica_up") == 0, 30, "the replica seen down")
        passed_over = sum(
            metric(base, "cw_replica_reads_total", to="default", reason=why)
            for why in ("failed", "down")
        )
        assert passed_over >= 6
    finally:
        os.killpg(system.pid, signal.SIGTERM)
        try:
            output = system.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            os.killpg(system.pid, signal.SIGKILL)
            output = system.communicate()[0]
        subprocess.run([*pg, "replica-stop"], env=pg_env, capture_output=True)
        shutil.rmtree(replica_dir, ignore_errors=True)
    assert replica_url, output[-3000:]
    assert "read replica passed over, reads go to the primary: behind" in output, output[-3000:]
    assert "read replica passed over, reads go to the primary: unreachable" in output
