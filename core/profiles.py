"""The checks of saved column mappings (core.models.ColumnProfile), by kind: each reading
app registers its own (AIS: ais.apps), so core imports no app."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Checker = Callable[[Any], list[str]]
_CHECKS: dict[str, tuple[Checker, frozenset[str]]] = {}


def register(kind: str, check: Checker, reserved: Iterable[str] = ()) -> None:
    """`check(mapping) -> problems`; `reserved`: names a profile may not take (built-ins)."""
    _CHECKS[kind] = (check, frozenset(reserved))


def problems(kind: str, name: str, mapping: Any) -> list[str]:
    if kind not in _CHECKS:
        return [f"no reader of {kind!r} profiles"]
    check, reserved = _CHECKS[kind]
    found = list(check(mapping))
    if name in reserved:
        found.append(f"{name!r} is a built-in layout's name")
    return found


DELIMITERS = (",", ";", "\t", "|")


def common_problems(
    mapping: Any, fields: Sequence[str], time_keys: Sequence[str], time_words: Sequence[str]
) -> tuple[list[str], Mapping[str, Any]]:
    """The checks every kind's mapping shares: an object whose `columns` map known fields
    to non-empty headers, time formats (`time_words` or a strptime format) and the
    delimiter. Returns the problems and the columns ({} when there are none to check)."""
    if not isinstance(mapping, Mapping):
        return ["mapping: an object with `columns`"], {}
    columns = mapping.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        return ["columns: an object of field -> column header"], {}
    problems = []
    unknown = sorted(set(columns) - set(fields))
    if unknown:
        problems.append(
            f"columns: unknown fields {', '.join(unknown)} (known: {', '.join(fields)})"
        )
    if any(not isinstance(v, str) or not v.strip() for v in columns.values()):
        problems.append("columns: each column header is a non-empty text")
    for key in time_keys:
        fmt = mapping.get(key, "iso")
        if not isinstance(fmt, str) or (fmt not in time_words and "%" not in fmt):
            problems.append(
                f"{key}: {', '.join(time_words)} or a strptime format (%Y-%m-%d %H:%M:%S)"
            )
    if mapping.get("delimiter", ",") not in DELIMITERS:
        problems.append("delimiter: one of , ; tab |")
    return problems, columns
