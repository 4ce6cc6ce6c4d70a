"""Single sign-on (issue 18, item 5) against an OpenID Connect provider this test starts
on 127.0.0.1 (authorize, token, userinfo and JWKS endpoints; RS256-signed ID tokens): a
user signs in, is made with the role their groups map to, a changed group changes the role,
the login is audited; local accounts still log in; a forged token is refused."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client
from jwt.algorithms import RSAAlgorithm

from accounts.choices import Role
from audit.models import AuditEvent
from tests.support import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
CLIENT_ID, SECRET = "corridor-watch", "s3cret"


class Provider:
    """A minimal OpenID Connect provider: it signs in whoever `user` says."""

    def __init__(self, key=None):
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signing_key = self.key
        self.user = {"preferred_username": "wang.li", "email": "wang@example.cn", "groups": []}
        self.codes: dict[str, str] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, body, status=200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    assert query["client_id"] == CLIENT_ID and "openid" in query["scope"]
                    code = uuid.uuid4().hex
                    provider.codes[code] = query.get("nonce", "")
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query["state"]})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                elif url.path == "/jwks":
                    jwk = json.loads(RSAAlgorithm.to_jwk(provider.key.public_key()))
                    self._json({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
                elif url.path == "/userinfo":
                    self._json(provider.user)
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self):
                body = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                code = body["code"][0]
                if code not in provider.codes or body["client_secret"][0] != SECRET:
                    return self._json({"error": "invalid_grant"}, 400)
                now = int(time.time())
                claims = {
                    "iss": provider.base,
                    "aud": CLIENT_ID,
                    "sub": provider.user["preferred_username"],
                    "iat": now,
                    "exp": now + 300,
                    "nonce": provider.codes.pop(code),
                    **provider.user,
                }
                token = jwt.encode(
                    claims, provider.signing_key, algorithm="RS256", headers={"kid": "k1"}
                )
                return self._json({"id_token": token, "access_token": "at", "token_type": "Bearer"})

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def provider(settings):
    p = Provider()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{p.base}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{p.base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{p.base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{p.base}/jwks"
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.CW_OIDC_GROUP_ROLES = "corridor-officials=official,port-qz=operator"
    yield p
    p.server.shutdown()


def sign_in(client: Client) -> object:
    """The browser's part: to the provider and back."""
    start = client.get("/oidc/authenticate/", {"next": "/dash/"})
    assert start.status_code == 302 and start["Location"].startswith("http://127.0.0.1")
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    return client.get(
        callback.path,
        dict(parse_qs(callback.query)) and {k: v[0] for k, v in parse_qs(callback.query).items()},
    )


def test_a_user_signs_in_with_the_organisations_account_and_gets_their_groups_role(provider):
    provider.user["groups"] = ["corridor-officials", "somewhere-else"]
    client = Client(REMOTE_ADDR="10.7.7.7")
    login_page = client.get("/accounts/login/").content.decode()
    assert 'id="login-sso"' in login_page
    done = sign_in(client)
    assert done.status_code == 302 and done["Location"] == "/dash/"
    user = get_user_model().objects.get(username="wang.li")
    assert user.profile.role == Role.OFFICIAL and not user.has_usable_password()
    assert client.get("/api/nodes/", {"limit": 1}).status_code == 200  # signed in
    login = AuditEvent.objects.filter(action="login", actor="wang.li").get()
    assert login.ip == "10.7.7.7"
    # The provider moves them to the operators' group: the next sign-in changes the role.
    provider.user["groups"] = ["port-qz"]
    sign_in(Client())
    assert get_user_model().objects.get(username="wang.li").profile.role == Role.OPERATOR


def test_no_mapped_group_means_an_analyst_and_local_accounts_still_work(provider):
    provider.user = {"preferred_username": "zhao.min", "groups": ["unknown"]}
    sign_in(Client())
    assert get_user_model().objects.get(username="zhao.min").profile.role == Role.ANALYST
    local = Client()
    answer = local.post("/accounts/login/", {"username": "analyst", "password": DEMO_PASSWORD})
    assert answer.status_code == 302


def test_a_token_signed_by_another_key_is_refused(provider):
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client = Client()
    done = sign_in(client)
    assert done.status_code == 400  # django: SuspiciousOperation, signature refused
    assert not get_user_model().objects.filter(username="wang.li").exists()
    assert client.get("/api/nodes/").status_code in (401, 403)
