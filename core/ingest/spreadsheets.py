"""Reading and writing the tables users exchange with us (CSV and XLSX), safely.

Reading: a file is checked for what it is, not what it is called (an HTML page named .csv,
a zip renamed .xlsx, an XLSX whose parts would expand beyond a cap); CSV may be UTF-8 (with
or without a BOM) or GB18030/GBK as Chinese Excel saves it; XLSX cells are read as data,
never evaluated (a formula is read as its text). Writing: every text cell that a
spreadsheet would take for a formula (starting with = + - @, a tab or a carriage return) is
neutralised with a leading apostrophe. Pure: no Django.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_XLSX_EXPANDED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 50
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class UnreadableFile(ValueError):
    """The file cannot be read as a table; `code` says why (for the user's message)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Table:
    """A table read from a file: its header and its rows, with their line numbers (the
    header is row 1), as text."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str


def sniff(data: bytes, name: str) -> str:
    """ "csv" or "xlsx", from the content (the name only breaks a tie)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnreadableFile("too_large", f"{len(data):,} bytes")
    if not data.strip():
        raise UnreadableFile("empty")
    head = data[:512].lstrip().lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<table", b"<head", b"<body")):
        raise UnreadableFile("not_a_table", "HTML or XML, not CSV")
    if b"\x00" in data[:4096]:
        raise UnreadableFile("not_a_table", "binary content")
    if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise UnreadableFile("not_a_table", "named like a workbook but not one")
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 (a BOM is dropped), else
    GB18030 (a superset of GBK and GB2312, as Chinese Excel writes)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableFile("bad_encoding", "neither UTF-8 nor GB18030/GBK") from exc


def read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if len(cells) > MAX_COLUMNS:
                raise UnreadableFile(
                    "too_many_columns", f"{len(cells):,} on line {reader.line_num}"
                )
            if header is None:
                header = [c.strip() for c in cells]
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS:
                raise UnreadableFile("too_many_rows", f"more than {MAX_ROWS:,}")
    except csv.Error as exc:
        raise UnreadableFile("not_a_table", str(exc)) from exc
    if header is None:
        raise UnreadableFile("empty")
    return Table(header, rows, encoding)


def check_workbook(data: bytes) -> None:
    """An XLSX is a zip: refuse one that is not a workbook, or whose parts would expand
    beyond the cap (a zip bomb), before a spreadsheet library opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("not_a_table", "a damaged zip") from exc
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or not any(
            n.startswith("xl/workbook") for n in names
        ):
            raise UnreadableFile("not_a_table", "a zip, not an XLSX workbook")
        expanded = sum(info.file_size for info in archive.infolist())
        if expanded > MAX_XLSX_EXPANDED_BYTES or len(names) > 1000:
            raise UnreadableFile("too_large", f"expands to {expanded:,} bytes")


def read_xlsx(data: bytes) -> Table:
    """The first sheet of a workbook, cells as text (formulas as their text, dates as ISO
    dates, numbers as written). A date shown without its day (Excel turns "2026-07" typed in
    a cell into July's first day, shown "Jul-26" or "2026-07") is read as its month,
    "2026-07", as the user saw it."""
    check_workbook(data)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on broken parts
        raise UnreadableFile("not_a_table", type(exc).__name__) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        header: list[str] | None = None
        for number, found in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            cells = [_cell_text(c.value, getattr(c, "number_format", "")) for c in found]
            if header is None:
                header = [c.strip() for c in cells]
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise UnreadableFile("too_many_rows", f"more than {MAX_ROWS:,}")
    finally:
        book.close()
    if header is None:
        raise UnreadableFile("empty")
    return Table(header, rows, "xlsx")


def shows_day(number_format: str) -> bool:
    """Whether a spreadsheet's number format shows the day of a date (its `d` outside
    quoted text, escapes and colour or locale brackets)."""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format or "")
    return "d" in plain.lower() or plain.strip().lower() in ("", "general")


def _cell_text(value: Any, number_format: str = "") -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text: str = value.isoformat()
        if getattr(value, "day", None) == 1 and not shows_day(number_format):
            return text[:7]  # a month, as the sheet shows it
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def read_table(data: bytes, name: str) -> Table:
    """A CSV or XLSX file as a table (UnreadableFile says why not)."""
    return read_xlsx(data) if sniff(data, name) == "xlsx" else read_csv(data)


def rows_as_dicts(table: Table, columns: dict[int, str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each row as {column name: text} for the columns `columns` maps (index -> name)."""
    for number, cells in table.rows:
        yield (
            number,
            {name: (cells[index] if index < len(cells) else "") for index, name in columns.items()},
        )


def safe_cell(value: Any) -> Any:
    """A value as written to a CSV or XLSX cell: text a spreadsheet would run as a formula
    gets a leading apostrophe; numbers, dates and None pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM (so Excel shows Chinese), every cell made safe."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def write_xlsx(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str = "data",
    choices: dict[int, Sequence[str]] | None = None,
    sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    choice_rows: int = 1000,
) -> bytes:
    """A sheet of `rows` under `header`, every text cell made safe (and stored as text,
    never as a formula); `choices` gives columns (0-based) a drop-down of allowed values
    for their first `choice_rows` rows (other values are still accepted when typed: the
    upload checks them); `sheets` adds (title, rows) sheets after it (a help sheet)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    lists = book.create_sheet("lists") if choices else None
    for n, (column, allowed) in enumerate(sorted((choices or {}).items()), start=1):
        assert lists is not None
        letter = get_column_letter(n)
        for i, value in enumerate(allowed, start=1):
            lists.cell(row=i, column=n, value=safe_cell(value))
        # The allowed values from a range of the lists sheet: no 255-character limit.
        rule = DataValidation(
            type="list",
            formula1=f"=lists!${letter}$1:${letter}${max(1, len(allowed))}",
            allow_blank=True,
            showErrorMessage=False,
        )
        sheet.add_data_validation(rule)
        target = get_column_letter(column + 1)
        rule.add(f"{target}2:{target}{choice_rows + 1}")
    if lists is not None:
        lists.sheet_state = "hidden"
    for name, extra in sheets:
        more = book.create_sheet(name[:31])
        for row in extra:
            more.append([safe_cell(v) for v in row])
    for each in book.worksheets:
        for line in each.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, whatever it starts with
    for index, text in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(text)) + 4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
