"""Reading CSV tables with a fixed schema, and checking common field types.

Pure Python: no Django. Every check raises `LayerError` naming the file, row and field.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from pathlib import Path

from .errors import LayerError

MAX_FILE_BYTES = 50 * 1024 * 1024
# Codes of nodes and routes: they appear in URLs and map labels, so letters, digits, _ and -.
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_\-]{0,31}$")
URL_RE = re.compile(r"^https?://\S+$")
# The years any input may name (API parameters, export filters, uploads, periods in links):
# the corridor's data begins in the 2010s; a far-off year is a mistake or a probe, and year
# 1 or 9999 would overflow the arithmetic of the periods around it.
FIRST_YEAR, LAST_YEAR = 1990, 2100


def read_rows(path: Path | str, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a UTF-8 CSV whose header has exactly the `required`
    columns, in any order (an extra or a missing column is an error)."""
    path = Path(path)
    name = path.name
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LayerError(name, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            extra = [c for c in header if c not in required]
            if missing or extra:
                parts = []
                if missing:
                    parts.append(f"missing columns {missing}")
                if extra:
                    parts.append(f"unexpected columns {extra}")
                raise LayerError(name, "; ".join(parts) + f" (expected {required})", row=1)
            for row in reader:
                if None in row:
                    raise LayerError(name, "more values than columns", row=reader.line_num)
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
        except UnicodeDecodeError as exc:
            raise LayerError(name, f"not UTF-8 text ({exc.reason})") from exc
        except csv.Error as exc:
            raise LayerError(name, f"malformed CSV: {exc}", row=reader.line_num) from exc


def require(name: str, row: int, field: str, value: str) -> str:
    if not value:
        raise LayerError(name, "a value is required", row, field)
    return value


def parse_float(name: str, row: int, field: str, value: str) -> float:
    try:
        number = float(require(name, row, field, value))
    except ValueError as exc:
        raise LayerError(name, f"'{value}' is not a number", row, field) from exc
    if not math.isfinite(number):
        raise LayerError(name, f"'{value}' is not a finite number", row, field)
    return number


def parse_lon_lat(name: str, row: int, lon_s: str, lat_s: str) -> tuple[float, float]:
    """A WGS84 lon/lat pair in range (lon -180..180, lat -90..90)."""
    lon = parse_float(name, row, "lon", lon_s)
    lat = parse_float(name, row, "lat", lat_s)
    if not -180 <= lon <= 180:
        raise LayerError(name, f"longitude {lon} is out of range -180..180", row, "lon")
    if not -90 <= lat <= 90:
        raise LayerError(name, f"latitude {lat} is out of range -90..90", row, "lat")
    return lon, lat


def parse_choice(name: str, row: int, field: str, value: str, allowed: set[str]) -> str:
    if value not in allowed:
        raise LayerError(name, f"'{value}' is not one of {sorted(allowed)}", row, field)
    return value


def parse_int(name: str, row: int, field: str, value: str, optional: bool = False) -> int | None:
    if optional and not value:
        return None
    try:
        return int(require(name, row, field, value))
    except ValueError as exc:
        raise LayerError(name, f"'{value}' is not a whole number", row, field) from exc


def parse_code(name: str, row: int, field: str, value: str, what: str = "node code") -> str:
    """A node or route code (A-Z first, then A-Z, 0-9, _ or -; at most 32 characters)."""
    if not CODE_RE.match(value):
        raise LayerError(name, f"'{value}' is not a {what} (A-Z, 0-9, _ or -)", row, field)
    return value


def parse_url(name: str, row: int, field: str, value: str) -> str:
    """An http(s) URL, or empty."""
    if value and not URL_RE.match(value):
        raise LayerError(name, f"'{value}' is not an http(s) URL", row, field)
    return value
