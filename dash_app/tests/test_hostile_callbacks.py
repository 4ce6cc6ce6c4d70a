"""Dash under hostile posts (issue 19): oversized and malformed callback bodies, junk in
every input of every callback, and the costly callbacks under the API's guards. Nothing a
caller sends makes the app answer 5xx."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from django.test import Client
from werkzeug.test import Client as WsgiClient

from core.database import db_conninfo
from core.limits import LOCK_NAMESPACE, _lock_key

pytestmark = pytest.mark.django_db
URL = "/dash/_dash-update-component"
JUNK = [
    None,
    True,
    0,
    -1,
    10**30,
    1.5e308,
    "",
    "x",
    "\x00",
    "0001-01",
    "9999-12-31",
    [1, 2],
    [0, 0],
    [-(10**9), 10**9],
    [None, "a"],
    {"a": 1},
    {"properties": {"code": "\x00"}},
    {"points": [{"customdata": [None]}]},
    "x" * 20_000,
]


@pytest.fixture
def dash(app, login_as):
    client = WsgiClient(app)
    client.set_cookie("sessionid", login_as(Client(), "analyst").cookies["sessionid"].value)
    return client


def test_an_oversized_callback_body_is_refused_before_it_is_read(dash, settings):
    """Review finding (Medium): a 100 MB value was echoed back and a worker grew by 500 MB."""
    body = b'{"output": "x.children", "inputs": [{"id": "x", "property": "v", "value": "'
    body += b"a" * (settings.CW_DASH_MAX_BODY + 10) + b'"}]}'
    response = dash.post(URL, data=body, content_type="application/json")
    assert response.status_code == 413
    assert b"aaaa" not in response.get_data()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b"null",
        b'{"inputs": []}',
        b'{"output": 5}',
        b'{"output": "a.b", "inputs": 5}',
        b'{"output": "a.b", "inputs": [5]}',
        b'{"output": "a.b", "inputs": [{"id": "a"}]}',
        b'{"output": "a.b", "state": {"x": 1}}',
        b'{"output": "a.b", "inputs": [], "changedPropIds": "x"}',
        b'{"output": "nope.children", "outputs": {"id": "nope", "property": "children"},'
        b' "inputs": []}',
        b'{"output": "a.b", "inputs": [[{"id": {"type": "x"}}]]}',
    ],
)
def test_malformed_callback_bodies_are_4xx(dash, body):
    response = dash.post(URL, data=body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]


def callbacks() -> list[tuple[str, dict]]:
    """(output key, spec) of every callback the app has (after its first request)."""
    import dash

    return [(key, spec) for key, spec in dash.get_app().callback_map.items()]


def _ident(raw: str):
    """A component id as a post names it: a pattern id made concrete."""
    if not raw.startswith("{"):
        return raw, False
    ident = json.loads(raw)
    many = any(v == ["ALL"] for v in ident.values())
    return {k: (v if isinstance(v, str) else "overview") for k, v in ident.items()}, many


def _outputs(key: str) -> list[dict] | dict:
    many = key.startswith("..")
    parts = key[2:-2].split("...") if many else [key]
    items = []
    for part in parts:
        raw, _, prop = part.rpartition(".")
        ident, _ = _ident(raw)
        items.append({"id": ident, "property": prop})
    return items if many else items[0]


def _values(deps: list[dict], values) -> list:
    items: list = []
    for dep, value in zip(deps, values, strict=True):
        ident, many = _ident(dep["id"])
        item = {"id": ident, "property": dep["property"], "value": value}
        items.append([item] if many else item)
    return items


def test_every_callback_takes_junk_in_every_input_without_a_5xx(app, dash):
    """A Dash callback fuzz: each callback, each input and state in turn set to each junk
    value (the others None), then all at once; then a few random mixes. 0 5xx."""
    import random

    dash.get("/dash/_dash-layout")  # the app takes its callbacks on its first request
    specs = callbacks()
    assert len(specs) >= 20  # every page's callbacks are registered
    rng = random.Random(19)
    failures = []
    posts = 0
    for key, spec in specs:
        deps = [*spec["inputs"], *spec["state"]]
        if not deps:
            continue
        trials = [
            [junk if i == k else None for i in range(len(deps))]
            for k in range(len(deps))
            for junk in JUNK
        ]
        trials += [[rng.choice(JUNK) for _ in deps] for _ in range(10)]
        for values in trials:
            payload = {
                "output": key,
                "outputs": _outputs(key),
                "inputs": _values(spec["inputs"], values[: len(spec["inputs"])]),
                "state": _values(spec["state"], values[len(spec["inputs"]) :]),
                "changedPropIds": [f"{d['id']}.{d['property']}" for d in spec["inputs"][:1]],
            }
            response = dash.post(URL, json=payload)
            posts += 1
            if response.status_code >= 500:
                failures.append((key, values, response.get_data(as_text=True)[:200]))
    assert posts > 500
    assert failures == [], "\n".join(f"{k} {v!r:.120}" for k, v, _ in failures)


def test_three_overview_callbacks_take_a_period_of_year_zero(dash):
    """Review finding (Low): a period of [1, 2] gave `ValueError: year 0` (500)."""
    from dash_app.pages import overview

    assert overview.period_of([1, 2]) == tuple(sorted(overview.period_of([1, 2])))
    first, last = overview.period_of([1, 2])
    from dash_app import gateway

    low, _high = gateway.month_range()
    assert first == last == low
    gateway.month_bounds(first, last)  # no year 0


def test_the_sensitivity_callback_is_held_by_the_apis_guard(dash, django_user_model):
    """Review finding (Medium): the Dash sensitivity callback ran without the API's guard
    (8 parallel posts took up to 33 s each). While a run of the user holds the lock, the
    callback answers at once that one is running."""
    user = django_user_model.objects.get(username="analyst")
    payload = {
        "output": "port-sensitivity.children",
        "outputs": {"id": "port-sensitivity", "property": "children"},
        "inputs": [{"id": "port-sensitivity-run", "property": "n_clicks", "value": 1}],
        "state": [{"id": "port-code", "property": "data", "value": "QZ_PORT"}],
        "changedPropIds": ["port-sensitivity-run.n_clicks"],
    }
    from django.core.cache import cache

    cache.clear()
    with psycopg.connect(db_conninfo(), autocommit=True) as other:
        other.execute(
            "SELECT pg_advisory_lock(%s, %s)",
            [LOCK_NAMESPACE, _lock_key(f"sensitivity:{user.pk}")],
        )
        started = time.monotonic()
        response = dash.post(URL, json=payload)
        assert time.monotonic() - started < 5
        assert response.status_code == 200
        assert "still running" in response.get_data(as_text=True)
    response = dash.post(URL, json=payload)
    assert "port-sensitivity-table" in response.get_data(as_text=True)


def test_a_nul_in_a_dash_path_or_query_is_a_400(dash):
    for path in ("/dash/port/QZ%00PORT", "/dash/node/%00", "/dash/?from=2025-01%00"):
        assert dash.get(path).status_code == 400, path
