"""Trust (issue 7), across the apps: reads need a login, writes need the role's permission,
the security headers and the deploy check hold."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from geo.models import Node
from portcalls.models import DetectionRule
from tests.support import ROOT, api_client, qinzhou_berth

pytestmark = pytest.mark.django_db


# --- 12: reads need a login ---------------------------------------------------------------


def test_reads_need_a_login_except_the_public_ones(settings):
    anonymous = APIClient()
    for path in ("/api/nodes/", "/api/routes/", "/api/coverage/", "/api/ais/stats/"):
        assert anonymous.get(path).status_code == 401, path
    assert anonymous.get("/api/basemap/land/").status_code == 200
    assert anonymous.get("/healthz").status_code == 200
    settings.CW_PUBLIC_LAYERS = True
    assert anonymous.get("/api/nodes/").status_code == 200
    assert anonymous.get("/api/route-segments/").status_code == 200
    for path in ("/api/vessels/", "/api/ais/stats/", "/api/port-calls/", "/api/throughput/"):
        assert anonymous.get(path).status_code == 401, path


def test_ais_stats_hide_what_runs_read_from_non_administrators():
    from django.utils import timezone

    from ais.models import AisIngestRun

    AisIngestRun.objects.create(
        started_at=timezone.now(), sources="/srv/secret/feed.nmea tcp://10.0.0.5:4001"
    )
    analyst = api_client("analyst").get("/api/ais/stats/").json()
    assert all(run["sources"] == "" for run in analyst["runs"])
    admin = api_client("admin").get("/api/ais/stats/").json()
    assert "tcp://10.0.0.5:4001" in admin["runs"][0]["sources"]


# --- 14: writes need the role's permission ------------------------------------------------


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("official", True), ("admin", True), ("analyst", False), ("operator", False)],
)
def test_fence_and_rule_writes_follow_the_roles(username, allowed):
    api = api_client(username)
    fence = qinzhou_berth()
    patched = api.patch(f"/api/geofences/{fence.pk}/", {"basis": "checked"}, format="json")
    ruled = api.post("/api/ports/QZ_PORT/rules/", {"speed_kn": 0.8}, format="json")
    assert (patched.status_code, ruled.status_code) == ((200, 200) if allowed else (403, 403))
    if not allowed:
        assert qinzhou_berth().version == fence.version


@pytest.mark.parametrize("value", [-1e308, -1, 31, "nan", "inf", "fast"])
def test_rule_values_are_range_checked_everywhere(value):
    from portcalls.services.calls import update_rule

    response = api_client("official").post(
        "/api/ports/QZ_PORT/rules/", {"speed_kn": value}, format="json"
    )
    assert response.status_code == 400 and "speed_kn" in response.json()
    with pytest.raises(ValidationError):
        update_rule(Node.objects.get(code="QZ_PORT"), speed_kn=value)


def test_admin_rule_form_refuses_out_of_range_values(login_as):
    from django.test import Client

    admin = login_as(Client(), "admin")
    rule = DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True)
    data = {
        "speed_kn": "-1e308",
        "min_stay_s": 1800,
        "gap_timeout_s": 21600,
        "exit_hysteresis_m": 1000,
        "note": "",
    }
    response = admin.post(f"/admin/portcalls/detectionrule/{rule.pk}/change/", data)
    assert response.status_code == 200 and "speed_kn" in response.context["adminform"].form.errors
    assert DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True).pk == rule.pk


def test_admin_needs_staff_and_shows_only_what_the_role_may_change(login_as):
    from django.test import Client

    assert login_as(Client(), "analyst").get("/admin/").status_code == 302  # to the login
    official = login_as(Client(), "official")
    assert official.get("/admin/geo/geofence/").status_code == 200
    assert official.get("/admin/auth/user/").status_code == 403


# --- 16: headers, cross-site posts, deploy check ------------------------------------------


def test_dash_answers_carry_the_security_headers_and_refuse_cross_site_posts(app, login_as):
    from django.test import Client
    from werkzeug.test import Client as WsgiClient

    application = app
    session = login_as(Client(), "official").cookies["sessionid"].value
    dash = WsgiClient(application)
    dash.set_cookie("sessionid", session)
    page = dash.get("/dash/")
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    hostile = dash.post(
        "/dash/_dash-update-component", json={}, headers={"Origin": "https://evil.example"}
    )
    assert hostile.status_code == 403
    sneaky = dash.post(
        "/dash/_dash-update-component", json={}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert sneaky.status_code == 403
    same = dash.post(
        "/dash/_dash-update-component", json={}, headers={"Origin": "http://localhost"}
    )
    assert same.status_code != 403


def test_check_deploy_passes_with_the_documented_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 20 + "a1B2c3D4e5F6g7H8i9J0-kLmNoPqRsTuVwXyZ_0123456789",
        "DJANGO_ALLOWED_HOSTS": "corridor.example.org",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://corridor.example.org",
        "CW_SECURE_COOKIES": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
