"""Hostile or broken query values: a 400 naming the parameter, never a 500; costly
endpoints are bounded (issue 7, points 10-12)."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(login_as):
    from django.utils import timezone

    from ais.models import Vessel

    Vessel.objects.create(mmsi=412000001, first_seen_at=timezone.now())
    return login_as(APIClient(), "analyst")


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/api/vessels/412000001/track/", {"start": "2024-02-30T00:00:00Z"}, "start"),
        ("/api/vessels/412000001/track/", {"start": "2024-01-01T00:00:00+99:00"}, "start"),
        (
            "/api/vessels/412000001/track/",
            {"start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"},
            "end",
        ),
        (
            "/api/vessels/412000001/track/",
            {"start": "2024-01-01T00:00:00Z", "end": "2024-06-01T00:00:00Z"},
            "end",
        ),
        ("/api/ports/QZ_PORT/metrics/", {"start": "0001-01-01", "end": "9999-12-31"}, "end"),
        ("/api/ports/QZ_PORT/metrics/", {"start": "0001-01-01"}, "start"),
        ("/api/ports/QZ_PORT/metrics/", {"baseline_days": "abc"}, "baseline_days"),
        ("/api/ports/QZ_PORT/metrics/", {"baseline_days": "100000"}, "baseline_days"),
        ("/api/ports/QZ_PORT/sensitivity/", {"speed_kn": "nan"}, "speed_kn"),
        ("/api/ports/QZ_PORT/sensitivity/", {"min_stay_s": "-5"}, "min_stay_s"),
        (
            "/api/ports/QZ_PORT/sensitivity/",
            {"start": "2024-01-01T00:00:00Z", "end": "2024-12-01T00:00:00Z"},
            "end",
        ),
        ("/api/throughput/", {"year": "0"}, "year"),
        ("/api/throughput/", {"year": "1e30"}, "year"),
        ("/api/vessels/", {"seen_within": "99999999999"}, "seen_within"),
        ("/api/vessels/", {"mmsi": "99999999999999"}, "mmsi"),
        ("/api/port-calls/", {"mmsi": "-1"}, "mmsi"),
        ("/api/port-calls/", {"start": "9999-12-31T23:59:59-14:00"}, "start"),
        ("/api/coverage/", {"as_of": "2024-13-01T00:00:00Z"}, "as_of"),
        ("/api/throughput/", {"offset": "100000000000000000000"}, "offset"),
    ],
)
def test_bad_values_are_400_naming_the_parameter(api, path, params, name):
    response = api.get(path, params)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert name in response.json(), response.json()


@pytest.mark.parametrize("bbox", ["nan,nan,nan,nan", "1,2,3", "a,b,c,d", "10,10,0,0", "0,0,200,95"])
def test_bad_bbox_is_400(api, bbox):
    for path in ("/api/vessels/", "/api/nodes/"):
        response = api.get(path, {"bbox": bbox})
        assert response.status_code == 400, (path, bbox, response.content[:200])


def test_limit_has_a_maximum(api):
    body = api.get("/api/throughput/", {"limit": "1000000"}).json()
    assert len(body["results"]) <= 1000
    assert "limit=1000" in (body["next"] or "limit=1000")


def test_unknown_port_is_404_not_500(api):
    assert api.get("/api/ports/NOPE/metrics/").status_code == 404
    assert api.get("/api/ports/NOPE/sensitivity/").status_code == 404


def test_costly_endpoints_need_a_login():
    anonymous = APIClient()
    for path in (
        "/api/ports/QZ_PORT/sensitivity/",
        "/api/ports/QZ_PORT/metrics/",
        "/api/vessels/",
        "/api/ais/stats/",
        "/api/port-calls/",
    ):
        assert anonymous.get(path).status_code == 401, path


def test_sensitivity_runs_one_at_a_time_per_user(api, django_user_model, login_as):
    """While a run of a user holds its lock (another process), the user's next run is
    refused with 429; another user is not held up."""
    import psycopg

    from core.database import db_conninfo
    from core.limits import LOCK_NAMESPACE, _lock_key

    user = django_user_model.objects.get(username="analyst")
    with psycopg.connect(db_conninfo(), autocommit=True) as other:
        other.execute(
            "SELECT pg_advisory_lock(%s, %s)",
            [LOCK_NAMESPACE, _lock_key(f"sensitivity:{user.pk}")],
        )
        assert api.get("/api/ports/QZ_PORT/sensitivity/").status_code == 429
        official = login_as(APIClient(), "official")
        assert official.get("/api/ports/QZ_PORT/sensitivity/").status_code == 200
    assert api.get("/api/ports/QZ_PORT/sensitivity/").status_code == 200


def test_sensitivity_refuses_more_work_than_its_budget(monkeypatch):
    """A window holding more positions than the budget allows is a 400 (not a 100 s run)."""
    from datetime import UTC, datetime, timedelta

    from geo.models import Node
    from portcalls.services import metrics

    calls = []
    monkeypatch.setattr(
        metrics,
        "near_positions",
        lambda fences, start, end, limit=None: calls.append(limit) or [(1, 0, 0, 0, 0)] * limit,
    )
    node = Node.objects.get(code="QZ_PORT")
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(metrics.TooMuchWork):
        metrics.sensitivity(node, now - timedelta(days=7), now, [{"speed_kn": 1}], max_row_runs=10)
    assert calls == [6]  # budget 10 // 2 rules = 5, read one more to know it is exceeded


def test_statement_timeout_bounds_a_query():
    from django.db import OperationalError

    from core.limits import statement_timeout

    with pytest.raises(OperationalError), statement_timeout(0.2), connection.cursor() as cur:
        cur.execute("SELECT pg_sleep(2)")


def test_sensitivity_answers_are_cached(api, monkeypatch):
    from portcalls.services import metrics as views

    runs = []
    real = views.sensitivity
    monkeypatch.setattr(views, "sensitivity", lambda *a, **k: runs.append(1) or real(*a, **k))
    params = {"start": "2025-11-01T00:00:00Z", "end": "2025-11-02T00:00:00Z", "speed_kn": 0.3}
    first = api.get("/api/ports/QZ_PORT/sensitivity/", params).json()
    second = api.get("/api/ports/QZ_PORT/sensitivity/", params).json()
    assert first == second and len(runs) == 1


# --- trust, second round (issue 19, Low findings) -----------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/routes/%00/",
        "/api/nodes/%00/",
        "/api/ports/%00/metrics/",
        "/api/vessels/?name=%00",
        "/api/nodes/?kind=a%00b",
        "/api/trains/?route=%00",
        "/api/port-calls/?port=%01",
        "/report/form/?node=%00",
        "/dash/node/%00",
    ],
)
def test_a_nul_in_a_path_or_query_value_is_a_400(app, path, login_as):
    """Review finding (Low): NUL bytes reached PostgreSQL (psycopg DataError: 500) on 11 GET
    paths and 2 POSTs. The whole application (Django and Dash) refuses them first."""
    from django.test import Client
    from werkzeug.test import Client as WsgiClient

    client = WsgiClient(app)
    client.set_cookie("sessionid", login_as(Client(), "admin").cookies["sessionid"].value)
    assert client.get(path).status_code == 400
    assert client.post(path, data={"x": "1"}).status_code == 400
    assert client.get(path.replace("%00", "QZ").replace("%01", "QZ")).status_code < 500


@pytest.mark.parametrize(
    "path",
    [
        "/api/exports/port_calls/?format=csv&end=0001-01-01",
        "/api/exports/port_calls/?format=csv&start=0001-01-01",
        "/api/exports/positions/?format=csv&end=0001-01-01T00:00:00Z",
        "/api/exports/tracks/?format=csv&end=0001-01-02",
        "/api/exports/positions/?format=csv&start=9999-12-31",
    ],
)
def test_dates_near_year_one_are_400_on_exports(api, path):
    """Review finding (Low): OverflowError (500) on the port calls, positions and tracks
    exports."""
    response = api.get(path)
    assert response.status_code == 400, response.content[:300]


@pytest.mark.parametrize("period", ["0001-01", "0001-W01", "0001-01-01", "9999-12"])
def test_the_report_form_refuses_a_year_one_period(period, login_as):
    """Review finding (Low): `/report/form/?period=0001-01` answered 500 (OverflowError)."""
    from django.test import Client

    client = login_as(Client(), "operator")
    response = client.get("/report/form/", {"node": "QZ_PORT", "period": period})
    # the form of the default month, as for any period it cannot read
    assert response.status_code == 200
    assert response.context["period"] != period
