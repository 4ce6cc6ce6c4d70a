"""The Ministry of Transport's monthly port tables (issue 23, item 4): tables in the
published layout (merged header rows, 本月 / 本年累计 / 同比, a foreign-trade group, province
and coastal/inland subtotal rows, Chinese port names), converted (万TEU, 万吨) and mapped
(北部湾港 to the Beibu Gulf Port group), stored as official published figures shown on the
node page with their source; the same table again changes nothing, a revised one
supersedes with history; a month derived from two year-to-date tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from dash_app.gateway.nodes import node_detail
from ports.models import ThroughputReport
from ports.services.mot import ENTITY

pytestmark = pytest.mark.django_db
SOURCE = "https://www.mot.gov.cn/tongjishuju/gangkouhuowulvkettuntuliang/"


def container_table(path, bbg_month="90.50"):
    """The container table as the Ministry publishes it, saved as XLSX."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年10月全国港口集装箱吞吐量"])
    sheet.merge_cells("A1:G1")
    sheet.append(["单位：万TEU"])
    sheet.append(["港口", "集装箱吞吐量", None, None, "其中：外贸", None, None])
    sheet.append([None, "本月", "本年累计", "同比增速(%)", "本月", "本年累计", "同比增速(%)"])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:D3")
    sheet.merge_cells("E3:G3")
    for row in (
        ["全国总计", "2,900.10", "27,500.00", "6.1", "1,400.2", "13,200.5", "7.0"],
        ["沿海合计", "2,600.00", "24,700.00", "6.0", "1,350.0", "12,800.0", "7.1"],
        ["广西", "90.50", "830.20", "12.3", "40.10", "350.40", "8.0"],
        ["\u3000\u3000北部湾港", bbg_month, "830.20", "12.3", "40.10", "350.40", "8.0"],
        ["内河合计", "300.10", "2,800.00", "5.2", "50.2", "400.5", "3.3"],
        ["重庆", "12.10", "110.50", "5.0", "—", "—", "—"],
        ["遂宁", "1.00", "9.00", "1.0", "", "", ""],
        ["注：本表为规模以上港口。"],
    ):
        sheet.append(row)
    book.save(path)


def figure(code, kind, metric="teu", trade="total", end=date(2026, 10, 31)):
    return ThroughputReport.objects.get(
        period_end=end,
        node__code=code,
        metric=metric,
        trade=trade,
        period_kind=kind,
        reporting_entity=ENTITY,
        current=True,
    )


def run(*args):
    out = StringIO()
    call_command("import_mot", *map(str, args), stdout=out)
    return out.getvalue()


def test_a_published_container_table_is_converted_mapped_and_shown(tmp_path):
    path = tmp_path / "2026年10月全国港口集装箱吞吐量.xlsx"
    container_table(path)
    out = run(path, "--source-url", SOURCE)
    assert "not mapped to a node (add an alias): 遂宁" in out
    assert "4 subtotal rows skipped" in out  # 全国总计, 沿海合计, 广西, 内河合计
    month = figure("BBG", "month")
    assert month.value == Decimal("905000.00") and month.unit == "teu"
    assert (month.period_start, month.period_end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert month.official and month.source == "published" and month.source_url == SOURCE
    ytd = figure("BBG", "partial")
    assert ytd.value == Decimal("8302000.00") and ytd.period_start == date(2026, 1, 1)
    assert figure("BBG", "month", trade="foreign").value == Decimal("401000.00")
    assert figure("CQ", "month").value == Decimal("121000.00")
    assert not ThroughputReport.objects.filter(node__code="CQ", trade="foreign").exists()
    # The node page shows them as official published figures, with the source.
    shown = [f for f in node_detail("BBG", "zh-hans").figures if f.entity == ENTITY]
    assert any(f.value == "905,000" and f.official and f.url == SOURCE for f in shown)

    again = run(path, "--source-url", SOURCE)
    assert "0 new, 0 revised" in again
    assert ThroughputReport.objects.filter(reporting_entity=ENTITY).count() == 6

    revised = tmp_path / "revised.xlsx"
    container_table(revised, bbg_month="91.00")
    assert "0 new, 1 revised" in run(revised, "--source-url", SOURCE, "--month", "2026-10")
    now = figure("BBG", "month")
    assert now.value == Decimal("910000.00") and now.revision == 2 and now.reason
    assert now.supersedes.value == Decimal("905000.00") and not now.supersedes.current
    assert not now.supersedes.official


def test_a_month_is_derived_from_two_year_to_date_tables(tmp_path):
    header = "港口,货物吞吐量（万吨）,\n,本年累计,同比增速(%)\n"
    september = tmp_path / "sep.csv"
    september.write_text(
        "2026年1-9月全国港口货物吞吐量\n" + header + '北部湾港,"40,100.5",7.1\n', "utf-8"
    )
    october = tmp_path / "oct.csv"
    october.write_bytes(
        ("2026年1-10月全国港口货物吞吐量\n" + header + '北部湾港,"44,600.0",7.0\n').encode(
            "gb18030"
        )
    )
    first = run(october)
    assert "0 months derived" in first  # September's year to date is not there yet
    out = run(september, october)
    assert "1 months derived" in out
    month = figure("BBG", "month", metric="tonnes")
    assert month.value == Decimal("44995000.00")  # (44,600.0 - 40,100.5) 万吨
    assert "derived" in month.note
    assert figure("BBG", "partial", metric="tonnes", end=date(2026, 9, 30)).value == Decimal(
        "401005000.00"
    )


def test_a_table_that_is_not_the_ministrys_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("name,value\nQinzhou,1\n")
    with pytest.raises(Exception, match="refused"):
        run(path)
    assert not ThroughputReport.objects.filter(reporting_entity=ENTITY).exists()
