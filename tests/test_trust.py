"""Trust (issue 7): users' edits survive seed loads, edits are applied or refused by name,
demo accounts are made once, reads need a login, logins are rate-limited, writes need the
role's permission, codes are slugs, and the security settings hold."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from core.ingest.geojson import read_features
from geo.models import Geofence, Node
from geo.services.nodes import update_node
from portcalls.models import DetectionRule
from tests import support
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[108.60, 21.68], [108.62, 21.68], [108.62, 21.70], [108.60, 21.70], [108.60, 21.68]]
    ],
}


def client(username: str) -> APIClient:
    return support.login_as(APIClient(), username)


def berth() -> Geofence:
    return Geofence.objects.current().get(node__code="QZ_PORT", kind="berth")


def seed_fence(name: str):
    path = settings.CW_DATA_DIR / "geofences.geojson"
    return next(f for f in read_features(path, {"Polygon"}) if f.properties["name"] == name)


# --- 1: the seed seeds ------------------------------------------------------------------


def make_edits() -> dict:
    """An official moves a berth fence and changes a rule (API); an administrator renames
    a node (the admin's service)."""
    official = client("official")
    fence = berth()
    moved = official.patch(f"/api/geofences/{fence.pk}/", {"geometry": SQUARE}, format="json")
    assert moved.status_code == 200, moved.content
    ruled = official.post("/api/ports/QZ_PORT/rules/", {"speed_kn": 0.5}, format="json")
    assert ruled.status_code == 200, ruled.content
    update_node(Node.objects.get(code="NN"), {"name_en": "Nanning (edited)"})
    return {"fence_version": berth().version}


def setup_twice() -> None:
    """What each `make run` does to the data: load the seed, make the demo accounts."""
    for _ in range(2):
        call_command("load_corridor", stdout=StringIO())
        call_command("demo_accounts", "create", stdout=StringIO(), stderr=StringIO())


def test_user_edits_survive_make_run_twice():
    edits = make_edits()
    setup_twice()
    fence = berth()
    assert fence.version == edits["fence_version"] and fence.origin == "user"
    assert fence.geom.equals_exact(Polygon(*SQUARE["coordinates"], srid=4326), 1e-9)
    rule = DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True)
    assert (rule.speed_kn, rule.origin) == (0.5, "user")
    node = Node.objects.get(code="NN")
    assert (node.name_en, node.origin) == ("Nanning (edited)", "user")
    out = StringIO()
    call_command("load_corridor", stdout=out)
    assert "user edits kept" in out.getvalue()


def test_reset_restores_the_seed_only_when_asked():
    make_edits()
    with pytest.raises(CommandError, match="confirmation"):
        call_command("load_corridor", "--reset", stdout=StringIO())  # no terminal to ask
    assert berth().origin == "user"  # nothing changed
    out = StringIO()
    call_command("load_corridor", "--reset", "--yes", stdout=out)
    listed = out.getvalue()
    assert "geofence QZ_PORT/berth/QZ_PORT berth" in listed
    assert "node NN" in listed and "detection rule QZ_PORT" in listed
    seed = GEOSGeometry(seed_fence("QZ_PORT berth").geom.wkt, srid=4326)
    fence = berth()
    assert fence.origin == "seed" and fence.geom.equals_exact(seed, 1e-9)
    assert Node.objects.get(code="NN").name_en != "Nanning (edited)"
    rule = DetectionRule.objects.get(node__code="QZ_PORT", valid_to__isnull=True)
    assert (rule.speed_kn, rule.origin) == (1.0, "seed")


# --- 2: edits applied or refused by name --------------------------------------------------


