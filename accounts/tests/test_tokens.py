"""API tokens for every role (issue 19): renewal of an expired token, a token page for all,
wrong tokens limited per real client address, the proxy's header believed only from a
configured proxy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.requests import client_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def obtain(username: str, **extra):
    from django.contrib.auth import get_user_model

    from accounts.services import issue_token  # noqa: F401  (the service the view uses)

    user = get_user_model().objects.get(username=username)
    user.set_password("pw-" + username)
    user.save()
    return APIClient().post(
        "/api/auth/token/",
        {"username": username, "password": "pw-" + username, **extra},
        format="json",
    )


@pytest.mark.parametrize("username", ["analyst", "official", "operator", "admin"])
def test_an_expired_token_is_renewed_for_every_role(settings, username):
    """Review finding (Low): an analyst's or official's expired token could not be renewed
    (the same expired key came back)."""
    first = obtain(username).json()["token"]
    Token.objects.filter(key=first).update(created=timezone.now() - timedelta(days=400))
    api = APIClient(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/nodes/").status_code == 401
    renewed = obtain(username).json()
    assert renewed["token"] != first
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Token {renewed['token']}").get("/api/nodes/").status_code
        == 200
    )
    assert obtain(username).json()["token"] == renewed["token"]  # while it works: the same
    rotated = obtain(username, renew=True).json()["token"]
    assert rotated != renewed["token"]


@pytest.mark.parametrize("username", ["analyst", "official"])
def test_the_token_page_serves_every_role(username, login_as):
    client = login_as(Client(), username)
    page = client.get("/accounts/token/")
    assert page.status_code == 200 and b"You have no API token" in page.content
    client.post("/accounts/token/", {"action": "create"})
    token = Token.objects.get(user__username=username)
    page = client.get("/accounts/token/").content.decode()
    assert token.key in page and "Works until" in page and "shown this once" in page
    again = client.get("/accounts/token/").content.decode()  # shown once only
    assert token.key not in again and f"…{token.key[-4:]}" in again
    client.post("/accounts/token/", {"action": "renew"})
    assert Token.objects.get(user__username=username).key != token.key
    client.post("/accounts/token/", {"action": "revoke"})
    assert not Token.objects.filter(user__username=username).exists()
    away = client.post("/accounts/token/", {"action": "create", "next": "https://evil.example/"})
    assert away["Location"] == "/accounts/token/"


def test_wrong_tokens_are_limited_per_address(settings):
    """Review finding (Low): 200 random tokens in 1.7 s, no 429."""
    settings.CW_TOKEN_FAILURES = 5
    codes = [
        APIClient(HTTP_AUTHORIZATION=f"Token {i:040x}", REMOTE_ADDR="10.9.9.9")
        .get("/api/nodes/")
        .status_code
        for i in range(8)
    ]
    assert codes == [401] * 5 + [429] * 3
    good = obtain("analyst").json()["token"]
    # the guessing address is held for the minute, even with a right token ...
    held = APIClient(HTTP_AUTHORIZATION=f"Token {good}", REMOTE_ADDR="10.9.9.9")
    assert held.get("/api/nodes/").status_code == 429
    # ... another address is not, and a forged X-Forwarded-For does not make a new one
    other = APIClient(HTTP_AUTHORIZATION=f"Token {good}", REMOTE_ADDR="10.9.9.10")
    assert other.get("/api/nodes/").status_code == 200
    forged = APIClient(
        HTTP_AUTHORIZATION="Token " + "f" * 40,
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert forged.get("/api/nodes/").status_code == 429


def test_the_anonymous_limit_ignores_a_forged_forwarded_for(settings):
    """Review finding (Low): the anonymous rate limit was keyed on X-Forwarded-For, which
    anyone can set."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/min"}
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [
            APIClient(REMOTE_ADDR="10.8.8.8", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}")
            .post("/api/auth/token/", {"username": f"nobody{i}", "password": "x"})
            .status_code
            for i in range(5)
        ]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [400, 400, 400, 429, 429]


def test_the_client_address_believes_only_trusted_proxies():
    proxy = {"127.0.0.1"}
    meta = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert client_address(meta, proxy) == "10.0.0.5"  # not a proxy: its own address
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4"}
    assert client_address(meta, proxy) == "1.2.3.4"  # what our proxy saw, not what was sent
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "junk"}
    assert client_address(meta, proxy) == "127.0.0.1"
    assert client_address({"REMOTE_ADDR": "127.0.0.1"}, proxy) == "127.0.0.1"
