"""Throughput figures as operators report them: rows from a form, a CSV/XLSX file or the
API, checked one by one (pure: no Django). Every problem names its row, column and value
and carries a code; the messages, in the user's language, are made from the codes by
`ports.services.reporting` (the same text for the three ways in).

Headers may be English or Chinese (see COLUMNS), and so may the coded cells (see LABELS:
外贸, 进口, 集装箱, 重箱...). A period is a month `2026-10`, an ISO week
`2026-W42` or a day `2026-10-15`. Values are numbers >= 0 in the unit of their metric.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core.ingest.tables import CODE_RE, FIRST_YEAR, LAST_YEAR
from core.ingest.text import control_detail, has_control, visible
from core.periods import month_last_day

# column -> (English header, Chinese header, required)
COLUMNS: dict[str, tuple[str, str, bool]] = {
    "node": ("node", "节点代码", True),
    "period": ("period", "统计期", True),
    "metric": ("metric", "指标", True),
    "unit": ("unit", "单位", True),
    "value": ("value", "数值", True),
    "trade": ("trade", "内外贸", False),
    "direction": ("direction", "进出口方向", False),
    "cargo_class": ("cargo_class", "货类", False),
    "laden": ("laden", "空重箱", False),
    "note": ("note", "备注", False),
    "reason": ("reason", "修改原因", False),
}
METRICS = {
    "teu": "teu",
    "tonnes": "tonnes",
    "trains": "trains",
    "rail_teu": "teu",
    "sailings": "sailings",
}
CHOICES = {
    "trade": {"total", "foreign", "domestic"},
    "direction": {"total", "in", "out", "transshipment"},
    "cargo_class": {"all", "container", "dry_bulk", "liquid_bulk", "general", "ro_ro"},
    "laden": {"total", "laden", "empty"},
}
DEFAULTS = {"trade": "total", "direction": "total", "cargo_class": "all", "laden": "total"}
# The words people write for each code (Chinese statistical terms, English labels), by
# column; the code itself is always accepted. Compared without case and spaces.
_TOTAL = ("合计", "总计", "总", "全部", "total", "all")
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "metric": {
        "teu": ("集装箱吞吐量", "集装箱", "标准箱", "containers", "containers (teu)"),
        "tonnes": ("货物吞吐量", "货物", "吞吐量", "cargo", "cargo (tonnes)"),
        "trains": ("班列", "列车", "班列数", "train", "trains"),
        "rail_teu": ("海铁联运", "海铁联运集装箱", "海铁联运量", "rail-sea containers (teu)"),
        "sailings": ("航班", "班轮航次", "航次", "sailing"),
    },
    "unit": {
        "teu": ("标准箱", "标箱", "箱", "teus"),
        "tonnes": ("吨", "t", "tons", "tonne", "metric tons"),
        "trains": ("列", "班", "train"),
        "sailings": ("航次", "艘次", "sailing"),
    },
    "trade": {
        "total": _TOTAL,
        "foreign": ("外贸", "国际", "foreign trade"),
        "domestic": ("内贸", "国内", "domestic trade"),
    },
    "direction": {
        "total": _TOTAL,
        "in": ("进口", "进港", "卸", "卸船", "inbound", "inbound (unloaded)", "import"),
        "out": ("出口", "出港", "装", "装船", "outbound", "outbound (loaded)", "export"),
        "transshipment": ("中转", "转运", "transhipment"),
    },
    "cargo_class": {
        "all": (*_TOTAL, "全部货类", "所有货物", "all cargo"),
        "container": ("集装箱", "containers"),
        "dry_bulk": ("干散货", "dry bulk"),
        "liquid_bulk": ("液体散货", "液散", "liquid bulk"),
        "general": ("件杂货", "杂货", "general cargo"),
        "ro_ro": ("滚装", "滚装汽车", "ro-ro", "roro"),
    },
    "laden": {
        "total": _TOTAL,
        "laden": ("重箱", "重", "full"),
        "empty": ("空箱", "空"),
    },
}
_WORDS = {
    column: {"".join(w.lower().split()): code for code, words in by.items() for w in words}
    for column, by in LABELS.items()
}


def code_of(column: str, text: str) -> str:
    """The code a cell of a coded column means: the code itself, or a word for it in
    LABELS (外贸 -> foreign); the text lowered unchanged when it is neither."""
    word = "".join(str(text).lower().split())
    return _WORDS.get(column, {}).get(word, str(text).strip().lower())


MAX_VALUE = Decimal("1e13")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# Months as spreadsheets and people also write them: 2026/07, 2026.7, 2026年7月, Jul-26,
# July 2026 (a CSV saved by Excel from a cell it turned into a date says "Jul-26").
OTHER_MONTH_RE = re.compile(r"^(\d{4})\s*[/.年-]\s*(\d{1,2})\s*月?$")
NAMED_MONTH_RE = re.compile(r"^([A-Za-z]{3,9})[-\s](\d{2}|\d{4})$")
MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def normal_month(text: str) -> str:
    """A month written another common way as `YYYY-MM` (the text unchanged otherwise)."""
    if match := OTHER_MONTH_RE.match(text):
        return f"{match[1]}-{int(match[2]):02d}"
    if (match := NAMED_MONTH_RE.match(text)) and match[1].lower() in MONTH_NAMES:
        year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
        return f"{year:04d}-{MONTH_NAMES[match[1].lower()]:02d}"
    return text


WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Problem:
    """Something wrong with a row (an error: nothing of the batch is stored) or worth a
    second look (a warning the user must confirm). `code` names the rule; `params` fill the
    message."""

    row: int | None
    column: str | None
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    warning: bool = False


@dataclass(frozen=True)
class FigureRow:
    """A checked row: `period_start`..`period_end` inclusive; `value` in `unit`."""

    row: int
    node: str
    period_kind: str
    period_start: date
    period_end: date
    metric: str
    unit: str
    value: Decimal
    trade: str = "total"
    direction: str = "total"
    cargo_class: str = "all"
    laden: str = "total"
    note: str = ""
    reason: str = ""

    @property
    def period_text(self) -> str:
        """The period as the user wrote it: 2026-07 (a month), 2026-W27, 2026-07-01 (a day)."""
        if self.period_kind == "month":
            return f"{self.period_start:%Y-%m}"
        if self.period_kind == "week":
            year, week, _day = self.period_start.isocalendar()
            return f"{year}-W{week:02d}"
        return self.period_start.isoformat()

    @property
    def key(self) -> tuple[str, ...]:
        return (
            self.node,
            self.period_kind,
            self.period_start.isoformat(),
            self.metric,
            self.trade,
            self.direction,
            self.cargo_class,
            self.laden,
        )

    @property
    def is_total(self) -> bool:
        return (self.trade, self.direction, self.cargo_class, self.laden) == (
            "total",
            "total",
            "all",
            "total",
        )


def header_map(header: Iterable[str]) -> tuple[dict[int, str], list[Problem]]:
    """Column index -> column name for a file's header (English or Chinese names)."""
    names: dict[str, str] = {}
    for name, (english, chinese, _) in COLUMNS.items():
        names[english.lower()] = name
        names[chinese] = name
    found: dict[int, str] = {}
    problems = []
    for index, raw in enumerate(header):
        text = str(raw or "").strip().lstrip("\ufeff")
        # The template writes "节点代码 (node)": either name is enough.
        inner = text[text.find("(") + 1 : text.rfind(")")].strip() if text.endswith(")") else ""
        outer = text[: text.find("(")].strip() if inner else text
        column = (
            names.get(text.lower())
            or names.get(inner.lower())
            or names.get(outer)
            or names.get(outer.lower())
        )
        if has_control(text):
            problems.append(
                Problem(
                    1,
                    visible(text),
                    visible(text),
                    "control_characters",
                    {"detail": control_detail(text)},
                )
            )
            continue
        if column is None:
            if text:
                problems.append(Problem(1, text, text, "unknown_column"))
            continue
        if column in found.values():
            problems.append(Problem(1, text, text, "duplicate_column"))
        found[index] = column
    for name, (english, _, required) in COLUMNS.items():
        if required and name not in found.values():
            problems.append(Problem(1, english, "", "missing_column"))
    return found, problems