def test_fence_patch_applies_every_field_given():
    official = client("official")
    fence = berth()
    url = f"/api/geofences/{fence.pk}/"
    body = official.patch(
        url,
        {"name": "Qinzhou container berths", "basis": "surveyed 2026", "approximate": False},
        format="json",
    )
    assert body.status_code == 200, body.content
    new = Geofence.objects.get(pk=body.json()["properties"]["id"])
    assert (new.name, new.basis, new.approximate, new.version) == (
        "Qinzhou container berths",
        "surveyed 2026",
        False,
        fence.version + 1,
    )
    # A bare geometry member, and a GeoJSON Feature, both move the fence.
    bare = official.patch(f"/api/geofences/{new.pk}/", {"geometry": SQUARE}, format="json")
    assert bare.status_code == 200 and bare.json()["geometry"]["coordinates"][0][1] == [
        108.62,
        21.68,
    ]
    feature = {"type": "Feature", "geometry": SQUARE, "properties": {"kind": "anchorage"}}
    latest = Geofence.objects.current().get(seed_key=fence.seed_key)
    moved = official.patch(f"/api/geofences/{latest.pk}/", feature, format="json")
    assert moved.status_code == 200 and moved.json()["properties"]["kind"] == "anchorage"
    # Sending back what was read changes nothing and adds no version.
    again = official.get(f"/api/geofences/{moved.json()['properties']['id']}/").json()
    same = official.patch(f"/api/geofences/{again['properties']['id']}/", again, format="json")
    assert same.status_code == 200 and same.json()["properties"]["version"] == fence.version + 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"version": 99}, "version"),
        ({"node": "BH_PORT"}, "node"),
        ({"geometry": {"type": "Point", "coordinates": [108, 21]}}, "geom"),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            },
            "geom",
        ),
        ({"kind": "harbour"}, "kind"),
        ({"type": "Feature", "geometry": SQUARE, "properties": {}, "style": {}}, "style"),
    ],
)
def test_fence_fields_not_accepted_are_400_naming_them(payload, field):
    fence = berth()
    response = client("official").patch(f"/api/geofences/{fence.pk}/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert berth().version == fence.version  # nothing written


def test_admin_fence_edit_goes_through_the_same_service(login_as):
    from django.test import Client

    admin = login_as(Client(), "admin")
    fence = berth()
    page = admin.get(f"/admin/geo/geofence/{fence.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "geom"}
    data.update(name="Renamed in the admin", geom=json.dumps(SQUARE), kind="berth")
    data.pop("node", None)
    response = admin.post(f"/admin/geo/geofence/{fence.pk}/change/", data)
    assert response.status_code == 302, response.content[:800]
    new = Geofence.objects.current().get(seed_key=fence.seed_key)
    assert (new.name, new.version, new.origin) == (
        "Renamed in the admin",
        fence.version + 1,
        "user",
    )


# --- 4: demo accounts ---------------------------------------------------------------------


def test_demo_accounts_are_made_once_with_private_random_passwords(tmp_path, django_user_model):
    from accounts.models import SetupRecord

    SetupRecord.objects.all().delete()
    django_user_model.objects.filter(
        username__in=["admin", "official", "analyst", "operator"]
    ).delete()
    secrets_file = tmp_path / "demo-accounts.txt"
    out = StringIO()
    call_command(
        "demo_accounts",
        "create",
        "--password-file",
        str(secrets_file),
        stdout=out,
        stderr=StringIO(),
    )
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    lines = [
        ln.split("\t") for ln in secrets_file.read_text().splitlines() if not ln.startswith("#")
    ]
    passwords = {name: secret for name, secret, _ in lines}
    assert set(passwords) == {"admin", "official", "analyst", "operator"}
    assert len(set(passwords.values())) == 4 and all(len(p) >= 16 for p in passwords.values())
    admin = django_user_model.objects.get(username="admin")
    assert admin.check_password(passwords["admin"]) and admin.is_superuser

    admin.set_password("a-new-long-passphrase")
    admin.save()
    django_user_model.objects.filter(username="analyst").delete()
    err = StringIO()
    call_command(
        "demo_accounts",
        "create",
        "--password-file",
        str(secrets_file),
        stdout=StringIO(),
        stderr=err,
    )
    admin.refresh_from_db()
    assert admin.check_password("a-new-long-passphrase")  # never reset
    assert not django_user_model.objects.filter(username="analyst").exists()  # never recreated
    assert "WARNING: demo accounts are active: admin, official, operator" in err.getvalue()


def test_demo_accounts_can_be_turned_off(monkeypatch, django_user_model):
    from accounts.models import SetupRecord

    SetupRecord.objects.all().delete()
    django_user_model.objects.all().delete()
    monkeypatch.setenv("CW_DEMO_ACCOUNTS", "0")
    call_command("demo_accounts", "create", stdout=StringIO(), stderr=StringIO())
    assert not django_user_model.objects.exists()


def test_docker_compose_ships_no_known_password():
    compose = (ROOT / "docker-compose.yml").read_text()
    docker = (ROOT / "Dockerfile").read_text()
    assert "corridor-demo" not in compose + docker
    assert "CW_DB_PASSWORD:?" in compose and "DJANGO_SECRET_KEY:?" in compose
    assert "demo_accounts create" in docker and "CW_DEMO_PASSWORD" not in compose


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
    analyst = client("analyst").get("/api/ais/stats/").json()
    assert all(run["sources"] == "" for run in analyst["runs"])
    admin = client("admin").get("/api/ais/stats/").json()
    assert "tcp://10.0.0.5:4001" in admin["runs"][0]["sources"]


# --- 13: logins are rate-limited, passwords validated -------------------------------------


def test_logins_are_rate_limited_on_the_site_the_admin_and_the_token_endpoint(demo_password):
    from django.test import Client

    site = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        site.post("/accounts/login/", {"username": "analyst", "password": "wrong"})
    locked = site.post("/accounts/login/", {"username": "analyst", "password": demo_password})
    assert locked.status_code == 429  # even the right password, for a while

    admin = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin.post("/admin/login/", {"username": "admin", "password": "wrong"})
    assert (
        admin.post("/admin/login/", {"username": "admin", "password": demo_password}).status_code
        == 429
    )

    api = APIClient(REMOTE_ADDR="203.0.113.9")
    good = api.post("/api/auth/token/", {"username": "official", "password": demo_password})
    assert good.status_code == 200 and len(good.json()["token"]) == 40
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            api.post("/api/auth/token/", {"username": "official", "password": "x"}).status_code
            == 400
        )
    assert (
        api.post("/api/auth/token/", {"username": "official", "password": "x"}).status_code == 429
    )
    assert (
        api.post(
            "/api/auth/token/", {"username": "official", "password": demo_password}
        ).status_code
        == 429
    )
    # Another address is not locked out by this one's failures.
    assert (
        APIClient(REMOTE_ADDR="203.0.113.10")
        .post("/api/auth/token/", {"username": "official", "password": demo_password})
        .status_code
        == 200
    )


def test_common_and_numeric_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password

    for weak in ("password123", "12345678901", "qwertyuiop"):
        with pytest.raises(ValidationError):
            validate_password(weak)


# --- 14: writes need the role's permission ------------------------------------------------


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("official", True), ("admin", True), ("analyst", False), ("operator", False)],
)
def test_fence_and_rule_writes_follow_the_roles(username, allowed):
    api = client(username)
    fence = berth()
    patched = api.patch(f"/api/geofences/{fence.pk}/", {"basis": "checked"}, format="json")
    ruled = api.post("/api/ports/QZ_PORT/rules/", {"speed_kn": 0.8}, format="json")
    assert (patched.status_code, ruled.status_code) == ((200, 200) if allowed else (403, 403))
    if not allowed:
        assert berth().version == fence.version


@pytest.mark.parametrize("value", [-1e308, -1, 31, "nan", "inf", "fast"])
def test_rule_values_are_range_checked_everywhere(value):
    from portcalls.services.calls import update_rule

    response = client("official").post(
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


# --- 15: codes are slugs ------------------------------------------------------------------


@pytest.mark.parametrize("code", ['X" onerror="alert(1)', "qz port", "<b>", "A" * 40])
def test_node_and_route_codes_must_be_slugs(code):
    node = Node.objects.get(code="NN")
    node.code = code
    with pytest.raises(ValidationError):
        node.full_clean()
    from corridors.models import Route

    route = Route.objects.first()
    route.code = code
    with pytest.raises(ValidationError):
        route.full_clean()


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
