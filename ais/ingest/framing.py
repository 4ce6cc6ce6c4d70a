"""NMEA framing: a line's optional time prefix (archive files), its NMEA 4.0 tag block
(``\\s:station,c:unixtime*hh\\``), and the running XOR that checks a block's sentences in
two lookups each. Pure (no Django)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
from pyais.util import checksum

from core.ingest.text import has_control_bytes

from .reports import Count

# An NMEA sentence is at most 82 characters; with a tag block and a time prefix a real
# line stays well under this. Longer lines are counted as `overlong` and skipped.
MAX_LINE_BYTES = 1024
PREFIX_RE = re.compile(
    rb"^(?P<ts>\d{9,10}(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]00:?00)?)"
    rb"[\s,;]+"
)
_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800  # 2000-01-01 .. 2100-01-01
# (refusal or "" when valid, station or None, unix time or None) of a tag block
TagInfo = tuple[str, str | None, float | None]


def running_xor(lines: Iterable[bytes]) -> bytes:
    """The running XOR of the lines' bytes, joined: `x[i]` is the XOR of bytes 0..i, so
    the checksum of any stretch is two lookups (see AisDecoder.decode_into)."""
    return np.bitwise_xor.accumulate(np.frombuffer(b"".join(lines), np.uint8)).tobytes()


def parse_prefix_time(raw: bytes) -> float | None:
    """The unix time of a line's time prefix (unix seconds or ISO 8601 UTC), None when it
    is not one or lies outside 2000-2100."""
    try:
        if raw[:1].isdigit() and b"-" not in raw:
            value = float(raw)
            return value if _EPOCH_MIN <= value <= _EPOCH_MAX else None
        text = raw.decode().replace("Z", "+00:00")
        stamp = datetime.fromisoformat(text)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    except ValueError:
        return None


def parse_tag(raw: bytes) -> TagInfo:
    """(refusal, source station or None, unix time or None) of a tag block (``s:``,
    ``c:``); the refusal is "" for a valid block, "bad_tag_block" when its checksum is
    wrong or it is malformed, "control_characters" when it holds one (core.ingest.text)."""
    result: TagInfo = (Count.BAD_TAG_BLOCK, None, None)
    body, star, chk = raw.rpartition(b"*")
    if star and len(chk) == 2:
        try:
            valid = int(chk, 16) == checksum(body)
        except ValueError:
            valid = False
        if valid and has_control_bytes(body):
            result = (Count.CONTROL_CHARACTERS, None, None)
        elif valid:
            source, when = None, None
            for field in body.split(b","):
                key, _, value = field.partition(b":")
                if key == b"s":
                    source = value[:64].decode("ascii", "replace")
                elif key == b"c":
                    try:
                        when = float(value)
                    except ValueError:
                        continue
                    if when > 1e11:  # some receivers write milliseconds
                        when /= 1000
            result = ("", source, when)
    return result
