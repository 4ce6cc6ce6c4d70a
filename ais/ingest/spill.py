"""Spill files: batches the writer could not store yet (the database is away) or that the
server refused (dead letters), kept on disk as plain data.

JSON, never pickle: a file planted in the folder can hold wrong values, not code. Every
value is checked when a file is read back; a file that fails is moved to `unreadable/`
with a warning, and the ingester goes on. The folder is private (0700), files 0600.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from .ais import Position, StaticReport
from .batch import Batch

log = logging.getLogger(__name__)
FORMAT = "corridor-watch/ais-batch"
VERSION = 1
NAME_RE = re.compile(r"^(batch|dead)-(\d{9})-(\d{1,9})\.json$")
STATIC_FIELDS = [f.name for f in fields(StaticReport)]


def private_dir(path: Path) -> Path:
    """`path`, made if need be, readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def encode(batch: Batch) -> bytes:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "positions": [[p.mmsi, p.ts.isoformat(), *p[2:]] for p in batch.positions],
        "statics": [
            {**{k: getattr(r, k) for k in STATIC_FIELDS}, "ts": r.ts.isoformat()}
            for r in batch.statics
        ],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _number(value: Any, kind: type, nullable: bool = True) -> Any:
    if value is None and nullable:
        return None
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind is float and number and math.isfinite(value):
        return float(value)
    raise ValueError(f"{value!r} is not a {kind.__name__}")


def _time(value: Any) -> datetime:
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else None
    if stamp is None or stamp.tzinfo is None:
        raise ValueError(f"{value!r} is not a time with a zone")
    return stamp


def _text(value: Any, nullable: bool = False) -> Any:
    if value is None and nullable:
        return None
    if isinstance(value, str) and len(value) <= 200:
        return value
    raise ValueError(f"{value!r} is not a short text")


def decode(data: bytes) -> Batch:
    """A batch from `encode`'s bytes; ValueError when anything is not as written."""
    doc = json.loads(data)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ValueError("not a Corridor Watch AIS batch")
    positions = []
    for row in doc.get("positions", []):
        if not isinstance(row, list) or len(row) != len(Position._fields):
            raise ValueError("a position row of the wrong shape")
        mmsi, ts, lon, lat, sog, cog, heading, status, msg_type, source = row
        lon, lat = _number(lon, float, False), _number(lat, float, False)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError("a position out of range")
        positions.append(
            Position(
                _number(mmsi, int, False),
                _time(ts),
                lon,
                lat,
                _number(sog, float),
                _number(cog, float),
                _number(heading, int),
                _number(status, int),
                _number(msg_type, int, False),
                _text(source),
            )
        )
    statics = []
    for item in doc.get("statics", []):
        if not isinstance(item, dict) or set(item) != set(STATIC_FIELDS):
            raise ValueError("a static report of the wrong shape")
        values = {
            "mmsi": _number(item["mmsi"], int, False),
            "ts": _time(item["ts"]),
            "msg_type": _number(item["msg_type"], int, False),
            "source": _text(item["source"]),
            "draught_m": _number(item["draught_m"], float),
        }
        for name in ("imo", "ship_type", "to_bow_m", "to_stern_m", "to_port_m", "to_starboard_m"):
            values[name] = _number(item[name], int)
        for name in ("callsign", "name", "destination"):
            values[name] = _text(item[name], nullable=True)
        statics.append(StaticReport(**values))
    return Batch(positions, statics)


def write(path: Path, batch: Batch) -> int:
    """Write a batch atomically (0600); returns the bytes written."""
    data = encode(batch)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.rename(path)
    return len(data)


def read(path: Path) -> Batch:
    return decode(path.read_bytes())


def set_aside(path: Path, reason: str) -> Path:
    """Move a file the ingester cannot use to `unreadable/` (kept for a person to look at)."""
    target_dir = private_dir(path.parent / "unreadable")
    target = target_dir / path.name
    n = 1
    while target.exists():
        target = target_dir / f"{path.name}.{n}"
        n += 1
    path.rename(target)
    log.warning("AIS spill file %s set aside in %s: %s", path.name, target_dir, reason)
    return target


def scan(folder: Path) -> tuple[list[tuple[int, int, Path]], int]:
    """Spilled batches waiting in `folder` as (sequence, rows, path), oldest first, and the
    next free sequence number. A file named like ours but not quite (an older version's
    .pickle, a mangled name) is set aside; any other file is left alone, with a warning."""
    found = []
    next_seq = 0
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        match = NAME_RE.match(path.name)
        if match is None:
            if path.name.startswith(("batch-", "dead-")):
                if path.suffix == ".tmp":
                    path.unlink()  # a write that never finished
                else:
                    set_aside(path, "not a spill file name")
            else:
                log.warning("%s is not a spill file: left alone (keep the folder for spills)", path)
            continue
        kind, seq, rows = match.group(1), int(match.group(2)), int(match.group(3))
        next_seq = max(next_seq, seq + 1)
        if kind == "batch":
            found.append((seq, rows, path))
    return found, next_seq
