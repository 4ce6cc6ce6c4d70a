"""A provider's HTTP feed (issue 23, item 2), against a local fake provider answering 200,
429 with Retry-After, 500, an error in its own words, and nothing at all: positions stored
once, the provider's pace and back-off obeyed, the feed goes on; the key never stored."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ais.ingest.http_feed import decode_body, feed_url, records_of
from ais.models import AisIngestRun, Vessel, VesselPosition
from core.ingest.http import retry_after
from tests.support import send_json


def record(mmsi: int, minutes_ago: float, name: str = "NANNING EXPRESS") -> dict:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "MMSI": mmsi, "TIME": at.strftime("%Y-%m-%d %H:%M:%S GMT"), "LONGITUDE": 108.6012,
        "LATITUDE": 21.6101, "COG": 181.5, "SOG": 9.8, "HEADING": 182, "ROT": 0,
        "NAVSTAT": 0, "IMO": 9811004, "NAME": name, "CALLSIGN": "BQZD", "TYPE": 70, "A": 100,
        "B": 20, "C": 10, "D": 12, "DRAUGHT": 8.2, "DEST": "QINZHOU", "ETA": "11-21 08:00",
    }  # fmt: skip


class FakeProvider:
    """Answers a script, one entry per request (the last repeats): (status, body, headers)
    or "hang" (never answers in time). Records when each request came and its query."""

    def __init__(self, script):
        self.script, self.seen = list(script), []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                provider.seen.append((time.monotonic(), self.path))
                step = provider.script.pop(0) if len(provider.script) > 1 else provider.script[0]
                if step == "hang":
                    time.sleep(1.5)
                    return
                status, body, headers = step
                send_json(self, status, body, headers)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/ws.php"

    def close(self):
        self.server.shutdown()


def meta(n: int) -> dict:
    return {"ERROR": False, "USERNAME": "demo", "FORMAT": "HUMAN", "RECORDS": n}


def test_the_poller_keeps_the_providers_pace_and_goes_on_through_its_failures(
    tmp_path, ais_tables, settings
):
    first = [record(413400001, 2), record(413400002, 3, name="BAD\x00NAME")]
    again = [record(413400001, 2), record(413400003, 1, name="BEIBU GULF 3")]
    provider = FakeProvider(
        [
            (200, [meta(2), first], {}),
            (429, {"error": "slow down"}, {"Retry-After": "1"}),
            (500, {"error": "boom"}, {}),
            "hang",
            (200, [{"ERROR": True, "ERROR_MESSAGE": "Too frequent requests!"}], {}),
            (200, [meta(2), again], {}),
            (200, [meta(0), []], {}),
        ]
    )
    settings.CW_AIS_HTTP_URL = provider.url
    settings.CW_AIS_HTTP_KEY = "s3cret-key"
    settings.CW_AIS_HTTP_INTERVAL = 0.3
    settings.CW_AIS_HTTP_TIMEOUT = 0.5
    settings.CW_AIS_HTTP_BBOX = "105,15,115,25"
    from ais.services.ingest import ingest_ais

    holder: dict = {}

    def run():
        from django.db import connection

        try:
            holder["result"] = ingest_ais(
                ["provider:"],
                spill_dir=tmp_path / "spill",
                flush_interval_s=0.2,
                on_start=lambda ingest: holder.setdefault("ingest", ingest),
            )
        finally:
            connection.close()  # this thread's own connection

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and len(provider.seen) < 8:
        time.sleep(0.2)
    time.sleep(0.5)
    holder["ingest"].stop.set()
    worker.join(30)
    provider.close()
    assert not worker.is_alive()
    summary = holder["result"].summary()

    # Stored once each, with their values; the control character refused.
    assert VesselPosition.objects.filter(mmsi=413400001).count() == 1
    assert VesselPosition.objects.filter(mmsi=413400003).count() == 1
    assert not VesselPosition.objects.filter(mmsi=413400002).exists()
    p = VesselPosition.objects.get(mmsi=413400001)
    assert (p.geom.x, p.geom.y, p.sog_kn, p.cog_deg, p.heading_deg) == pytest.approx(
        (108.6012, 21.6101, 9.8, 181.5, 182)
    )
    v = Vessel.objects.get(mmsi=413400003)
    assert (v.name, v.imo, v.length_m, v.beam_m, v.draught_m) == (
        "BEIBU GULF 3",
        9811004,
        120,
        22,
        8.2,
    )
    assert "control_characters=1" in summary
    assert "http_rate_limited=1" in summary and "http_bad_answers=1" in summary
    assert "http_errors=2" in summary  # the 500 and the answer that never came

    # The pace: never two requests closer than the interval; after the 429, its 1 s.
    times = [t for t, _ in provider.seen]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.3 - 0.05
    assert gaps[1] >= 1.0 - 0.05  # request 3 came Retry-After after request 2 (the 429)
    query = provider.seen[0][1]
    for part in ("username=s3cret-key", "output=json", "latmin=15", "lonmax=115"):
        assert part in query
    # The key is in no stored record.
    assert not AisIngestRun.objects.filter(sources__contains="s3cret").exists()


def test_the_answers_shapes_and_retry_after():
    assert records_of([meta(1), [{"MMSI": 1}]]) == [{"MMSI": 1}]
    assert records_of({"data": [{"MMSI": 2}]}) == [{"MMSI": 2}]
    with pytest.raises(ValueError, match="Too frequent"):
        records_of([{"ERROR": True, "ERROR_MESSAGE": "Too frequent requests!"}])
    with pytest.raises(ValueError):
        records_of({"vessels": "none"})
    now = time.time()
    assert retry_after("120", now) == 120
    later = datetime.fromtimestamp(now + 90, UTC)
    assert retry_after(format_datetime(later, usegmt=True), now) == pytest.approx(90, abs=1.5)
    assert retry_after("soon", now) is None and retry_after(None, now) is None
    url = feed_url("https://data.aishub.net/ws.php?compress=0", "k", (100, -2, 125, 32))
    assert url.startswith("https://data.aishub.net/ws.php?") and "username=k" in url
    assert "latmin=-2" in url and "format=1" in url


def test_an_xml_answer_is_read_and_a_hostile_one_refused():
    body = (
        b'<?xml version="1.0"?><VESSELS ERROR="false">'
        b'<vessel MMSI="413400009" TIME="2026-11-20 08:00:00 GMT" LONGITUDE="108.6" '
        b'LATITUDE="21.6" SOG="3.5" COG="10" HEADING="11" NAME="XML SHIP"/></VESSELS>'
    )
    (record,) = records_of(decode_body(body))
    assert record["MMSI"] == "413400009" and record["NAME"] == "XML SHIP"
    refused = b'<VESSELS ERROR="true" ERROR_MESSAGE="Too frequent requests!"/>'
    with pytest.raises(ValueError, match="Too frequent"):
        records_of(decode_body(refused))
    bomb = b'<!DOCTYPE v [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><VESSELS>&b;</VESSELS>'
    with pytest.raises(ValueError, match="document type"):
        decode_body(bomb)
    with pytest.raises(ValueError, match="not XML"):
        decode_body(b"<VESSELS><vessel")
