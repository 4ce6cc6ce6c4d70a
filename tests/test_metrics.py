"""Metrics and health (issue 19): a feed's counters reach /metrics exactly (N lines with k
bad ones), requests are counted by route, queue lengths are read at scrape time, and a
stopped follower is named late by /healthz."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.test import Client
from pyais import encode_dict
from pyais.util import checksum

from ais.db import position_store
from ais.ingest.ais import TimeWindow
from ais.ingest.pipeline import Ingest
from ais.ingest.store import BufferedWriter
from core.database import db_conninfo
from core.heartbeat import beat
from tests.support import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def beats(django_db_blocker):
    yield
    with django_db_blocker.unblock(), psycopg.connect(db_conninfo(), autocommit=True) as conn:
        conn.execute("DELETE FROM core_processbeat")


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of the first sample of `name` carrying every label given."""
    for line in text.splitlines():
        if line.startswith(f"{name}{{") or line.startswith(f"{name} "):
            found = line[len(name) : line.rindex(" ")]
            if not labels or all(f'{k}="{v}"' in found for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def lines(n_good: int, n_bad: int) -> list[bytes]:
    t = int(time.time()) - 400
    out = []
    for i in range(n_good):
        [s] = encode_dict(
            {"type": 1, "mmsi": 414000000 + i, "lon": 108.6, "lat": 21.6, "speed": 3.0},
            talker_id="AI",
            sentence_type="VDM",
        )
        body = f"s:M1,c:{t + i}"
        out.append(f"\\{body}*{checksum(body.encode()):02X}\\{s}\n".encode())
    bad = [b"garbage line\n", b"!AIVDM,1,1,,A,13aEOK?P00PD2wVMdLDRhgvL289?,0*00\n"]
    for i in range(n_bad):
        out.insert(3 * i + 1, bad[i % 2])
    return out


def test_n_lines_with_k_bad_give_exactly_those_counters(tmp_path, ais_tables, beats, login_as):
    writer = BufferedWriter(position_store(db_conninfo()), tmp_path).start()
    ingest = Ingest(writer, stream_window=TimeWindow(past_s=3600, ahead_s=300))
    feed = lines(200, 7)
    ingest.consume([(feed, time.time(), None)], "M1")
    writer.close()
    beat("ais-ingest tcp://test", 15.0, ingest.metrics())
    client = login_as(Client(), "admin")
    text = client.get("/metrics").content.decode()
    p = {"process": "ais-ingest tcp://test"}
    assert metric(text, "cw_process_counter", **p, counter="lines") == 207
    assert metric(text, "cw_process_counter", **p, counter="messages") == 200
    assert metric(text, "cw_process_counter", **p, counter="positions_stored") == 200
    assert metric(text, "cw_process_counter", **p, counter="skipped_garbage") == 4
    assert metric(text, "cw_process_counter", **p, counter="skipped_bad_checksum") == 3
    assert metric(text, "cw_process_counter", **p, counter="skipped_malformed") == 0
    assert 150 < metric(text, "cw_feed_lag_seconds", **p) < 600
    assert metric(text, "cw_feed_spill_bytes", **p) == 0
    assert metric(text, "cw_process_late", **p) == 0


def test_requests_are_counted_by_route_and_queues_read_at_scrape(beats, login_as):
    from django.contrib.auth import get_user_model

    from exports.models import ExportJob

    client = login_as(Client(), "admin")
    before = client.get("/metrics").content.decode()
    route = "/api/nodes/"
    start = metric(before, "cw_http_requests_total", method="GET", status="200", route=route)
    for _ in range(3):
        client.get("/api/nodes/")
    client.get("/api/nodes/NOPE/")
    user = get_user_model().objects.get(username="analyst")
    ExportJob.objects.create(user=user, kind="layer", layer="segments", fmt="csv")
    text = client.get("/metrics").content.decode()
    assert metric(text, "cw_http_requests_total", method="GET", status="200", route=route) == (
        (start or 0) + 3
    )
    assert metric(text, "cw_http_requests_total", method="GET", status="404") >= 1
    assert metric(text, "cw_export_jobs", state="queued") == 1
    assert "cw_http_request_duration_seconds_bucket" in text


def test_metrics_are_not_for_everyone(login_as):
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 403
    assert login_as(Client(REMOTE_ADDR="10.1.2.3"), "analyst").get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200


def test_a_bearer_of_the_metrics_token_may_scrape(settings):
    settings.CW_METRICS_TOKEN = "s3cret-token"
    far = Client(REMOTE_ADDR="10.1.2.3")
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


@pytest.mark.slow
def test_a_stopped_follower_is_named_late_by_healthz(settings, beats):
    """The port-call follower, a real process on the test database, beats every second;
    killed, /healthz names it late within a few seconds (CW_LATE_AFTER_S lowered)."""
    from django.db import connection

    settings.CW_LATE_AFTER_S = 2.0
    db = connection.settings_dict
    url = f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": "k" * 60}
    follower = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "detect_port_calls",
            "--follow",
            "--interval",
            "0.5",
            "--start",
            (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = Client()
    try:
        deadline = time.monotonic() + 90
        while "port-call-follower" not in client.get("/healthz").json()["processes"]:
            assert time.monotonic() < deadline, "the follower never beat"
            time.sleep(0.5)
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and health["late"] == []
    finally:
        follower.send_signal(signal.SIGKILL)
        follower.wait(timeout=30)
    time.sleep(3)
    health = client.get("/healthz").json()
    assert health["late"] == ["port-call-follower"] and health["status"] == "degraded"
    assert client.get("/healthz").status_code == 200  # the web itself is fine
    text = Client(REMOTE_ADDR="127.0.0.1").get("/metrics").content.decode()
    assert metric(text, "cw_process_late", process="port-call-follower") == 1
