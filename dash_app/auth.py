"""Django-session login, security headers and database-outage answers for the Dash (Flask)
server mounted at /dash/."""

from __future__ import annotations

import logging
import time
from importlib import import_module
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import flask
from dash.exceptions import UnsupportedRelativePath
from django.conf import settings
from django.contrib.auth import get_user
from django.core import signals
from django.db import InterfaceError, OperationalError
from django.utils import translation
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge

from audit import context as audit_context
from audit import services as audit
from audit.choices import Action
from core.api.permissions import READ_DATA
from core.ingest.text import first_control
from core.metrics import observe
from core.names import is_chinese

log = logging.getLogger(__name__)

LOGIN_PATH = "/accounts/login/"
# Dash's own assets carry a fingerprint in their URL and may be cached; pages and callback
# answers hold data and are never stored.
CACHEABLE_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")


def django_user(cookies) -> object:
    """The Django user of a request's session cookie (AnonymousUser when none)."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
    return get_user(SimpleNamespace(session=session))


def request_language() -> str:
    """The language the Django site would use: its cookie, else Accept-Language."""
    supported = [code for code, _ in settings.LANGUAGES]
    chosen = flask.request.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in supported:
        return chosen
    header = flask.request.headers.get("Accept-Language", "")
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if is_chinese(tag):
            return "zh-hans"
        if tag.startswith("en"):
            return "en"
    return settings.LANGUAGE_CODE


INPUT_ERRORS = (
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    UnsupportedRelativePath,  # a page address outside /dash/
)


def _check_callback_body(request: flask.Request):
    """A callback post must be Dash's shape (an object with `output` text and lists of
    `{id, property, value}` inputs and state); anything else is a 400 before Dash reads it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return flask.jsonify({"detail": "Not a callback request"}), 400
    for name in ("inputs", "state"):
        items = body.get(name, [])
        if not isinstance(items, list):
            return flask.jsonify({"detail": f"{name} must be a list"}), 400
        for item in items:
            wildcard = isinstance(item, list)  # pattern-matching callbacks send lists
            for one in item if wildcard else [item]:
                if not isinstance(one, dict) or "id" not in one or "property" not in one:
                    return flask.jsonify({"detail": f"bad {name} item"}), 400
    if not isinstance(body.get("changedPropIds", []), list):
        return flask.jsonify({"detail": "changedPropIds must be a list"}), 400
    if first_control(body) is not None:  # it would reach a query (PostgreSQL refuses NUL)
        return flask.jsonify({"detail": "control character in a value"}), 400
    return None


def same_origin(request: flask.Request) -> bool:
    """Whether a state-changing request comes from this site (or a trusted origin). A
    browser sends Origin (or at least Sec-Fetch-Site) with a POST; a request with neither
    is not a browser's cross-site request."""
    origin = request.headers.get("Origin")
    if origin:
        if origin in settings.CSRF_TRUSTED_ORIGINS:
            return True
        parts = urlsplit(origin)
        return parts.netloc == request.host and parts.scheme in {"http", "https"}
    return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}


def install(server: flask.Flask, prefix: str) -> None:
    """Require a logged-in Django user for every /dash/ request; activate the language;
    refuse cross-site callback posts; add the site's security headers; answer 503 while
    the database is away."""

    # Callback bodies hold component values (bounds, a period, a node's code): a few KiB.
    # Flask refuses a longer body (413) before reading it; Django caps its own at 16 MiB.
    server.config["MAX_CONTENT_LENGTH"] = settings.CW_DASH_MAX_BODY

    @server.before_request
    def _started():
        flask.g.cw_started = time.perf_counter()

    @server.before_request
    def _require_login():
        # Django's request signals manage database connections (close_old_connections)
        # as they do for Django's own requests.
        signals.request_started.send(sender=server.__class__, environ=flask.request.environ)
        if flask.request.method not in {"GET", "HEAD", "OPTIONS"} and not same_origin(
            flask.request
        ):
            return flask.jsonify({"detail": "Cross-site request refused"}), 403
        user = django_user(flask.request.cookies)
        if not user.is_authenticated:
            if flask.request.method == "GET" and not flask.request.path.startswith("/_dash"):
                target = prefix.rstrip("/") + flask.request.full_path.rstrip("?")
                return flask.redirect(f"{LOGIN_PATH}?{urlencode({'next': target})}")
            return flask.jsonify({"detail": "Authentication required"}), 401
        if not user.has_perm(READ_DATA):
            return flask.jsonify({"detail": "This role reads no corridor data"}), 403
        flask.g.user = user
        # Who acts, from where, for the services a callback calls (audit.context); a page
        # served is a page read (its callbacks are the same page's parts: not recorded).
        flask.g.cw_audit = audit_context.current.set(
            audit_context.Acting(user, audit_context.client_ip(flask.request.environ))
        )
        if flask.request.method == "GET" and not flask.request.path.startswith(
            ("/_dash", "/assets", "/_reload", "/_favicon")
        ):
            audit.record(
                Action.READ,
                prefix.rstrip("/") + flask.request.path,
                {"method": "GET", "query": flask.request.query_string.decode()[:300]},
                user=user,
            )
        chosen = flask.request.args.get("lang")
        if chosen in {code for code, _ in settings.LANGUAGES}:
            # A language link: remember it the way Django does (its cookie), then reload the
            # same view (a shared link keeps its period, route and node).
            rest = [(k, v) for k, v in flask.request.args.items(multi=True) if k != "lang"]
            target = prefix.rstrip("/") + flask.request.path
            response = flask.redirect(target + (f"?{urlencode(rest)}" if rest else ""))
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                samesite="Lax",
                max_age=365 * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
        translation.activate(request_language())
        if flask.request.path.endswith("/_dash-update-component"):
            return _check_callback_body(flask.request)
        return None

    @server.teardown_request
    def _done(_exc):
        token = flask.g.pop("cw_audit", None)
        if token is not None:
            audit_context.current.reset(token)

    @server.errorhandler(RequestEntityTooLarge)
    def _too_large(exc):
        return flask.jsonify({"detail": "Request body too large"}), 413

    def _refused_input(exc):
        # A callback handed values its component never sends (a fuzzer, a forged post)
        # fails on their shape: that is the caller's error (400), logged with its trace
        # so a real defect is still seen. Anywhere else it stays a 500.
        if flask.request.path.endswith("/_dash-update-component"):
            log.warning("callback refused its input", exc_info=exc)
            return flask.jsonify({"detail": "The callback refused its input"}), 400
        log.error("error in %s", flask.request.path, exc_info=exc)
        return InternalServerError()

    for kind in INPUT_ERRORS:
        server.register_error_handler(kind, _refused_input)

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        started = flask.g.get("cw_started")
        if started is not None:
            rule = flask.request.url_rule
            observe(
                flask.request.method,
                "/dash" + (rule.rule if rule is not None else "/unmatched"),
                response.status_code,
                time.perf_counter() - started,
            )
        headers = response.headers
        headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        if not flask.request.path.startswith(CACHEABLE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        if getattr(settings, "SECURE_HSTS_SECONDS", 0):
            value = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                value += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                value += "; preload"
            headers.setdefault("Strict-Transport-Security", value)
        return response

    @server.errorhandler(OperationalError)
    @server.errorhandler(InterfaceError)
    def _database_away(exc):
        response = flask.jsonify({"detail": "The database is unavailable; try again shortly."})
        response.status_code = 503
        response.headers["Retry-After"] = "10"
        return response

    @server.teardown_request
    def _cleanup(exc=None):
        translation.deactivate()
        signals.request_finished.send(sender=server.__class__)
