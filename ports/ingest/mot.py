"""The Ministry of Transport's monthly port statistics (规模以上港口货物吞吐量 and 集装箱吞吐量
tables) as published and saved from the page (CSV or XLSX): merged header rows, 本月 /
本年累计 / 同比 columns, a foreign-trade (外贸) group, province and coastal/inland subtotal
rows. Pure (no Django): rows of cells in, a MotTable out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from core.ingest.spreadsheets import read_table

PROVINCES = {
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆市",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
}  # fmt: skip
SUBTOTAL_WORDS = ("合计", "总计", "小计", "全国", "沿海", "内河")
SPACES = re.compile(r"[\s\u3000]+")
MONTH_RE = re.compile(r"(\d{4})\s*年\s*(?:1\s*[-—~至]\s*)?(\d{1,2})\s*月")


@dataclass
class MotRow:
    line: int
    name: str
    month: Decimal | None = None
    ytd: Decimal | None = None
    foreign_month: Decimal | None = None
    foreign_ytd: Decimal | None = None
    subtotal: bool = False


@dataclass
class MotTable:
    metric: str  # teu or tonnes
    factor: Decimal  # the table's unit to the metric's (万吨 -> tonnes: 10,000)
    year: int | None
    month: int | None
    rows: list[MotRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_cells(data: bytes, name: str) -> list[list[str]]:
    """A saved table's cells, read as every upload is (core.ingest.spreadsheets: XLSX or
    CSV in UTF-8 or GB18030, bounded; UnreadableFile says why not)."""
    table = read_table(data, name)
    return [[c.strip() for c in table.header]] + [
        [str(c).strip() for c in cells] for _, cells in table.rows
    ]


def number(text: str) -> Decimal | None:
    """A published number: commas and spaces dropped; '-', '—', '…' or empty: none."""
    text = SPACES.sub("", str(text)).replace(",", "").replace("，", "")
    if text in ("", "-", "—", "--", "…", "/", "——"):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _kind(text: str) -> tuple[str, Decimal] | None:
    """Metric and unit factor said by a title or header text."""
    if re.search(r"万\s*(TEU|标准箱|标箱)", text, re.I):
        return "teu", Decimal(10_000)
    if re.search(r"(TEU|标准箱|标箱)", text, re.I):
        return "teu", Decimal(1)
    if "万吨" in text:
        return "tonnes", Decimal(10_000)
    if "吨" in text:
        return "tonnes", Decimal(1)
    return None


def parse_table(cells: list[list[str]], name_hint: str = "") -> MotTable:
    """Read a MoT table: the title rows above the header say the month and, with the
    header, the metric and unit; the header's rows (merged cells filled from the left)
    name each column's group (total or 其中外贸) and kind (本月, 本年累计, 同比)."""
    header_at = next(
        (
            i
            for i, row in enumerate(cells)
            if row
            and SPACES.sub("", row[0] or "").startswith("港口")
            and len(SPACES.sub("", row[0])) <= 6  # 港口, 港口名称: not a title naming ports
        ),
        None,
    )
    title = " ".join(" ".join(r) for r in cells[: header_at or 0]) + " " + name_hint
    table = MotTable("", Decimal(1), None, None)
    found = MONTH_RE.search(title)
    if found:
        table.year, table.month = int(found[1]), int(found[2])
    if header_at is None:
        table.problems.append("no header row naming 港口 (port): not a MoT port table")
        return table
    # The header: its rows until the first row with a number in it.
    end = header_at + 1
    while end < len(cells) and not any(number(c) is not None for c in cells[end][1:]):
        end += 1
    width = max(len(r) for r in cells[header_at:end])
    labels = [""] * width
    for row in cells[header_at:end]:
        filled, last = [], ""
        for j in range(width):
            cell = SPACES.sub("", row[j]) if j < len(row) else ""
            last = cell or (last if j > 0 else "")
            filled.append(last)
        labels = [f"{a}|{b}" for a, b in zip(labels, filled, strict=True)]
    kind = _kind(title + " " + " ".join(labels)) or (
        ("teu", Decimal(10_000)) if "集装箱" in title else None
    )
    if kind is None:
        table.problems.append(
            "the unit (万吨, 万TEU...) is said neither in the title nor the header"
        )
        return table
    table.metric, table.factor = kind
    if "集装箱" in title or "TEU" in title.upper():
        table.metric = "teu"
    columns: dict[str, int] = {}
    for j, label in enumerate(labels[1:], start=1):
        group = "foreign" if "外贸" in label else "total"
        if "同比" in label or "增速" in label or "增长" in label:
            continue
        what = "ytd" if "累计" in label else "month" if ("本月" in label or "当月" in label) else ""
        if what and f"{group}_{what}" not in columns:
            columns[f"{group}_{what}"] = j
    if "total_month" not in columns and "total_ytd" not in columns:
        table.problems.append("no 本月 nor 本年累计 column in the header")
        return table
    for i, row in enumerate(cells[end:], start=end + 1):
        if not row or not SPACES.sub("", row[0] or ""):
            continue
        name = SPACES.sub("", row[0])
        values: dict[str, Decimal | None] = {}
        for key, j in columns.items():
            read = number(row[j]) if j < len(row) else None
            values[key] = read * table.factor if read is not None else None
        if all(v is None for v in values.values()):
            continue  # a note under the table
        subtotal = name in PROVINCES or any(w in name for w in SUBTOTAL_WORDS)
        table.rows.append(
            MotRow(
                i,
                name,
                values.get("total_month"),
                values.get("total_ytd"),
                values.get("foreign_month"),
                values.get("foreign_ytd"),
                subtotal,
            )
        )
    return table


def parse_file(path: Path) -> MotTable:
    return parse_table(read_cells(path.read_bytes(), path.name), name_hint=path.stem)


def clean(value: Any) -> str:
    return SPACES.sub("", str(value or ""))
