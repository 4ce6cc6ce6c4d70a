"""Operators report throughput through the API (issue 9, first part): one set of rules,
batches stored whole or refused whole, revisions, warnings to confirm, nodes bound to the
operator, concurrent corrections refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from ..ingest.figures import check_rows, header_map, parse_period
from ..models import ThroughputReport, UploadBatch
from ..services.reporting import SubmissionRefused, submit_figures

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


def figure(**values) -> dict:
    row = {
        "node": "QZ_PORT",
        "period": "2026-09",
        "metric": "teu",
        "unit": "teu",
        "value": "812345",
    }
    row.update(values)
    return row


def post(client, *figures, confirm=False):
    return client.post(
        "/api/throughput/", {"figures": list(figures), "confirm_warnings": confirm}, format="json"
    )


# --- the row checks (pure) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10", ("month", date(2026, 10, 1), date(2026, 10, 31))),
        ("2024-02", ("month", date(2024, 2, 1), date(2024, 2, 29))),
        ("2026-W42", ("week", date(2026, 10, 12), date(2026, 10, 18))),
        ("2026-10-15", ("day", date(2026, 10, 15), date(2026, 10, 15))),
        ("2026-13", None),
        ("2026-W54", None),
        ("October", None),
    ],
)
def test_periods(text, expected):
    assert parse_period(text) == expected


def test_headers_in_english_or_chinese():
    found, problems = header_map(["节点代码", "统计期", "指标", "单位", "数值", "备注"])
    assert sorted(found.values()) == ["metric", "node", "note", "period", "unit", "value"]
    assert problems == []
    _, problems = header_map(["node", "period", "metric", "value", "colour"])
    assert {(p.code, p.column) for p in problems} == {
        ("unknown_column", "colour"),
        ("missing_column", "unit"),
    }


def test_row_checks_name_row_column_and_reason():
    rows, problems = check_rows(
        [
            (2, figure(value="-5")),
            (3, figure(value="lots")),
            (4, figure(metric="teu", unit="tonnes")),
            (5, figure(period="2026-12")),
            (6, figure(metric="boxes")),
            (7, figure(trade="overseas")),
            (8, figure(node="qz port")),
            (9, figure(metric="tonnes", unit="tonnes", laden="empty")),
        ],
        TODAY,
    )
    assert rows == []
    assert [(p.row, p.column, p.code) for p in problems] == [
        (2, "value", "negative"),
        (3, "value", "not_a_number"),
        (4, "unit", "wrong_unit"),
        (5, "period", "future_period"),
        (6, "metric", "unknown_metric"),
        (7, "trade", "unknown_choice"),
        (8, "node", "bad_code"),
        (9, "laden", "laden_not_teu"),
    ]


def test_duplicates_and_parts_above_their_total():
    rows, problems = check_rows(
        [
            (2, figure(value="1000")),
            (3, figure(value="600", trade="foreign")),
            (4, figure(value="1200", trade="domestic")),
            (5, figure(value="1000")),
        ],
        TODAY,
    )
    assert [(p.row, p.code) for p in problems] == [(5, "duplicate_row"), (4, "part_above_total")]
    assert Decimal("600") in {r.value for r in rows}


# --- the API --------------------------------------------------------------------------------


def test_operator_reports_a_month_for_its_node(login_as):
    operator = login_as(APIClient(), "operator")
    response = post(operator, figure(note="from the terminal's monthly report"))
    assert response.status_code == 201, response.content
    [stored] = response.json()
    assert (stored["status"], stored["official"], stored["revision"], stored["channel"]) == (
        "submitted",
        False,
        1,
        "api",
    )
    report = ThroughputReport.objects.get(pk=stored["id"])
    assert (report.period_start, report.period_end, report.unit) == (
        date(2026, 9, 1),
        date(2026, 9, 30),
        "teu",
    )
    assert report.upload.channel == "api" and report.submitted_by.username == "operator"
    # Pending figures are not official: not in the default list, in ?status=submitted.
    analyst = login_as(APIClient(), "analyst")
    assert stored["id"] not in {r["id"] for r in analyst.get("/api/throughput/").json()["results"]}
    pending = analyst.get("/api/throughput/", {"status": "submitted"}).json()["results"]
    assert stored["id"] in {r["id"] for r in pending}


def test_a_batch_with_one_bad_row_stores_nothing(login_as):
    operator = login_as(APIClient(), "operator")
    response = post(operator, figure(), figure(period="2026-08", value="-1"))
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [
        {
            "row": 2,
            "column": "value",
            "value": "-1",
            "message": "a figure cannot be negative",
            "code": "negative",
            "warning": False,
        }
    ]
    assert not ThroughputReport.objects.filter(source="operator").exists()
    assert not UploadBatch.objects.exists()


def test_other_nodes_and_other_roles_are_forbidden(login_as):
    operator = login_as(APIClient(), "operator")
    response = post(operator, figure(), figure(node="BH_PORT"))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "not_your_node"
    assert response.json()["errors"][0]["row"] == 2
    for username in ("analyst", "official"):
        assert post(login_as(APIClient(), username), figure()).status_code == 403
    assert APIClient().post("/api/throughput/", {}, format="json").status_code == 401
    assert not ThroughputReport.objects.filter(source="operator").exists()


def test_big_jumps_must_be_confirmed(login_as):
    operator = login_as(APIClient(), "operator")
    assert post(operator, figure(period="2026-08", value="100000")).status_code == 201
    jump = post(operator, figure(value="900000"))
    assert jump.status_code == 400 and jump.json()["needs_confirmation"]
    assert jump.json()["warnings"][0]["code"] == "jump_previous"
    confirmed = post(operator, figure(value="900000"), confirm=True)
    assert confirmed.status_code == 201
    assert ThroughputReport.objects.get(pk=confirmed.json()[0]["id"]).warnings_confirmed == [
        "jump_previous"
    ]


def test_a_correction_is_a_new_revision_and_keeps_the_history(login_as):
    operator = login_as(APIClient(), "operator")
    first = post(operator, figure(value="800000")).json()[0]
    second = post(operator, figure(value="812000", reason="late barges counted")).json()[0]
    assert second["revision"] == 2 and second["reason"] == "late barges counted"
    old = ThroughputReport.objects.get(pk=first["id"])
    new = ThroughputReport.objects.get(pk=second["id"])
    assert (old.current, new.current, new.supersedes_id) == (False, True, old.pk)


def test_two_corrections_of_the_same_figure_one_wins():
    from django.contrib.auth import get_user_model

    operator = get_user_model().objects.get(username="operator")
    batch, _ = submit_figures(operator, [(1, figure(value="800000"))], "api")
    seen = ThroughputReport.objects.get(upload=batch)
    key = check_rows([(1, figure())], TODAY)[0][0].key
    submit_figures(operator, [(1, figure(value="801000"))], "api", expected={key: seen.pk})
    with pytest.raises(SubmissionRefused) as refused:  # the other user saw the first value
        submit_figures(operator, [(1, figure(value="802000"))], "api", expected={key: seen.pk})
    assert refused.value.conflict
    assert refused.value.plan.errors[-1].code == "changed_meanwhile"
    assert ThroughputReport.objects.get(current=True, source="operator").value == Decimal("801000")


def test_officials_review_through_the_api(login_as):
    operator = login_as(APIClient(), "operator")
    figure_id = post(operator, figure()).json()[0]["id"]
    url = f"/api/throughput/{figure_id}/review/"
    assert operator.post(url, {"decision": "approve"}, format="json").status_code == 403
    official = login_as(APIClient(), "official")
    refused = official.post(url, {"decision": "reject"}, format="json")
    assert refused.status_code == 400 and "comment" in refused.json()
    approved = official.post(url, {"decision": "approve", "comment": "ok"}, format="json")
    assert approved.status_code == 200 and approved.json()["official"] is True
    again = official.post(url, {"decision": "approve"}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    listed = login_as(APIClient(), "analyst").get("/api/throughput/", {"node": "QZ_PORT"})
    assert figure_id in {r["id"] for r in listed.json()["results"]}


def test_messages_come_in_the_users_language(login_as):
    operator = login_as(APIClient(), "operator")
    response = operator.post(
        "/api/throughput/",
        {"figures": [figure(value="-1")]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.json()["errors"][0]["message"] == "数值不能为负"


def test_the_history_of_a_figure_says_who_changed_what_when_and_why(login_as):
    operator = login_as(APIClient(), "operator")
    first = post(operator, figure(value="800000")).json()[0]
    post(operator, figure(value="812000", reason="late barges counted"))
    official = login_as(APIClient(), "official")
    latest = ThroughputReport.objects.get(current=True, source="operator")
    official.post(f"/api/throughput/{latest.pk}/review/", {"decision": "approve"}, format="json")
    history = login_as(APIClient(), "analyst").get(f"/api/throughput/{first['id']}/history/").json()
    assert [(h["revision"], h["value"], h["submitted_by"], h["status"]) for h in history] == [
        (1, "800000.00", "operator", "submitted"),
        (2, "812000.00", "operator", "approved"),
    ]
    assert history[1]["reason"] == "late barges counted" and history[1]["reviewed_by"] == "official"
    assert (
        login_as(APIClient(), "analyst").get("/api/throughput/999999/history/").status_code == 404
    )


def test_expired_and_revoked_tokens_are_refused(settings):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=get_user_model().objects.get(username="operator"))
    machine = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert post(machine, figure()).status_code == 201
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=400))
    expired = post(machine, figure(period="2026-08"))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    token.delete()
    assert post(machine, figure(period="2026-07")).status_code == 401


def test_overdue_reminders_go_to_operators_with_an_address(settings, mailoutbox, login_as):
    from django.contrib.auth import get_user_model

    from ..services.reporting import overdue_months, send_overdue_reminders

    settings.EMAIL_HOST = "smtp.example.org"
    get_user_model().objects.filter(username="operator").update(email="ops@qinzhou.example")
    today = date(2026, 11, 27)
    assert overdue_months(["QZ_PORT"], today) == {
        "QZ_PORT": [date(2026, 10, 1), date(2026, 9, 1), date(2026, 8, 1)]
    }
    post(login_as(APIClient(), "operator"), figure(period="2026-10"))
    assert send_overdue_reminders(today) == 1
    [mail] = mailoutbox
    assert "QZ_PORT: 2026-09, 2026-08" in mail.body and "QZ_ACT" in mail.body
    settings.EMAIL_HOST = ""
    assert send_overdue_reminders(today) == 0
