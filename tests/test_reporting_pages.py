"""Reporting through the site (issue 9): the operator's page, the template, uploads with a
preview (GBK, UTF-8 with BOM, XLSX), files that are not what they claim, CSRF, the
officials' review queue. Nothing of a refused upload is stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from core.ingest.spreadsheets import safe_cell, write_csv
from ports.ingest.figures import template_header
from ports.models import ThroughputReport, UploadBatch

pytestmark = pytest.mark.django_db
HEADER = ",".join(template_header())


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode(encoding)


def row(node="QZ_PORT", period="2026-09", metric="teu", unit="teu", value="812345") -> str:
    return f"{node},{period},{metric},{unit},{value},total,total,all,total,,"


def upload(client: Client, data: bytes, name: str = "figures.csv"):
    sent = io.BytesIO(data)
    sent.name = name
    return client.post("/report/upload/", {"file": sent})


@pytest.fixture
def operator(login_as):
    return login_as(Client(), "operator")


def test_only_reporters_see_the_page(operator, login_as):
    page = operator.get("/report/")
    assert page.status_code == 200 and "QZ_PORT" in page.content.decode()
    assert login_as(Client(), "analyst").get("/report/").status_code == 403
    assert Client().get("/report/").status_code == 302  # to the login


def test_templates_carry_both_languages_and_the_operators_nodes(operator):
    csv = operator.get("/report/template.csv").content
    assert csv.startswith(b"\xef\xbb\xbf")
    text = csv.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("节点代码 (node),统计期 (period)")
    assert {line.split(",")[0] for line in text.splitlines()[1:]} == {"QZ_PORT", "QZ_ACT"}
    book = load_workbook(io.BytesIO(operator.get("/report/template.xlsx").content))
    assert book.active["A1"].value == "节点代码 (node)"
    assert operator.get("/report/template.exe").status_code == 404


def test_a_gbk_file_with_a_bad_row_stores_nothing_and_says_why_in_chinese(operator):
    operator.cookies["django_language"] = "zh-hans"
    data = csv_bytes([row(), row(period="2026-08", value="-5")], encoding="gbk")
    page = upload(operator, data)
    text = page.content.decode()
    assert page.status_code == 200 and "数值不能为负" in text and "-5" in text
    assert not ThroughputReport.objects.filter(source="operator").exists()
    fixed = upload(operator, csv_bytes([row(), row(period="2026-08", value="795000")], "gbk"))
    batch = UploadBatch.objects.filter(state="previewed").latest("created_at")
    assert "812345" in fixed.content.decode()
    assert not ThroughputReport.objects.filter(source="operator").exists()  # preview only
    committed = operator.post(f"/report/upload/{batch.pk}/commit/")
    assert committed.status_code == 302
    stored = ThroughputReport.objects.filter(source="operator", current=True)
    assert stored.count() == 2 and {f.status for f in stored} == {"submitted"}
    assert {f.channel for f in stored} == {"file"}


def test_utf8_with_bom_and_xlsx_are_read(operator):
    page = upload(operator, b"\xef\xbb\xbf" + csv_bytes([row()]))
    assert "812345" in page.content.decode()
    book = Workbook()
    book.active.append(template_header())
    book.active.append(
        ["QZ_PORT", "2026-09", "teu", "teu", 812345, "total", "total", "all", "total"]
    )
    out = io.BytesIO()
    book.save(out)
    page = upload(operator, out.getvalue(), "figures.xlsx")
    assert "812345" in page.content.decode() and "preview-errors" not in page.content.decode()


def test_formulas_in_cells_are_read_as_text_never_run(operator):
    book = Workbook()
    book.active.append(template_header())
    book.active.append(["QZ_PORT", "2026-09", "teu", "teu", '=HYPERLINK("http://x")', "total"])
    out = io.BytesIO()
    book.save(out)
    page = upload(operator, out.getvalue(), "figures.xlsx").content.decode()
    assert "preview-errors" in page and "not a number" in page and "HYPERLINK" in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            "figures.csv",
            "not a CSV or XLSX table",
        ),
        (b"PK\x03\x04" + b"\0" * 100, "figures.xlsx", "not a CSV or XLSX table"),
        (b"node,period\nQZ_PORT,2026-09\n", "figures.xlsx", "not a CSV or XLSX table"),
        (
            b"\xff\xfe\x00\x00" + "节点".encode("utf-32-le"),
            "figures.csv",
            "not a CSV or XLSX table",
        ),
    ],
    ids=["html-named-csv", "broken-zip", "csv-named-xlsx", "binary"],
)
def test_files_that_are_not_what_they_claim(operator, data, name, message):
    page = upload(operator, data, name).content.decode()
    assert message in page
    assert not ThroughputReport.objects.filter(source="operator").exists()


def test_a_zip_renamed_xlsx_and_an_xlsx_bomb_are_refused(operator):
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert (
        "not a CSV or XLSX table" in upload(operator, plain.getvalue(), "x.xlsx").content.decode()
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    page = upload(operator, bomb.getvalue(), "bomb.xlsx").content.decode()
    assert "the file is too large" in page


def test_a_csv_of_too_many_columns_is_refused_at_once(operator):
    """Review finding (Medium): a 600 KB header of 300,000 columns took 35.7 s and made an
    18.6 MB preview page. CSV is capped at 50 columns like XLSX."""
    import time

    header = ",".join(f"c{i}" for i in range(300_000)).encode()
    started = time.monotonic()
    page = upload(operator, header + b"\n" + b"1," * 10 + b"\n", "wide.csv")
    assert time.monotonic() - started < 5
    text = page.content.decode() if page.status_code == 200 else ""
    if page.status_code == 302:
        text = operator.get(page["Location"]).content.decode()
    assert "too many columns" in text and len(text) < 200_000
    assert not ThroughputReport.objects.filter(source="operator").exists()


def test_files_over_the_size_limit_are_refused(operator):
    page = upload(operator, b"x" * (6 * 1024 * 1024))
    assert page.status_code == 302 and not UploadBatch.objects.exists()


def test_forms_need_the_csrf_token(login_as):
    strict = login_as(Client(enforce_csrf_checks=True), "operator")
    sent = io.BytesIO(csv_bytes([row()]))
    sent.name = "figures.csv"
    assert strict.post("/report/upload/", {"file": sent}).status_code == 403
    assert strict.post("/accounts/token/", {"action": "create"}).status_code == 403


def test_an_operator_cannot_upload_for_another_node(operator):
    page = upload(operator, csv_bytes([row(node="BH_PORT")])).content.decode()
    assert "you do not report for this node" in page and "preview-commit" not in page


def test_a_figure_changed_after_the_preview_is_refused_at_commit(operator, login_as):
    upload(operator, csv_bytes([row(value="800000")]))
    batch = UploadBatch.objects.get(state="previewed")
    api = login_as(APIClient(), "operator")
    other = {"node": "QZ_PORT", "period": "2026-09", "metric": "teu", "unit": "teu", "value": "1"}
    assert api.post("/api/throughput/", {"figures": [other]}, format="json").status_code == 201
    refused = operator.post(f"/report/upload/{batch.pk}/commit/")
    assert refused.status_code == 409
    assert "changed by someone else" in refused.content.decode()
    assert ThroughputReport.objects.get(source="operator", current=True).value == 1


def test_tokens_are_made_and_revoked_on_the_page(operator):
    from rest_framework.authtoken.models import Token

    operator.post("/accounts/token/", {"action": "create"})
    token = Token.objects.get(user__username="operator").key
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/throughput/").status_code == 200
    operator.post("/accounts/token/", {"action": "revoke"})
    assert api.get("/api/throughput/").status_code == 401


def test_officials_review_in_the_queue(operator, login_as):
    upload(operator, csv_bytes([row()]))
    operator.post(f"/report/upload/{UploadBatch.objects.get().pk}/commit/")
    figure = ThroughputReport.objects.get(source="operator")
    official = login_as(Client(), "official")
    queue = official.get("/review/").content.decode()
    assert f'id="review-{figure.pk}"' in queue and f'id="review-ais-{figure.pk}"' in queue
    assert login_as(Client(), "operator").get("/review/").status_code == 403
    official.post(f"/review/{figure.pk}/", {"decision": "reject"})  # no comment: refused
    figure.refresh_from_db()
    assert figure.status == "submitted"
    official.post(f"/review/{figure.pk}/", {"decision": "approve", "comment": "matches"})
    figure.refresh_from_db()
    assert (figure.status, figure.official, figure.reviewed_by.username) == (
        "approved",
        True,
        "official",
    )


def test_written_tables_are_guarded_against_formula_injection():
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell(-5) == -5 and safe_cell("Qinzhou") == "Qinzhou"
    text = write_csv(["a"], [["=cmd|' /C calc'!A0"], ["+1"]]).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["'=cmd|' /C calc'!A0", "'+1"]


def test_the_form_reports_one_month_with_last_months_lines(operator, login_as):
    page = operator.get("/report/form/", {"node": "QZ_PORT", "period": "2026-08"})
    assert page.status_code == 200 and page.content.decode().count('name="value-') == 2
    stored = operator.post(
        "/report/form/",
        {"node": "QZ_PORT", "period": "2026-08", "value-1": "700000", "value-2": "9500000"},
    )
    assert stored.status_code == 302
    assert set(
        ThroughputReport.objects.filter(source="operator").values_list("metric", "channel")
    ) == {("teu", "form"), ("tonnes", "form")}
    # A breakdown reported in August is offered again for September.
    api = login_as(APIClient(), "operator")
    foreign = {
        "node": "QZ_PORT",
        "period": "2026-08",
        "metric": "teu",
        "unit": "teu",
        "value": "400000",
        "trade": "foreign",
    }
    assert api.post("/api/throughput/", {"figures": [foreign]}, format="json").status_code == 201
    september = operator.get("/report/form/", {"node": "QZ_PORT", "period": "2026-09"})
    assert september.content.decode().count('name="value-') == 3
    assert "foreign" in september.content.decode()


def test_the_form_refuses_bad_values_and_other_nodes(operator, login_as):
    bad = operator.post("/report/form/", {"node": "QZ_PORT", "period": "2026-08", "value-1": "-3"})
    assert bad.status_code == 400 and "a figure cannot be negative" in bad.content.decode()
    assert not ThroughputReport.objects.filter(source="operator").exists()
    assert operator.get("/report/form/", {"node": "BH_PORT"}).status_code == 403
    assert (
        login_as(Client(), "analyst").get("/report/form/", {"node": "QZ_PORT"}).status_code == 403
    )


def test_operators_hear_of_reviews_and_overdue_months(
    operator, settings, mailoutbox, django_capture_on_commit_callbacks, login_as
):
    from django.contrib.auth import get_user_model

    settings.EMAIL_HOST = "smtp.example.org"
    get_user_model().objects.filter(username="operator").update(email="ops@qinzhou.example")
    page = operator.get("/report/").content.decode()
    assert 'id="report-overdue"' in page  # past months with nothing reported
    upload(operator, csv_bytes([row()]))
    operator.post(f"/report/upload/{UploadBatch.objects.get().pk}/commit/")
    figure = ThroughputReport.objects.get(source="operator")
    with django_capture_on_commit_callbacks(execute=True):
        login_as(Client(), "official").post(
            f"/review/{figure.pk}/", {"decision": "reject", "comment": "barges missing"}
        )
    [mail] = mailoutbox
    assert mail.to == ["ops@qinzhou.example"] and "rejected" in mail.subject
    assert "barges missing" in mail.body
    page = operator.get("/report/").content.decode()
    assert 'id="report-reviews"' in page and "barges missing" in page


def test_pending_figures_show_as_pending_on_the_map_panel(operator):
    from dash_app import gateway

    upload(operator, csv_bytes([row()]))
    operator.post(f"/report/upload/{UploadBatch.objects.get().pk}/commit/")
    detail = gateway.node_detail("QZ_PORT", "en")
    [pending] = [f for f in detail.figures if not f.official]
    assert pending.period == "2026-09" and pending.value == "812,345"


def test_an_excel_dated_month_uploads_as_a_month_and_a_true_day_stays_a_day(operator):
    """Issue 21 (7): Excel turns "2026-07" typed in a cell into 2026-07-01 shown "2026-07":
    that row is a month (shown so in the preview), while a day written 2026-07-01 and shown
    with its day stays a one-day figure."""
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(template_header())
    sheet.append(["QZ_PORT", datetime(2026, 7, 1), "teu", "teu", 41250, "total", "total"])
    sheet.append(["QZ_PORT", datetime(2026, 8, 1), "teu", "teu", 1500, "total", "total"])
    sheet["B2"].number_format = "yyyy-mm"  # what Excel shows for a typed "2026-07"
    sheet["B3"].number_format = "yyyy-mm-dd"  # a day, shown with its day
    out = io.BytesIO()
    book.save(out)
    page = upload(operator, out.getvalue(), "figures.xlsx").content.decode()
    assert "preview-errors" not in page
    assert "2026-07 <span" in page and "(month)" in page
    assert "2026-08-01 <span" in page and "(day)" in page
    batch = UploadBatch.objects.filter(state="previewed").latest("created_at")
    operator.post(f"/report/upload/{batch.pk}/commit/")
    stored = {
        (f.period_kind, f.period_start.isoformat(), f.period_end.isoformat())
        for f in ThroughputReport.objects.filter(source="operator", current=True)
    }
    assert stored == {("month", "2026-07-01", "2026-07-31"), ("day", "2026-08-01", "2026-08-01")}


@pytest.mark.parametrize(
    "written", ["2026-07", "2026/07", "2026.7", "2026年7月", "Jul-26", "July 2026", "jul 2026"]
)
def test_a_month_written_the_usual_ways_is_a_month(written):
    from datetime import date

    from ports.ingest.figures import parse_period

    assert parse_period(written) == ("month", date(2026, 7, 1), date(2026, 7, 31))


def test_what_is_no_month_stays_refused():
    from ports.ingest.figures import parse_period

    for text in ("2026/13", "Juk-26", "2026-07-32", "26-07", "July"):
        assert parse_period(text) is None, text


def test_chinese_words_are_read_as_the_codes_of_every_coded_column(operator):
    """Issue 21 (7): 外贸 / 进口 / 集装箱 / 重箱 and the like are accepted as their codes."""
    line = "QZ_PORT,2026-09,集装箱吞吐量,标准箱,5000,外贸,进口,集装箱,重箱,,"
    upload(operator, csv_bytes([line, row(value="9000")]))
    batch = UploadBatch.objects.filter(state="previewed").latest("created_at")
    done = operator.post(f"/report/upload/{batch.pk}/commit/", {"confirm": "on"})
    assert done.status_code == 302
    stored = ThroughputReport.objects.get(source="operator", trade="foreign")
    assert (stored.metric, stored.unit, stored.direction, stored.cargo_class, stored.laden) == (
        "teu",
        "teu",
        "in",
        "container",
        "laden",
    )
    follow = operator.get("/report/").content.decode()
    assert "2 figures stored" in follow


def test_a_wrong_unit_is_said_with_names_and_the_code_to_write(operator):
    operator.cookies["django_language"] = "zh-hans"
    text = upload(operator, csv_bytes([row(metric="tonnes", unit="teu")])).content.decode()
    assert "以吨计：请填 tonnes" in text and "tonnes 的单位是 tonnes" not in text


def test_the_xlsx_template_has_drop_downs_and_a_help_sheet_in_both_languages(operator):
    book = load_workbook(io.BytesIO(operator.get("/report/template.xlsx").content))
    sheet = book.worksheets[0]
    rules = {str(r.sqref): r.formula1 for r in sheet.data_validations.dataValidation}
    lists = book["lists"]
    assert set(rules) >= {"A2:A1001", "C2:C1001", "F2:F1001", "I2:I1001"}
    cells = {
        ref[0]: [c[0].value for c in lists[formula.split("!")[1].replace("$", "")]]
        for ref, formula in rules.items()
    }
    assert cells["A"] == ["QZ_ACT", "QZ_PORT"] and "rail_teu" in cells["C"]
    assert cells["F"] == ["total", "foreign", "domestic"] and "laden" in cells["I"]
    help_rows = [[c.value for c in r] for r in book["说明 help"].iter_rows()]
    by_column = {r[0]: r for r in reversed(help_rows) if r and r[0]}  # the first row of each
    assert "Foreign or domestic trade" in by_column["内外贸 (trade)"][3]
    assert "内贸" in by_column["内外贸 (trade)"][2]
    codes = {(r[0], r[1]): (r[2], r[3]) for r in help_rows if r and r[1] and r[0] != "列 Column"}
    assert codes[("内外贸 (trade)", "foreign")] == ("外贸", "Foreign trade")
    assert codes[("空重箱 (laden)", "empty")] == ("空箱", "Empty")


def test_the_form_takes_any_ended_month_and_the_grid_links_to_it(operator):
    page = operator.get("/report/form/", {"node": "QZ_PORT", "period": "2025-03"})
    text = page.content.decode()
    assert page.status_code == 200 and 'value="2025-03"' in text
    assert '">Containers (TEU) <small' in text and '">Cargo (tonnes) <small' in text
    future = operator.get("/report/form/", {"node": "QZ_PORT", "period": "2099-01"})
    assert 'value="2099-01"' not in future.content.decode()  # the last ended month instead
    grid = operator.get("/report/").content.decode()
    assert "/report/form/?node=QZ_PORT&amp;period=" in grid
