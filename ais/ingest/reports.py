"""What AIS messages become: position and static reports, the MMSIs that are vessels', the
time window reports are believed in, and the decoder's counters. Pure (no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 19, 24})


class Count(StrEnum):
    """What the decoder counts, by kind (its `counts` keys): every line that yields
    nothing is counted under one of these; nothing raises."""

    LINES = "lines"
    MESSAGES = "messages"
    POSITIONS = "positions"
    STATIC_REPORTS = "static_reports"
    OVERLONG = "overlong"
    BLANK = "blank"
    MALFORMED = "malformed"
    GARBAGE = "garbage"
    OTHER_NMEA = "other_nmea"
    BAD_CHECKSUM = "bad_checksum"
    BAD_TAG_BLOCK = "bad_tag_block"
    CONTROL_CHARACTERS = "control_characters"
    BAD_TIME = "bad_time"
    INCOMPLETE = "incomplete"
    ORPHAN_FRAGMENT = "orphan_fragment"
    CHUNK_BOUNDARY = "chunk_boundary"
    UNDECODABLE = "undecodable"
    OTHER_TYPES = "other_types"
    NO_POSITION = "no_position"
    BAD_POSITION = "bad_position"
    INVALID_MMSI = "invalid_mmsi"


class Position(NamedTuple):
    """A position report: `ts` UTC, lon/lat WGS84 degrees, `sog_kn` knots, `cog_deg` and
    `heading_deg` degrees (None when not available), `source` the receiving station.

    A NamedTuple (cheap to build at 100k+/s) whose field order is the COPY row order."""

    mmsi: int
    ts: datetime
    lon: float
    lat: float
    sog_kn: float | None
    cog_deg: float | None
    heading_deg: int | None
    nav_status: int | None
    msg_type: int
    source: str


@dataclass(frozen=True, slots=True)
class StaticReport:
    """Static and voyage data (type 5), a class B static part (24 A or B) or the static part
    of a type 19. Fields that the message does not carry are None. Dimensions in metres
    from the GNSS antenna; `draught_m` metres."""

    mmsi: int
    ts: datetime
    msg_type: int
    source: str = ""
    imo: int | None = None
    callsign: str | None = None
    name: str | None = None
    ship_type: int | None = None
    to_bow_m: int | None = None
    to_stern_m: int | None = None
    to_port_m: int | None = None
    to_starboard_m: int | None = None
    draught_m: float | None = None
    destination: str | None = None


Report = Position | StaticReport


def clean_text(value: object) -> str | None:
    """AIS 6-bit text: '@' is padding; blank means not available."""
    if not isinstance(value, str):
        return None
    text = value.replace("@", " ").strip()
    return text or None


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# MMSIs of vessels (ITU-R M.585): a ship's (nine digits, MID 2xx-7xx) or a craft
# associated with a parent ship (98MIDxxxx). 0, short numbers, coast stations, aids to
# navigation, SAR aircraft and test numbers are not vessels.
VESSEL_MMSI_RANGES = ((200_000_000, 799_999_999), (980_000_000, 989_999_999))
(_SHIP_LO, _SHIP_HI), (_CRAFT_LO, _CRAFT_HI) = VESSEL_MMSI_RANGES


def valid_mmsi(mmsi: int) -> bool:
    """Whether an MMSI is a vessel's (see VESSEL_MMSI_RANGES): only those reach the map
    and the port calls. (Two comparisons, not a loop: it runs for every report.)"""
    return _SHIP_LO <= mmsi <= _SHIP_HI or _CRAFT_LO <= mmsi <= _CRAFT_HI


@dataclass(frozen=True)
class TimeWindow:
    """Which report times are believed. A stream's reports must lie within `past_s`
    before and `ahead_s` after the time they arrive; an archive declares its own period
    (`earliest`, `latest`, unix seconds). Reports outside are counted as `bad_time`: a
    spoofed or broken clock must not create far-off partitions or pin a vessel as live."""

    past_s: float = 24 * 3600.0
    ahead_s: float = 300.0
    earliest: float | None = None
    latest: float | None = None

    def bounds(self, received_at: float) -> tuple[float, float]:
        lo = self.earliest if self.earliest is not None else received_at - self.past_s
        hi = self.latest if self.latest is not None else received_at + self.ahead_s
        return lo, hi
