"""DCSA Track & Trace 2.2 and 3.0 (issue 23, item 3). The test events are built from the
specifications' own schemas (every property's published example, `allOf` merged), then
given corridor places; each round trip goes through a file, polling a local fake carrier
with paging, and the push callback with its signature (a forged one refused)."""

from __future__ import annotations

import copy
import io
import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse

from ais.models import Vessel
from portcalls.models import CallEvent
from rail.ingest.dcsa import parse_event, sign, signature_ok
from rail.ingest.dcsa_feed import next_url, poll_pages
from rail.ingest.events import EventError, container_number
from rail.models import CarrierEvent, CarrierFeed, ContainerEvent, RailEvent, Train
from rail.services.dcsa import FeedPoller, ingest_objects, specs
from tests.support import send_json

pytestmark = pytest.mark.django_db
BOX = "APZU4812090"  # the specifications' own example, a valid ISO 6346 number
OWNERS = ("APZU", "MSKU", "CSQU", "TGHU", "OOLU")
IMO = 9321483  # the specifications' example IMO number (its check digit holds)


def example_of(spec, schema: dict[str, Any], depth: int = 0) -> Any:
    """An instance of `schema` made of the specification's examples (allOf merged)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return example_of(spec, spec.document["components"]["schemas"][name], depth + 1)
    if "allOf" in schema:
        values = [example_of(spec, part, depth + 1) for part in schema["allOf"]]
        scalars = [v for v in values if v is not None and not isinstance(v, dict)]
        if scalars:  # a property's own schema beside notes (deprecated, description)
            return scalars[0]
        out: dict[str, Any] = {}
        for value in values:
            out.update(value or {})
        return out
    if "example" in schema and schema.get("type") != "object":
        return schema["example"]
    if schema.get("type") == "object" or "properties" in schema:
        if depth > 12:
            return {}
        return {
            k: v
            for k, v in (
                (k, example_of(spec, p, depth + 1)) for k, p in schema.get("properties", {}).items()
            )
            if v is not None
        }
    if "enum" in schema:
        return schema["enum"][0]
    return None


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


NOW = datetime.now(UTC).replace(microsecond=0)


def v2_equipment(**over: Any) -> dict[str, Any]:
    spec = specs()["2.2"]
    event = example_of(spec, {"$ref": "#/components/schemas/equipmentEvent"})
    # only what a carrier sends about a load of a box on a ship at Qinzhou
    event = {
        k: v for k, v in event.items() if k not in ("references", "documentReferences", "seals")
    }
    event.update(
        eventID=str(uuid.uuid4()),
        eventCreatedDateTime=iso(NOW - timedelta(hours=1)),
        eventDateTime=iso(NOW - timedelta(hours=2)),
        eventClassifierCode="ACT",
        equipmentEventTypeCode="LOAD",
        equipmentReference=BOX,
        eventLocation={"locationName": "Qinzhou", "UNLocationCode": "CNQZH"},
    )
    event["transportCall"] = {
        **{k: v for k, v in event["transportCall"].items() if k != "location"},
        "UNLocationCode": "CNQZH",
        "modeOfTransport": "VESSEL",
        "vessel": {"vesselIMONumber": str(IMO), "vesselName": "BEIBU EXPRESS"},
    }
    event.pop("eventTypeCode", None)
    event.update(over)
    return event


def v3_event(kind: str, code: str, **over: Any) -> dict[str, Any]:
    spec = specs()["3.0"]
    base = example_of(spec, {"$ref": "#/components/schemas/Event"})
    event = {
        "eventID": f"evt-{uuid.uuid4()}",
        "eventUpdatedDateTime": iso(NOW - timedelta(hours=1)),
        "eventDateTime": iso(NOW - timedelta(hours=2)),
        "eventRouting": base["eventRouting"],
        "eventClassification": {
            "eventTypeCode": kind,
            f"{kind.lower()}EventTypeCode": code,
            "eventClassifierCode": "ACT",
        },
        "eventLocation": {"UNLocationCode": "CNQZH", "locationName": "Qinzhou"},
        "transportDetails": {
            "transportCall": {
                **{
                    k: v
                    for k, v in base["transportDetails"]["transportCall"].items()
                    if k in ("transportCallReference", "exportVoyageNumberOrReference")
                },
                "modeOfTransport": "VESSEL",
                "vesselTransport": {"vesselIMONumber": str(IMO), "vesselName": "BEIBU EXPRESS"},
            }
        },
    }
    if kind == "EQUIPMENT":
        event["equipmentDetails"] = {**base["equipmentDetails"], "equipmentReference": BOX}
        event["equipmentDetails"].pop("seals", None)
    event.update(over)
    return event


def rail_call(train: str) -> dict[str, Any]:
    return {
        "transportCall": {
            "modeOfTransport": "RAIL",
            "railTransport": {"railServiceReference": train},
        }
    }


@pytest.fixture
def vessel():
    return Vessel.objects.create(
        mmsi=413401234, imo=IMO, name="BEIBU EXPRESS", first_seen_at=NOW - timedelta(days=3)
    )


# -- the specifications' schemas ---------------------------------------------------------
def test_events_made_of_the_specifications_examples_pass_and_a_broken_field_is_named():
    two, three = specs()["2.2"], specs()["3.0"]
    assert two.problems(v2_equipment(), "equipmentEvent") == []
    assert three.problems(v3_event("EQUIPMENT", "LOAD"), "Event") == []
    broken = v2_equipment(eventLocation={"UNLocationCode": "CNQZHX"})
    with pytest.raises(EventError) as exc:
        parse_event(broken, 1, specs())
    assert exc.value.field == "$.eventLocation.UNLocationCode"
    assert "too long" in exc.value.detail
    no_emptiness = v2_equipment()
    del no_emptiness["emptyIndicatorCode"]  # required by 2.2's baseEquipmentEvent
    with pytest.raises(EventError, match="emptyIndicatorCode"):
        parse_event(no_emptiness, 1, specs())
    with pytest.raises(EventError) as exc:
        parse_event(v2_equipment(eventClassifierCode="MAYBE"), 1, specs())
    assert exc.value.field == "$.eventClassifierCode"
    with pytest.raises(EventError, match="check digit"):
        parse_event(v2_equipment(equipmentReference="APZU4812091"), 1, specs())
    with pytest.raises(EventError, match="UTC offset"):
        parse_event(v2_equipment(eventDateTime="2026-11-20T08:00:00"), 1, specs())
    with pytest.raises(EventError, match="control characters"):
        parse_event(v3_event("EQUIPMENT", "LOAD", eventID="a\x00b"), 1, specs())


def test_the_notification_signature_is_the_hmac_of_the_body():
    body = b'[{"eventID": "x"}]\n'
    secret = (
        "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDM2NTc4NjIzODk3NDY5MDgyNzM0OTg3MTIzNzg2NA=="
    )
    header = sign(body, secret)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert signature_ok(body, header, secret)
    assert not signature_ok(body + b" ", header, secret)  # the whole body, whitespace too
    assert not signature_ok(body, header, "b3RoZXI=")
    assert not signature_ok(body, "md5=" + header[7:], secret)
    assert not signature_ok(body, None, secret)


# -- what events become ------------------------------------------------------------------
def test_a_load_becomes_a_container_event_once_and_a_newer_version_moves_it(vessel):
    load = v3_event("EQUIPMENT", "LOAD")
    first = ingest_objects([load], "cosco", "file")
    assert first.container_events == 1 and not first.refused
    again = ingest_objects([copy.deepcopy(load)], "cosco", "file")  # re-sent
    assert again.unchanged == 1 and again.container_events == 0
    row = ContainerEvent.objects.get(message_id=load["eventID"])
    assert (row.container, row.event, row.node.code) == (BOX, "load", "QZ_PORT")
    assert (row.vessel_imo, row.vessel_mmsi, row.train) == (IMO, vessel.mmsi, None)
    assert row.at == NOW - timedelta(hours=2) and row.source == "cosco"

    newer = {**load, "eventUpdatedDateTime": iso(NOW - timedelta(minutes=30))}
    newer["eventDateTime"] = iso(NOW - timedelta(hours=3))  # the terminal corrects the time
    assert ingest_objects([newer], "cosco", "poll").container_events == 1
    late = {**load, "eventUpdatedDateTime": iso(NOW - timedelta(hours=5))}  # older, late
    assert ingest_objects([late], "cosco", "push").outdated == 1
    rows = ContainerEvent.objects.filter(container=BOX, source="cosco")
    assert [(r.at, r.retracted) for r in rows] == [(NOW - timedelta(hours=3), False)]
    ledger = CarrierEvent.objects.get(event_id=load["eventID"])
    assert (ledger.versions, ledger.outcome, ledger.version) == (2, "applied", "3.0")

    gone = {
        "eventID": load["eventID"],
        "eventRouting": load["eventRouting"],
        "eventUpdatedDateTime": iso(NOW - timedelta(minutes=10)),
        "isRetracted": True,
    }
    assert ingest_objects([gone], "cosco", "push").retracted == 1
    assert ContainerEvent.objects.get(container=BOX, source="cosco").retracted


def test_transport_events_become_call_and_train_events_and_shipments_are_kept_aside(vessel):
    arrival = v3_event("TRANSPORT", "ARRI")
    departure = v2_transport = {
        **example_of(specs()["2.2"], {"$ref": "#/components/schemas/transportEvent"}),
    }
    v2_transport.update(
        eventID=str(uuid.uuid4()),
        eventCreatedDateTime=iso(NOW - timedelta(minutes=50)),
        eventDateTime=iso(NOW + timedelta(hours=20)),
        eventClassifierCode="EST",
        transportEventTypeCode="DEPA",
        eventLocation={"UNLocationCode": "CNQZH"},
    )
    for key in ("references", "documentReferences", "eventTypeCode", "delayReasonCode"):
        v2_transport.pop(key, None)
    v2_transport["transportCall"] = {
        "transportCallID": "QZ-2611-1",
        "carrierVoyageNumber": "2611S",
        "UNLocationCode": "CNQZH",
        "modeOfTransport": "VESSEL",
        "vessel": {"vesselIMONumber": str(IMO), "vesselName": "BEIBU EXPRESS"},
    }
    train_departure = v3_event(
        "TRANSPORT",
        "DEPA",
        eventLocation={"UNLocationCode": "CNCQI"},
        transportDetails=rail_call("X8001"),
    )
    shipment = v3_event("SHIPMENT", "CONF")
    shipment.pop("transportDetails")
    shipment["eventClassification"] = {
        "eventTypeCode": "SHIPMENT",
        "shipmentEventTypeCode": "CONF",
        "eventClassifierCode": "ACT",
    }
    planned_load = v3_event("EQUIPMENT", "LOAD")
    planned_load["eventClassification"]["eventClassifierCode"] = "PLN"

    result = ingest_objects(
        [arrival, departure, train_departure, shipment, planned_load], "cosco", "file"
    )
    assert not result.refused, result.refused
    assert (result.call_events, result.rail_events, result.kept_aside, result.shipments) == (
        2,
        1,
        2,
        1,
    )
    calls = {c.event: c for c in CallEvent.objects.filter(source="cosco")}
    assert calls["arrival"].classifier == "actual" and calls["arrival"].vessel_mmsi == vessel.mmsi
    assert calls["departure"].classifier == "estimated" and calls["departure"].voyage == "2611S"
    assert {c.node.code for c in calls.values()} == {"QZ_PORT"}
    event = RailEvent.objects.get(source="cosco")
    assert (event.train.train_no, event.node.code, event.event, event.classifier) == (
        "X8001",
        "CQ",
        "departure",
        "actual",
    )
    assert Train.objects.get(train_no="X8001").dep_actual == NOW - timedelta(hours=2)
    aside = CarrierEvent.objects.filter(outcome="kept_aside").order_by("kind")
    assert [(a.kind, a.why) for a in aside] == [
        ("equipment", "planned equipment event (only what happened moves a box)"),
        ("shipment", "shipment event"),
    ]


def test_refusals_say_which_field_and_why_and_leave_nothing_behind():
    unknown = v3_event("EQUIPMENT", "LOAD", eventLocation={"UNLocationCode": "NLRTM"})
    no_ship = v3_event(
        "EQUIPMENT", "DISC", transportDetails={"transportCall": {"modeOfTransport": "VESSEL"}}
    )
    future = v3_event("EQUIPMENT", "GTIN", eventDateTime=iso(NOW + timedelta(days=2)))
    good = v3_event("EQUIPMENT", "GTOT")
    result = ingest_objects([unknown, "junk", no_ship, future, good], "cosco", "file")
    said = {r.line: (r.reason, r.field) for r in result.refused}
    assert said == {
        1: ("unknown location", "$.eventLocation.UNLocationCode"),
        2: ("not an object", None),
        3: ("missing field", "$.transportDetails.transportCall"),
        4: ("time in the future", "$.eventDateTime"),
    }
    assert result.container_events == 1
    assert CarrierEvent.objects.filter(source="cosco").count() == 1
    assert ContainerEvent.objects.filter(source="cosco").get().event == "gate_out"


# -- the three ways in -------------------------------------------------------------------
def test_a_file_and_standard_input_loaded_twice_store_once(tmp_path, vessel, monkeypatch, capsys):
    events = [
        v2_equipment(),
        v2_equipment(equipmentEventTypeCode="DISC", eventID=str(uuid.uuid4())),
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events))
    call_command("ingest_dcsa", str(path), "--source", "terminal-a")
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO("\n".join(json.dumps(e) for e in events).encode()))
    )
    call_command("ingest_dcsa", "-", "--source", "terminal-a")
    out = capsys.readouterr().out
    assert "2 container events" in out and "2 unchanged" in out
    assert ContainerEvent.objects.filter(source="terminal-a").count() == 2


class FakeCarrier:
    """A carrier's T&T API: pages of events (2.2: Next-Page links; 3.0: Next-Page-Cursor),
    and scripted failures before them (429 with Retry-After, 500)."""

    def __init__(self, version: str, pages: list[list[dict]], failures=()):
        self.version, self.pages, self.failures, self.seen = version, pages, list(failures), []
        carrier = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                carrier.seen.append((self.path, self.headers.get("Authorization")))
                if carrier.failures:
                    status, headers = carrier.failures.pop(0)
                    return send_json(self, status, {"errors": []}, headers)
                query = dict(p.split("=", 1) for p in self.path.split("?", 1)[1].split("&"))
                n = int(query.get("cursor", "0"))
                body: Any = carrier.pages[n]
                headers = {}
                if n + 1 < len(carrier.pages):
                    if carrier.version == "2.2":
                        headers["Next-Page"] = f"/v2/events?cursor={n + 1}&limit=2"
                    else:
                        headers["Next-Page-Cursor"] = str(n + 1)
                if carrier.version == "3.0":
                    body = {"events": body}
                send_json(self, 200, body, headers)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/"

    def close(self):
        self.server.shutdown()


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_polling_a_carrier_follows_its_pages_and_survives_429_and_500(version, vessel):
    make = v2_equipment if version == "2.2" else (lambda **o: v3_event("EQUIPMENT", "LOAD", **o))
    boxes = [container_number(prefix, 481209 + i) for i, prefix in enumerate(OWNERS)]
    events = []
    for i, box in enumerate(boxes):
        event = make()
        if version == "2.2":
            event["equipmentReference"] = box
        else:
            event["equipmentDetails"]["equipmentReference"] = box
        event["eventDateTime"] = iso(NOW - timedelta(hours=10 - i))
        events.append(event)
    carrier = FakeCarrier(
        version,
        [events[:2], events[2:4], events[4:]],
        failures=[(429, {"Retry-After": "120"}), (500, {})],
    )
    feed = CarrierFeed.objects.create(
        name=f"carrier-{version}", version=version, base_url=carrier.url, auth_value="Bearer k"
    )
    clock = [1000.0]
    poller = FeedPoller(clock=lambda: clock[0])
    try:
        assert "429, next poll in 300 s" in poller.step()  # Retry-After 120 < the interval
        assert poller.step() == "nothing due"
        clock[0] += 300
        # the wait doubled after the 429 (600 s), again after the 500, to the 15 min cap
        assert "HTTP 500; next poll in 900 s" in poller.step()
        clock[0] += 899
        assert poller.step() == "nothing due"
        clock[0] += 1
        said = poller.step()
        assert "5 container events" in said, said
        clock[0] += 300
        assert "5 unchanged" in poller.step()  # from the watermark, again: nothing twice
    finally:
        carrier.close()
    paths = [p for p, _ in carrier.seen]
    assert paths[0].startswith("/v2/events?" if version == "2.2" else "/events?")
    assert all(auth == "Bearer k" for _, auth in carrier.seen)
    since = "eventCreatedDateTime%3Agte" if version == "2.2" else "eventUpdatedDateTimeMin"
    assert since in paths[-3] and since not in paths[2]  # the last poll, from the watermark
    assert poller.counts[feed.name] == Counter(
        {"pages": 6, "events": 10, "polls": 2, "rate_limited": 1, "poll_errors": 1}
    )
    assert ContainerEvent.objects.filter(source=feed.name).count() == 5
    feed.refresh_from_db()
    assert feed.watermark is not None


def test_next_page_links_and_cursors():
    here = "https://carrier.example/v2/events?limit=2"
    assert next_url(here, "/v2/events?cursor=abc") == "https://carrier.example/v2/events?cursor=abc"
    assert next_url(here, "fE9mZnNldHw9NSZsaW1pdD01") == here + "&cursor=fE9mZnNldHw9NSZsaW1pdD01"
    assert next_url(here, "") is None and next_url(here, None) is None


def test_a_page_that_is_not_events_fails_the_poll_and_keeps_what_came_before():
    carrier = FakeCarrier("3.0", [[{"eventID": "x"}]])
    carrier.pages = [[]]
    try:
        pages = list(poll_pages(carrier.url, "3.0", None, Counter(), requests.Session()))
        assert [p.events for p in pages] == [[]]
        carrier.failures = [(200, {})]
        with pytest.raises(ValueError):
            list(poll_pages(carrier.url, "3.0", None, Counter(), requests.Session()))
    finally:
        carrier.close()


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_the_push_callback_checks_the_signature_and_refuses_a_forged_one(client, version, vessel):
    feed = CarrierFeed.objects.create(name=f"push-{version}", version=version)
    url = reverse("dcsa-callback", args=[feed.subscription_id])
    event = v2_equipment() if version == "2.2" else v3_event("EQUIPMENT", "LOAD")
    body = json.dumps([event] if version == "2.2" else {"events": [event]}).encode()
    headers = {"HTTP_SUBSCRIPTION_ID": str(feed.subscription_id), "HTTP_API_VERSION": "1.0.0"}

    forged = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_NOTIFICATION_SIGNATURE=sign(body, "Zm9yZ2Vk"),
        **headers,
    )
    assert forged.status_code == 401 and "Notification-Signature" in forged.json()["detail"]
    unsigned = client.post(url, body, content_type="application/json", **headers)
    assert unsigned.status_code == 401
    assert not CarrierEvent.objects.exists()

    good = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_NOTIFICATION_SIGNATURE=sign(body, feed.secret),
        **headers,
    )
    assert good.status_code == (204 if version == "2.2" else 200)
    if version == "3.0":
        assert good.json()["feedbackElements"][-1]["severity"] == "INFO"
    row = ContainerEvent.objects.get(source=feed.name)
    assert (row.container, row.node.code, row.vessel_mmsi) == (BOX, "QZ_PORT", vessel.mmsi)
    assert CarrierEvent.objects.get().via == "push"

    bad = copy.deepcopy(event)
    bad["eventDateTime"] = "yesterday"
    body = json.dumps([bad] if version == "2.2" else {"events": [bad]}).encode()
    refused = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_NOTIFICATION_SIGNATURE=sign(body, feed.secret),
        **headers,
    )
    assert refused.status_code == 200
    error = refused.json()["feedbackElements"][0]
    assert error["severity"] == "ERROR" and error["propertyPath"].startswith("$.events[0]")

    other = client.post(
        url,
        body,
        content_type="application/json",
        HTTP_NOTIFICATION_SIGNATURE=sign(body, feed.secret),
        HTTP_SUBSCRIPTION_ID=str(uuid.uuid4()),
    )
    assert other.status_code == 400 and "Subscription-ID" in other.json()["detail"]
    assert client.head(url).status_code == 204
    assert (
        client.post(
            reverse("dcsa-callback", args=[uuid.uuid4()]), body, content_type="application/json"
        ).status_code
        == 404
    )
    junk = b"not json"
    assert (
        client.post(
            url,
            junk,
            content_type="application/json",
            HTTP_NOTIFICATION_SIGNATURE=sign(junk, feed.secret),
        ).status_code
        == 400
    )
    time.sleep(0)  # (no background work: each push is applied within its request)