def template_header() -> list[str]:
    """The header of the upload template: each column's Chinese and English names."""
    return [f"{chinese} ({english})" for english, chinese, _ in COLUMNS.values()]


def parse_period(text: str) -> tuple[str, date, date] | None:
    """(kind, first day, last day) of `2026-10` (or 2026/10, 2026年10月, Oct-26, October
    2026), `2026-W42` or `2026-10-15`; None for anything else, or a year outside 1990-2100
    (no figure is older; year 1 would overflow the arithmetic of the periods around it)."""
    text = normal_month(text.strip())
    if not text[:4].isdigit() or not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
        return None
    try:
        if match := MONTH_RE.match(text):
            year, month = int(match[1]), int(match[2])
            first = date(year, month, 1)
            return "month", first, month_last_day(first)
        if match := WEEK_RE.match(text):
            first = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return "week", first, first + timedelta(days=6)
        if DAY_RE.match(text):
            day = date.fromisoformat(text)
            return "day", day, day
    except ValueError:
        return None
    return None


def parse_value(text: str) -> Decimal | None:
    """A number >= 0 (thousands separators allowed), None when it is not one."""
    cleaned = str(text).strip().replace(",", "").replace("，", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    return value


def check_row(
    number: int, cells: dict[str, str], today: date
) -> tuple[FigureRow | None, list[Problem]]:
    """One row's own checks (no database): required cells, codes, period, metric and unit,
    breakdown values, the number."""
    problems: list[Problem] = []

    def bad(column: str, code: str, **params: Any) -> None:
        problems.append(Problem(number, column, visible(str(cells.get(column, ""))), code, params))

    for column, text in cells.items():
        if has_control(str(text)):
            bad(column, "control_characters", detail=control_detail(str(text)))
    if problems:
        return None, problems

    node = cells.get("node", "").strip()
    if not node:
        bad("node", "required")
    elif not CODE_RE.match(node):
        bad("node", "bad_code")
    period = parse_period(cells.get("period", ""))
    if not cells.get("period", "").strip():
        bad("period", "required")
    elif period is None:
        bad("period", "bad_period")
    elif period[2] >= today:
        bad("period", "future_period")
    metric = code_of("metric", cells.get("metric", ""))
    unit = code_of("unit", cells.get("unit", ""))
    if metric not in METRICS:
        bad("metric", "unknown_metric", allowed=", ".join(METRICS))
    elif unit != METRICS[metric]:
        bad("unit", "wrong_unit", metric=metric, unit=METRICS[metric])
    breakdown = {}
    for column, allowed in CHOICES.items():
        choice = code_of(column, cells.get(column, "")) or DEFAULTS[column]
        if choice not in allowed:
            bad(column, "unknown_choice", allowed=", ".join(sorted(allowed)))
        breakdown[column] = choice
    if breakdown["laden"] != "total" and METRICS.get(metric) != "teu":
        bad("laden", "laden_not_teu")
    raw_value = str(cells.get("value", "")).strip()
    value = parse_value(raw_value) if raw_value else None
    if not raw_value:
        bad("value", "required")
    elif value is None:
        bad("value", "not_a_number")
    elif value < 0:
        bad("value", "negative")
    elif value > MAX_VALUE or value != value.quantize(Decimal("0.01")):
        bad("value", "too_precise_or_large")
    if problems or period is None or value is None:
        return None, problems
    return (
        FigureRow(
            row=number,
            node=node,
            period_kind=period[0],
            period_start=period[1],
            period_end=period[2],
            metric=metric,
            unit=METRICS[metric],
            value=value,
            note=str(cells.get("note", "")).strip()[:2000],
            reason=str(cells.get("reason", "")).strip()[:2000],
            **breakdown,
        ),
        problems,
    )


def check_rows(
    numbered: Iterable[tuple[int, dict[str, str]]], today: date
) -> tuple[list[FigureRow], list[Problem]]:
    """Every row's own checks, then the checks across rows: a figure given twice, a part
    larger than its total (same node, period and metric)."""
    rows: list[FigureRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, cells in numbered:
        if not any(str(v).strip() for v in cells.values()):
            continue  # a blank line
        row, found = check_row(number, cells, today)
        problems += found
        if row is None:
            continue
        if row.key in seen:
            problems.append(
                Problem(number, "value", str(row.value), "duplicate_row", {"first": seen[row.key]})
            )
            continue
        seen[row.key] = number
        rows.append(row)
    totals = {(r.node, r.period_kind, r.period_start, r.metric): r for r in rows if r.is_total}
    for r in rows:
        total = totals.get((r.node, r.period_kind, r.period_start, r.metric))
        if total is not None and not r.is_total and r.value > total.value:
            problems.append(
                Problem(
                    r.row,
                    "value",
                    str(r.value),
                    "part_above_total",
                    {"total": str(total.value), "total_row": total.row},
                )
            )
    return rows, problems
