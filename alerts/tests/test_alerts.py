"""Alerts: raised once, updated on change, closed when the condition clears, not raised again
after an official closes them; the webhook receives new alerts as JSON (a real HTTP server);
the API lets officials acknowledge and close."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ais.models import VesselLatest
from alerts.models import Alert
from alerts.services.checks import ais_gaps, evaluate, train_delays
from corridors.models import Route
from geo.models import Node
from rail.models import Train
from tests.factories import make_call, make_vessel

pytestmark = pytest.mark.django_db


def late_train(minutes):
    now = timezone.now()
    return Train.objects.update_or_create(
        train_no="X9500",
        service_date=now.date(),
        defaults={
            "route": Route.objects.get(code="E"),
            "status": "running",
            "dep_actual": now - timedelta(hours=3),
            "delay_booked_s": minutes * 60,
        },
    )[0]


def test_a_late_train_is_alerted_once_updated_on_change_and_closed_when_on_time():
    late_train(50)
    assert evaluate(checks=[train_delays]) == {"raised": 1, "updated": 0, "closed": 0}
    assert evaluate(checks=[train_delays]) == {"raised": 0, "updated": 0, "closed": 0}
    alert = Alert.objects.get()
    assert alert.kind == "train_delay" and "45+ min late" in alert.reason
    assert "threshold 30 min" in alert.reason
    late_train(52)  # same 15-minute step: nothing new
    assert evaluate(checks=[train_delays])["updated"] == 0
    late_train(95)
    assert evaluate(checks=[train_delays])["updated"] == 1
    assert "90+ min" in Alert.objects.get().reason
    late_train(10)
    assert evaluate(checks=[train_delays])["closed"] == 1
    assert Alert.objects.get().state == "closed" and Alert.objects.get().closed_by is None


def test_an_alert_an_official_closed_is_not_raised_again_while_it_lasts(login_as):
    late_train(50)
    evaluate(checks=[train_delays])
    official = login_as(APIClient(), "official")
    alert = Alert.objects.get()
    assert official.post(f"/api/alerts/{alert.pk}/acknowledge/").json()["state"] == "acknowledged"
    assert official.post(f"/api/alerts/{alert.pk}/close/").json()["state"] == "closed"
    assert evaluate(checks=[train_delays])["raised"] == 0
    assert Alert.objects.count() == 1
    analyst = login_as(APIClient(), "analyst")
    assert analyst.post(f"/api/alerts/{alert.pk}/close/").status_code == 403
    assert analyst.get("/api/alerts/?state=closed").json()["results"][0]["id"] == alert.pk
    assert analyst.get("/api/alerts/?state=bogus").status_code == 400
    assert official.post("/api/alerts/99999999/close/").status_code == 404


def silent_in_port():
    """A vessel in port at Qinzhou (an open call) last heard 9 hours ago."""
    from django.contrib.gis.geos import Point

    qz = Node.objects.get(code="QZ_PORT")
    ship = make_vessel(name="QUIET ONE")
    make_call(qz, ship, timezone.now() - timedelta(hours=20))
    VesselLatest.objects.create(
        vessel=ship,
        ts=timezone.now() - timedelta(hours=9),
        geom=Point(108.6, 21.7, srid=4326),
        msg_type=1,
    )
    return qz, ship


def test_a_silent_vessel_in_port_is_alerted():
    _qz, ship = silent_in_port()
    (found,) = ais_gaps(timezone.now())
    assert found.subject == f"vessel:{ship.mmsi}" and "silent for 9 h" in found.reason


def test_new_alerts_go_to_the_webhook(settings):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CW_ALERT_WEBHOOK = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        late_train(50)
        evaluate(checks=[train_delays])
        evaluate(checks=[train_delays])
    finally:
        server.shutdown()
    assert len(received) == 1 and received[0]["kind"] == "train_delay"
    assert Alert.objects.get().notified_at is not None
    settings.CW_ALERT_WEBHOOK = "http://127.0.0.1:9/nothing-listens"
    late_train(10)
    evaluate(checks=[train_delays])
    late_train(50)
    evaluate(checks=[train_delays])  # raised; the failed hook is logged, not raised
    assert Alert.objects.filter(state="open").count() == 1


def test_an_alert_is_kept_as_kind_and_parameters_and_said_in_the_users_language(login_as):
    """The stored alert has its place and parameters; the API says it in the request's
    language, with the place's name in that language, and links to the train."""
    train = late_train(50)
    evaluate(checks=[train_delays])
    alert = Alert.objects.get()
    assert alert.details["train_no"] == "X9500" and alert.details["late_min_step"] == 45
    assert alert.place == train.destination.code if train.destination else alert.place == ""
    api = login_as(APIClient(), "official")
    english = api.get("/api/alerts/").json()["results"][0]
    assert english["message"].startswith("Train X9500 (") and "45+ min late" in english["message"]
    assert english["link"] == f"/dash/?train={train.pk}"
    chinese = api.get("/api/alerts/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]
    assert "X9500" in chinese["message"] and "晚点" in chinese["message"]
    assert chinese["reason"] == english["reason"]  # the English text for logs stays


def test_queue_and_gap_alerts_name_their_port_in_chinese(login_as):
    qz, _ship = silent_in_port()
    evaluate(checks=[ais_gaps])
    api = login_as(APIClient(), "official")
    row = api.get("/api/alerts/?place=QZ_PORT", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
    assert len(row) == 1 and row[0]["place"] == "QZ_PORT"
    assert qz.name_zh in row[0]["message"] and "QUIET ONE" in row[0]["message"]
    assert row[0]["link"] == "/dash/port/QZ_PORT"
    assert api.get("/api/alerts/?place=BH_PORT").json()["count"] == 0


def test_officials_change_a_group_of_alerts_others_may_not(django_user_model):
    from django.core.exceptions import PermissionDenied

    from alerts.services.checks import set_states
    from dash_app import gateway

    analyst = django_user_model.objects.get(username="analyst")
    official = django_user_model.objects.get(username="official")
    late_train(50)
    evaluate(checks=[train_delays])
    ids = list(Alert.objects.values_list("pk", flat=True))
    with pytest.raises(PermissionDenied):
        set_states(ids, analyst, "closed")
    assert gateway.change_alerts(analyst, ids, "closed") == "no permission to change alerts"
    assert gateway.change_alerts(official, ids, "acknowledged") == len(ids)
    assert gateway.change_alerts(official, ids, "acknowledged") == 0  # already
    [group] = gateway.alert_groups(gateway.live_alerts("en"))
    assert group.kind == "train_delay" and group.open == 0 and len(group.alerts) == len(ids)
    assert gateway.live_alerts("en", acknowledged=False) == []
    assert gateway.change_alerts(official, ids, "closed") == len(ids)
    assert gateway.live_alerts("en") == []
