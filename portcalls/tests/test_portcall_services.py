"""Port calls from positions stored in PostGIS: batch recompute, the incremental follower,
sensitivity and daily metrics with a baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from ais.demo.simulator import Simulator, load_lanes
from geo.models import Node

from ..models import PortCall
from ..services.calls import CallFollower, current_rule, detect_port_calls, update_rule
from ..services.metrics import port_metrics, sensitivity

DATA = Path(__file__).resolve().parents[2] / "data" / "gis"
START = datetime(2025, 12, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def traffic(django_db_setup, django_db_blocker, tmp_path_factory, empty_ais_tables):
    """Sixty hours of simulated traffic, ingested once for the module (the ingester commits;
    the AIS tables are emptied at the end). Port calls are written inside each test's
    transaction, so every test starts with none."""
    from ais.models import AisIngestRun

    tmp = tmp_path_factory.mktemp("traffic")
    sim = Simulator(load_lanes(DATA / "sea_lanes.geojson"), seed=23)
    t0 = START.timestamp()
    plan = sim.plan(t0, 24 * 3600, arrivals_per_hour=2, initial=0)
    feed = tmp / "feed.nmea"
    feed.write_text(
        "".join(f"{line}\n" for _, line in sim.sentences(plan, t0, t0 + 60 * 3600, noise=0))
    )
    with django_db_blocker.unblock():
        call_command(
            "ingest_ais",
            str(feed),
            "--spill-dir",
            str(tmp / "spill"),
            "--no-progress",
            stdout=StringIO(),
        )
    yield plan
    with django_db_blocker.unblock():
        AisIngestRun.objects.all().delete()
        empty_ais_tables()


def test_batch_detection_matches_ground_truth(traffic):
    qz = Node.objects.get(code="QZ_PORT")
    summary = detect_port_calls(qz, START, START + timedelta(days=3))
    truth = [c for c in traffic.calls if c.port == "QZ_PORT"]
    calls = list(PortCall.objects.filter(node=qz))
    assert summary.calls == len(calls) == len(truth) > 3
    by_mmsi = {c.vessel_id: c for c in calls}
    for t in truth:
        call = by_mmsi[t.mmsi]
        assert abs(call.berth_start_at.timestamp() - t.berth_start_s) <= 600
        assert call.rule.version == current_rule(qz).version
    again = detect_port_calls(qz, START, START + timedelta(days=3))
    assert again.removed == len(calls)  # a recompute replaces, never duplicates
    assert set(PortCall.objects.values_list("stable_id", flat=True)) == {c.stable_id for c in calls}


def test_incremental_follower_gives_the_batch_calls(traffic):
    qz = Node.objects.get(code="QZ_PORT")
    follower = CallFollower([qz], cursor=START - timedelta(seconds=1))
    step = START
    while step < START + timedelta(hours=62):  # positions arriving in 6-hour slices
        step += timedelta(hours=6)
        follower.poll(until=step)
    followed = {
        c.stable_id: (c.arrival_at, c.departure_at, c.berth_start_at)
        for c in PortCall.objects.filter(node=qz)
    }
    PortCall.objects.all().delete()
    # The same "now" as the follower's last poll (which reads up to its lag before).
    detect_port_calls(qz, START, START + timedelta(days=3), until=step - follower.lag)
    batch = {
        c.stable_id: (c.arrival_at, c.departure_at, c.berth_start_at)
        for c in PortCall.objects.filter(node=qz)
    }
    assert followed == batch and follower.fed > 1000


def test_sensitivity_leaves_official_calls_alone(traffic):
    qz = Node.objects.get(code="QZ_PORT")
    detect_port_calls(qz, START, START + timedelta(days=3))
    official = PortCall.objects.count()
    rows = sensitivity(
        qz, START, START + timedelta(days=3), [{"min_stay_s": 6 * 3600}, {"speed_kn": 0.1}]
    )
    assert rows[0]["official"] and rows[0]["calls"] == official
    assert rows[1]["calls"] <= rows[0]["calls"]
    assert PortCall.objects.count() == official


def test_rule_versions_are_recorded(traffic):
    qz = Node.objects.get(code="QZ_PORT")
    v1 = current_rule(qz)
    v2 = update_rule(qz, note="stricter", min_stay_s=3600)
    assert (v2.version, v2.min_stay_s, v2.speed_kn) == (v1.version + 1, 3600, v1.speed_kn)
    detect_port_calls(qz, START, START + timedelta(days=3))
    assert set(PortCall.objects.values_list("rule__version", flat=True)) == {v2.version}


def test_daily_metrics_and_congestion(traffic):
    qz = Node.objects.get(code="QZ_PORT")
    detect_port_calls(qz, START, START + timedelta(days=3))
    metrics = port_metrics(qz, START.date(), (START + timedelta(days=2)).date(), baseline_days=2)
    days = metrics["days"]
    assert [d["date"] for d in days] == ["2025-12-01", "2025-12-02", "2025-12-03"]
    arrivals = PortCall.objects.filter(node=qz).count()
    assert sum(d["arrivals"] for d in days) == arrivals
    # Before the first call there is no data: the first day has no baseline, so no
    # congestion (an empty queue before the data began is not a baseline).
    assert days[0]["arrivals"] > 0 and days[0]["baseline"]["days"] == 0
    assert days[0]["baseline"]["queue_p90"] is None and not days[0]["congested"]
    assert days[0]["baseline"]["kind"] == "rolling"
    # The third day has its two days of data: judged against them.
    third = days[2]
    assert third["baseline"]["days"] == third["baseline"]["min_days"] == 2
    p90 = sorted(d["queue"] for d in days[:2])[1]
    assert third["baseline"]["queue_p90"] == p90
    assert third["congested"] == (third["queue"] > p90)


def test_a_baseline_needs_its_days(traffic):
    """With the default 28-day baseline, fewer than BASELINE_MIN_DAYS days of data give no
    baseline and no congestion, whatever the queue."""
    from portcalls.services.metrics import BASELINE_MIN_DAYS

    qz = Node.objects.get(code="QZ_PORT")
    detect_port_calls(qz, START, START + timedelta(days=3))
    days = port_metrics(qz, START.date(), (START + timedelta(days=2)).date())["days"]
    assert any(d["queue"] > 0 for d in days)
    for d in days:
        assert d["baseline"]["days"] < BASELINE_MIN_DAYS == d["baseline"]["min_days"]
        assert d["baseline"]["queue_mean"] is None and not d["congested"]


def test_baseline_uses_the_same_period_last_year_when_known(traffic):
    """Calls copied a year back make the baseline last year's (a busier year: more waits)."""
    qz = Node.objects.get(code="QZ_PORT")
    detect_port_calls(qz, START, START + timedelta(days=3))
    year = timedelta(days=365)
    for call in list(PortCall.objects.filter(node=qz)):
        call.pk = None
        call.stable_id = f"ly{call.stable_id[:14]}"
        for name in (
            "arrival_at",
            "departure_at",
            "berth_start_at",
            "berth_end_at",
            "anchorage_start_at",
            "anchorage_end_at",
        ):
            if getattr(call, name):
                setattr(call, name, getattr(call, name) - year)
        call.save()
    day = (START + timedelta(days=1)).date()
    [row] = port_metrics(qz, day, day)["days"]
    assert row["baseline"]["kind"] == "same_period_last_year"
    assert row["baseline"]["days"] == 29
    assert row["baseline"]["arrivals_mean"] == pytest.approx(
        PortCall.objects.filter(node=qz, stable_id__startswith="ly").count() / 29, rel=0.35
    )


