"""The rail API over real HTTP handling: batches with refusals, roles, filters, KPIs and
transfer endpoints, bad parameters as 400s."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from rail.models import RailEvent, Train

pytestmark = pytest.mark.django_db


def events(day="2026-11-02"):
    base = {
        "train": "X9201",
        "service_date": day,
        "route": "E",
        "origin": "CQ_TJC",
        "destination": "QZ_EAST",
        "classifier": "actual",
        "source": "api-test",
    }
    return [
        {
            **base,
            "location": "CQ_TJC",
            "event": "departure",
            "actual": f"{day}T10:20+08:00",
            "booked": f"{day}T10:00+08:00",
            "message_id": "a1",
            "teu": 90,
        },
        {
            **base,
            "location": "LZH",
            "event": "arrival",
            "classifier": "planned",
            "booked": f"{day}T23:00+08:00",
            "message_id": "a2",
        },
        {**base, "location": "ATLANTIS", "event": "pass", "actual": f"{day}T12:00+08:00"},
    ]


def test_a_batch_keeps_the_valid_events_and_lists_the_refused(login_as):
    admin = login_as(APIClient(), "admin")
    response = admin.post("/api/rail-events/", {"events": events()}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["stored"], body["refused"]) == (2, 1)
    assert body["refusals"][0] | {"detail": ""} == {
        "line": 3,
        "reason": "unknown location",
        "detail": "",
        "field": "location",
        "message_id": "",
    }
    again = admin.post("/api/rail-events/", {"events": events()[:2]}, format="json").json()
    assert (again["stored"], again["unchanged"]) == (0, 2)
    assert RailEvent.objects.count() == 2


def test_who_may_post_events(login_as):
    anon = APIClient().post("/api/rail-events/", {"events": events()}, format="json")
    assert anon.status_code in (401, 403)
    analyst = login_as(APIClient(), "analyst")
    assert analyst.post("/api/rail-events/", {"events": events()}, format="json").status_code == 403
    operator = login_as(APIClient(), "operator")  # bound to QZ_PORT and QZ_ACT
    body = operator.post("/api/rail-events/", {"events": events()}, format="json").json()
    assert body["stored"] == 0 and {r["reason"] for r in body["refusals"]} >= {"location not yours"}
    assert RailEvent.objects.count() == 0


def test_batches_are_capped_and_must_be_lists(login_as):
    admin = login_as(APIClient(), "admin")
    assert admin.post("/api/rail-events/", {"events": {}}, format="json").status_code == 400
    assert admin.post("/api/rail-events/", {"events": [1, 2]}, format="json").status_code == 400
    too_many = {"events": [{"event": "pass"}] * 10_001}
    assert admin.post("/api/rail-events/", too_many, format="json").status_code == 400


def test_trains_list_detail_and_filters(login_as):
    admin = login_as(APIClient(), "admin")
    now = datetime.now(UTC)
    day = (now - timedelta(hours=2)).astimezone(UTC).date().isoformat()
    batch = [
        {
            "train": "X9301",
            "service_date": day,
            "route": "E",
            "origin": "CQ_TJC",
            "destination": "QZ_EAST",
            "location": "CQ_TJC",
            "event": "departure",
            "classifier": "actual",
            "actual": (now - timedelta(hours=1)).isoformat(),
            "booked": (now - timedelta(hours=1)).isoformat(),
        },
        {
            "train": "X9301",
            "service_date": day,
            "location": "HH",
            "event": "pass",
            "classifier": "planned",
            "booked": (now + timedelta(hours=9)).isoformat(),
        },
    ]
    admin.post("/api/rail-events/", {"events": batch}, format="json")
    rows = admin.get("/api/trains/?status=running&route=E").json()["results"]
    assert [r["train_no"] for r in rows] == ["X9301"]
    pos = rows[0]["position"]
    assert pos["from"] == "CQ_TJC" and pos["to"] == "HH" and 0.05 < pos["share"] < 0.15
    lon, lat = pos["coordinates"]
    inside = admin.get(f"/api/trains/?bbox={lon - 0.5},{lat - 0.5},{lon + 0.5},{lat + 0.5}")
    assert [r["train_no"] for r in inside.json()["results"]] == ["X9301"]
    assert admin.get("/api/trains/?bbox=0,0,1,1").json()["results"] == []
    detail = admin.get(f"/api/trains/{rows[0]['id']}/").json()
    assert [e["event"] for e in detail["events"]] == ["departure", "pass"]
    assert admin.get("/api/trains/?bbox=1,2,3").status_code == 400
    assert admin.get("/api/trains/?status=flying").status_code == 400
    assert admin.get("/api/trains/abc/").status_code in (400, 404)
    # The map's train layer and the train panel read what the API reads (issue 22).
    from dash_app import gateway

    live = admin.get("/api/trains/live/").json()
    assert [f["properties"]["train"] for f in live["features"]] == ["X9301"]
    page = json.loads(json.dumps(gateway.live_trains(), default=str))
    # The same trains, said the same; positions move with the clock between the two reads.
    assert [f["properties"] for f in page["features"]] == [
        f["properties"] for f in live["features"]
    ]
    for a, b in zip(page["features"], live["features"], strict=True):
        assert a["geometry"]["coordinates"] == pytest.approx(b["geometry"]["coordinates"], abs=0.01)
    panel = gateway.train_detail(str(rows[0]["id"]), "en")
    assert panel is not None and panel.train_no == "X9301"
    assert [s.classifier for s in panel.stops] == [e["classifier"] for e in detail["events"]]
    assert gateway.train_detail("999999999", "en") is None


def test_transfer_times_run_one_at_a_time_per_user_within_a_budget(monkeypatch, login_as):
    """Review finding (Low): a year of transfer times took 7.7 s alone, 21.5 s each with 4
    at once, with no per-user limit, and the statement timeout did not bound its Python
    work. Now: one at a time per user (429), cached, and a time budget (400)."""
    import psycopg
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from core import limits
    from core.database import db_conninfo

    cache.clear()
    analyst = login_as(APIClient(), "analyst")
    user = get_user_model().objects.get(username="analyst")
    url = "/api/ports/QZ_PORT/transfer/?start=2025-12-01T00:00:00Z&end=2026-11-30T00:00:00Z"
    with psycopg.connect(db_conninfo(), autocommit=True) as other:
        other.execute(
            "SELECT pg_advisory_lock(%s, %s)",
            [limits.LOCK_NAMESPACE, limits._lock_key(f"transfer:{user.pk}")],
        )
        assert analyst.get(url).status_code == 429
        assert login_as(APIClient(), "official").get(url).status_code == 200
    from datetime import UTC, datetime

    from geo.models import Node
    from rail.models import ContainerEvent

    ContainerEvent.objects.create(
        container="MSKU0000011",
        event="load",
        node=Node.objects.get(code="QZ_PORT"),
        at=datetime(2026, 6, 1, tzinfo=UTC),
        vessel_mmsi=412000001,
    )
    monkeypatch.setattr("rail.services.transfer.QUERY_TIMEOUT_S", 1e-9)  # the budget spent
    refused = analyst.get(url.replace("2025-12-01", "2025-12-02"))
    assert refused.status_code == 400 and "took too long" in refused.json()["end"]
    cache.clear()


def test_kpi_and_transfer_endpoints_check_their_parameters(login_as):
    analyst = login_as(APIClient(), "analyst")
    ok = analyst.get("/api/routes/E/kpis/?start=2026-10-05&end=2026-11-01")
    assert ok.status_code == 200 and len(ok.json()["periods"]) == 4
    assert ok.json()["periods"][0]["threshold_min"] == 30
    assert analyst.get("/api/routes/E/kpis/?start=2020-01-01&end=2026-01-01").status_code == 400
    assert analyst.get("/api/routes/E/kpis/?by=month").status_code == 400
    assert analyst.get("/api/routes/E/kpis/?start=yesterday").status_code == 400
    assert analyst.get("/api/routes/NOPE/kpis/").status_code == 404
    transfer = analyst.get("/api/ports/QZ_PORT/transfer/")
    assert transfer.status_code == 200 and transfer.json()["threshold_h"] == 72
    assert analyst.get("/api/ports/CQ_TJC/transfer/").status_code == 400
    assert analyst.get("/api/ports/QZ_PORT/transfer/?start=2026-13-01").status_code == 400
    assert analyst.get("/api/nodes/QZ_EAST/rail-teu/").status_code == 200
    assert APIClient().get("/api/routes/E/kpis/").status_code in (401, 403)
    assert Train.objects.count() == 0
