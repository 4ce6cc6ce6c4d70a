"""Text from feeds, uploads and requests, checked once before it reaches the database.

PostgreSQL refuses a NUL character in text (and `\\u0000` in jsonb) and UTF-8 cannot carry a
lone surrogate: one such value makes the whole statement, so the whole batch, fail. The
other C0 and C1 control characters are never data in a name, a code or a note (tab, line
feed and carriage return excepted: a note may have lines). Every source (AIS tag blocks,
rail and container events, throughput uploads, request parameters) refuses a value holding
one, names the field and counts it, and keeps the rest of its batch. Pure: no Django.
"""

from __future__ import annotations

import re
from typing import Any

CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CONTROL_BYTES_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REASON = "control characters"


def has_control(text: str) -> bool:
    """Whether `text` holds a character no stored text may hold (see the module)."""
    return CONTROL_RE.search(text) is not None


def has_control_bytes(data: bytes) -> bool:
    """The same for bytes of an ASCII protocol (NMEA): any C0 control but tab, LF, CR."""
    return CONTROL_BYTES_RE.search(data) is not None


def control_detail(text: str) -> str:
    """Which character and where, for a refusal's message: "U+0000 at 4"."""
    match = CONTROL_RE.search(text)
    if match is None:
        return ""
    return f"U+{ord(match.group()):04X} at {match.start() + 1}"


def visible(text: str) -> str:
    """`text` with each refused character shown as U+FFFD, safe to store and show."""
    return CONTROL_RE.sub("\ufffd", text)


def first_control(value: Any, path: str = "", max_depth: int = 20) -> tuple[str, str] | None:
    """Where a decoded JSON value (an event, a callback's body) first holds a refused
    character, in a value or a key: (its dotted path, shown with `visible`, and the
    `control_detail`), else None. Nesting deeper than `max_depth` is refused as well: no
    event or component value nests that deep."""
    if isinstance(value, str):
        return (visible(path), control_detail(value)) if has_control(value) else None
    if max_depth < 0:
        return visible(path), "nested too deep"
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = ((None, item) for item in value)
    for key, item in items:
        label = path if key is None else f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and has_control(key):
            return visible(label), control_detail(key)
        found = first_control(item, label, max_depth - 1)
        if found:
            return found
    return None
