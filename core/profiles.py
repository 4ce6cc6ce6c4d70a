"""The checks of saved column mappings (core.models.ColumnProfile), by kind: each reading
app registers its own (AIS: ais.apps), so core imports no app."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
