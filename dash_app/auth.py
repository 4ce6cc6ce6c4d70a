"""Django-session login for the Dash (Flask) server mounted at /dash/."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import flask
from django.conf import settings
from django.contrib.auth import get_user
from django.core import signals
from django.utils import translation

LOGIN_PATH = "/accounts/login/"


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
        if tag.startswith("zh"):
            return "zh-hans"
        if tag.startswith("en"):
            return "en"
    return settings.LANGUAGE_CODE


def install(server: flask.Flask, prefix: str) -> None:
    """Require a logged-in Django user for every /dash/ request; activate the language."""

    @server.before_request
    def _require_login():
        # Django's request signals manage database connections (close_old_connections)
        # as they do for Django's own requests.
        signals.request_started.send(sender=server.__class__, environ=flask.request.environ)
        user = django_user(flask.request.cookies)
        if not user.is_authenticated:
            if flask.request.method == "GET" and not flask.request.path.startswith("/_dash"):
                target = prefix.rstrip("/") + flask.request.full_path.rstrip("?")
                return flask.redirect(f"{LOGIN_PATH}?next={target}")
            return flask.jsonify({"detail": "Authentication required"}), 401
        flask.g.user = user
        chosen = flask.request.args.get("lang")
        if chosen in {code for code, _ in settings.LANGUAGES}:
            # A language link: remember it the way Django does (its cookie), then reload.
            response = flask.redirect(prefix)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, chosen, samesite="Lax", max_age=365 * 24 * 3600
            )
            return response
        translation.activate(request_language())
        return None

    @server.teardown_request
    def _cleanup(exc=None):
        translation.deactivate()
        signals.request_finished.send(sender=server.__class__)
