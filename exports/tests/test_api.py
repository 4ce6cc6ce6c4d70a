"""Exports over the API: small ones answered at once, large ones queued for the worker
(progress, download, cancel, re-run, history), roles, bad parameters as 400s, failures
reported with their reason."""

import io
import zipfile

import pyogrio
import pytest
from rest_framework.test import APIClient

from exports.models import ExportJob
from exports.services.jobs import run_job, take_next

pytestmark = pytest.mark.django_db


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.CW_EXPORT_DIR = tmp_path / "exports"
    return settings.CW_EXPORT_DIR


def work():
    """What the worker does each poll (its loop is run by scripts/run.sh, see test_restart)."""
    while (job_id := take_next()) is not None:
        run_job(job_id)


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    return b"".join(response.streaming_content)


def test_a_small_export_is_done_at_once_and_downloads(export_dir, tmp_path, login_as):
    analyst = login_as(APIClient(), "analyst")
    response = analyst.post(
        "/api/exports/",
        {"layer": "nodes", "format": "gpkg", "filters": {"kind": "sea_port"}},
        format="json",
    )
    assert response.status_code == 201
    job = response.json()
    assert job["state"] == "done" and job["rows"] > 5 and job["download"]
    data = download(analyst, job["download"])
    path = tmp_path / "n.gpkg"
    path.write_bytes(data)
    assert pyogrio.read_info(path)["features"] == job["rows"]
    history = analyst.get("/api/exports/").json()["results"]
    assert history[0]["id"] == job["id"] and history[0]["params"] == {"kind": "sea_port"}
    # Someone else's export is not theirs to see.
    other = login_as(APIClient(), "operator")
    assert other.get(f"/api/exports/{job['id']}/").status_code == 404
    assert other.get(job["download"]).status_code == 404


def test_a_large_export_is_queued_and_the_worker_runs_it(export_dir, settings, login_as):
    settings.CW_EXPORT_INLINE_ROWS = 3
    analyst = login_as(APIClient(), "analyst")
    job = analyst.post(
        "/api/exports/", {"layer": "segments", "format": "shp"}, format="json"
    ).json()
    assert job["state"] == "queued" and job["download"] is None
    work()
    done = analyst.get(f"/api/exports/{job['id']}/").json()
    assert done["state"] == "done" and done["progress"] == 1.0
    with zipfile.ZipFile(io.BytesIO(download(analyst, done["download"]))) as zf:
        assert "segments.shp" in zf.namelist()
    again = analyst.post(f"/api/exports/{job['id']}/rerun/").json()
    assert again["id"] != job["id"] and again["state"] == "queued"
    cancelled = analyst.post(f"/api/exports/{again['id']}/cancel/").json()
    assert cancelled["state"] == "cancelled"
    work()
    assert ExportJob.objects.get(pk=again["id"]).state == "cancelled"


def test_bad_requests_name_what_is_wrong(export_dir, login_as):
    analyst = login_as(APIClient(), "analyst")
    bad = [
        {"layer": "nope", "format": "gpkg"},
        {"layer": "nodes", "format": "dwg"},
        {"layer": "nodes", "format": "gpkg", "crs": 27700},
        {"layer": "nodes", "format": "kml", "crs": 3857},
        {"layer": "nodes", "format": "gpkg", "filters": {"bbox": "1,2,3"}},
        {"layer": "nodes", "format": "gpkg", "filters": {"colour": "red"}},
        {
            "layer": "positions",
            "format": "csv",
            "filters": {"start": "2026-01-01", "end": "2026-06-01"},
        },
    ]
    for body in bad:
        response = analyst.post("/api/exports/", body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert APIClient().post("/api/exports/", bad[0], format="json").status_code in (401, 403)


def test_a_failure_is_reported_with_its_reason(export_dir, settings, monkeypatch, login_as):
    settings.CW_EXPORT_INLINE_ROWS = 0
    analyst = login_as(APIClient(), "analyst")
    job = analyst.post("/api/exports/", {"layer": "nodes", "format": "csv"}, format="json").json()
    from exports.services import jobs

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(jobs, "write_layer", broken)
    work()
    failed = analyst.get(f"/api/exports/{job['id']}/").json()
    assert failed["state"] == "failed" and "No space left on device" in failed["message"]
    assert analyst.get(f"/api/exports/{job['id']}/download/").status_code == 404


def test_a_layer_directly_with_format(export_dir, tmp_path, settings, login_as):
    analyst = login_as(APIClient(), "analyst")
    data = download(analyst, "/api/exports/routes/?format=kml&route=E")
    assert b"<kml" in data and "东线".encode() in data
    csv = download(analyst, "/api/exports/nodes/?format=csv&kind=sea_port")
    assert csv.startswith(b"\xef\xbb\xbf")
    assert analyst.get("/api/exports/nodes/?format=dwg").status_code == 400
    assert analyst.get("/api/exports/nothing/?format=csv").status_code == 404
    settings.CW_EXPORT_INLINE_ROWS = 1
    assert analyst.get("/api/exports/nodes/?format=csv").status_code == 413


def test_list_endpoints_hand_file_formats_to_the_export(export_dir, login_as):
    analyst = login_as(APIClient(), "analyst")
    response = analyst.get("/api/nodes/?format=gpkg&kind=sea_port")
    assert response.status_code == 302
    assert response["Location"] == "/api/exports/nodes/?format=gpkg&kind=sea_port"
    data = download(analyst, response["Location"])
    assert data[:16] == b"SQLite format 3\x00"
    assert analyst.get("/api/nodes/?format=json").status_code == 200


def test_a_user_may_have_only_so_many_exports_waiting(export_dir, settings, login_as):
    """Review finding (Low): 40 PDF reports queued in 1.8 s by one user."""
    settings.CW_EXPORT_INLINE_ROWS = 0
    settings.CW_EXPORT_QUEUED = 3
    analyst = login_as(APIClient(), "analyst")
    ask = {"layer": "segments", "format": "gpkg"}
    made = [analyst.post("/api/exports/", ask, format="json") for _ in range(4)]
    assert [r.status_code for r in made] == [201, 201, 201, 429]
    assert "3 exports waiting" in made[-1].json()["detail"]
    rerun = analyst.post(f"/api/exports/{made[0].json()['id']}/rerun/")
    assert rerun.status_code == 429
    official = login_as(APIClient(), "official")  # another user is not held
    assert official.post("/api/exports/", ask, format="json").status_code == 201
    analyst.post(f"/api/exports/{made[0].json()['id']}/cancel/")
    assert analyst.post("/api/exports/", ask, format="json").status_code == 201
    assert ExportJob.objects.filter(user__username="analyst", state="queued").count() == 3


def test_the_worker_takes_users_in_turn(export_dir, settings):
    """One user's pile does not hold another's job behind it: after the first of the pile,
    the other user's job comes next."""
    from django.contrib.auth import get_user_model

    settings.CW_EXPORT_QUEUED = 100
    users = get_user_model().objects
    analyst, official = users.get(username="analyst"), users.get(username="official")
    pile = [
        ExportJob.objects.create(user=analyst, kind="layer", layer="segments", fmt="csv")
        for _ in range(6)
    ]
    late = ExportJob.objects.create(user=official, kind="layer", layer="segments", fmt="csv")
    taken = [take_next(), take_next()]
    assert taken == [pile[0].pk, late.pk]
    # with the analyst's first still running, their next waits behind nobody else
    assert take_next() == pile[1].pk
