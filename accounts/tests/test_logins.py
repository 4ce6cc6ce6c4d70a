"""Trust (issue 7): demo accounts made once with private passwords, logins rate-limited,
passwords validated."""

from __future__ import annotations

import stat
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.support import ROOT

pytestmark = pytest.mark.django_db


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
