"""The audit's hash chain (pure: no Django): each row's hash covers its own fields and the
hash of the row before it, so a row removed, edited or put in between breaks the chain at
that point."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "action", "target", "detail", "ip")


def row_hash(previous: str, row: Mapping[str, Any]) -> str:
    """sha256 of the previous hash and the row's fields, in a canonical form."""
    body = json.dumps(
        [previous, *(row.get(f) for f in FIELDS)],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def first_break(rows: Iterable[Mapping[str, Any]], previous: str = GENESIS) -> int | None:
    """The `seq` of the first row whose hash or link does not hold (None: the chain holds).
    `rows` in `seq` order, each with its stored `prev_hash` and `hash`; `previous` is the
    hash before the first (the last archived row's, or GENESIS)."""
    expected_seq = None
    for row in rows:
        if expected_seq is not None and row["seq"] != expected_seq:
            return int(expected_seq)  # a row is missing here
        if row["prev_hash"] != previous or row_hash(previous, row) != row["hash"]:
            return int(row["seq"])
        previous = row["hash"]
        expected_seq = row["seq"] + 1
    return None