def test_port_call_api(traffic, client, login_as):
    from rest_framework.test import APIClient

    qz = Node.objects.get(code="QZ_PORT")
    detect_port_calls(qz, START, START + timedelta(days=3))
    api = login_as(APIClient(), "analyst")
    calls = api.get("/api/port-calls/", {"port": "QZ_PORT"}).json()
    assert calls["count"] == PortCall.objects.filter(node=qz).count() > 0
    first = calls["results"][0]
    assert first["port"] == "QZ_PORT" and first["rule_version"] == 1
    one = api.get("/api/port-calls/", {"mmsi": first["mmsi"]}).json()["results"]
    assert {c["mmsi"] for c in one} == {first["mmsi"]}

    rules = api.get("/api/ports/QZ_PORT/rules/").json()
    assert rules[0]["version"] == 1 and "1 kn or slower" in rules[0]["summary"]
    assert api.post("/api/ports/QZ_PORT/rules/", {"speed_kn": 0.5}).status_code == 403
    login_as(api, "admin")
    rules = api.post("/api/ports/QZ_PORT/rules/", {"speed_kn": 0.5}, format="json").json()
    assert [r["version"] for r in rules] == [2, 1] and rules[0]["speed_kn"] == 0.5

    metrics = api.get(
        "/api/ports/QZ_PORT/metrics/",
        {"start": "2025-12-01", "end": "2025-12-03", "baseline_days": 2},
    ).json()
    assert len(metrics["days"]) == 3 and "queue" in metrics["days"][0]
    sens = api.get(
        "/api/ports/QZ_PORT/sensitivity/",
        {"start": "2025-12-01T00:00:00Z", "end": "2025-12-04T00:00:00Z", "min_stay_s": 21600},
    ).json()
    assert sens["variants"][0]["official"] and len(sens["variants"]) == 2
    assert api.get("/api/ports/HH/metrics/").status_code == 404  # not a port


def test_geofence_api_versions_edits(traffic, login_as):
    from rest_framework.test import APIClient

    api = login_as(APIClient(), "analyst")
    fences = api.get("/api/geofences/", {"node": "QZ_PORT"}).json()["features"]
    assert {f["properties"]["kind"] for f in fences} == {"port_limit", "berth", "anchorage"}
    berth = next(f for f in fences if f["properties"]["kind"] == "berth")
    square = {
        "type": "Polygon",
        "coordinates": [
            [[108.60, 21.68], [108.62, 21.68], [108.62, 21.70], [108.60, 21.70], [108.60, 21.68]]
        ],
    }
    url = f"/api/geofences/{berth['properties']['id']}/"
    assert api.patch(url, {"geometry": square}, format="json").status_code == 403
    login_as(api, "admin")
    edited = api.patch(url, {"geometry": square}, format="json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["properties"]["version"] == 2
    every = api.get("/api/geofences/", {"node": "QZ_PORT", "all": "1"}).json()["features"]
    assert sorted(
        f["properties"]["version"] for f in every if f["properties"]["kind"] == "berth"
    ) == [1, 2]
