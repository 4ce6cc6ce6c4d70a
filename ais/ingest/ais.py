"""AIS NMEA decoding with pyais: lines in, frozen position and static reports out.

Pure and Django-free. `AisDecoder.feed(line, received_at)` handles what real feeds contain:
NMEA 4.0 tag blocks (``\\s:station,c:unixtime*hh\\!AIVDM...``), an optional leading time
stamp (archive files: unix seconds or ISO 8601 before the sentence), multi-sentence messages
interleaved across channels and sequence ids, fragments that never complete, other NMEA
sentences, blank lines, garbage, bad checksums and undecodable payloads. Every line that
yields nothing is counted by kind in `counts`; nothing raises.

Times are timezone-aware UTC datetimes; coordinates WGS84 lon/lat degrees; speeds knots;
courses and headings degrees. AIS "not available" values (lon 181, lat 91, speed 102.3,
course 360, heading 511) become None; a report without a position yields no Position.

Payloads are decoded by pyais (`decode()`, attribute access), except the common case of a
single-sentence class A or B position report (types 1-3 and 18, 168 bits, no fill bits),
whose few stored fields are read straight from the payload (`decode_into`): the same
values pyais gives (its converters' arithmetic; a test compares both paths on whole feeds and
on mutated lines), at a fraction of the cost of building pyais's message objects. Message
types that are neither position nor static reports are counted and not decoded.
"""

from __future__ import annotations

import binascii
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import numpy as np
from pyais.exceptions import InvalidNMEAMessageException
from pyais.messages import NMEAMessage
from pyais.util import checksum

from core.ingest.text import has_control_bytes

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 19, 24})
FRAGMENT_TIMEOUT_S = 60.0
MAX_OPEN_GROUPS = 10_000  # multi-part messages waiting for their other parts, in all
MAX_GROUPS_PER_SOURCE = 1_000  # ... and per receiving station (a flood stays its own)
# An NMEA sentence is at most 82 characters; with a tag block and a time prefix a real
# line stays well under this. Longer lines are counted as `overlong` and skipped.
MAX_LINE_BYTES = 1024
_DATETIME_MIN, _DATETIME_MAX = -62_135_596_800.0, 253_402_300_799.0  # years 1..9999
_PREFIX_RE = re.compile(
    rb"^(?P<ts>\d{9,10}(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]00:?00)?)"
    rb"[\s,;]+"
)
_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800  # 2000-01-01 .. 2100-01-01

# The fast path (see the module's docstring). AIS armours six bits per character, as
# base64 does: translated into the base64 alphabet, a payload is decoded by binascii. Only
# characters of the AIS alphabet (0-W, `-w) qualify; anything else goes to pyais.
_AIS_ALPHABET = bytes(range(48, 88)) + bytes(range(96, 120))
_TO_BASE64 = bytes.maketrans(
    _AIS_ALPHABET, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)
_a2b = binascii.a2b_base64
_FAST_FIRST = {b"1": 1, b"2": 2, b"3": 3, b"B": 18}  # a payload's first character: its type
_VDM_VDO = frozenset({b"VDM", b"VDO"})
_SEQ_IDS = frozenset({b"", *(str(i).encode() for i in range(10))})
# Radio channels as receivers write them; anything else goes the slow, checked way.
_CHANNELS = frozenset({b"", b"A", b"B", b"1", b"2"})


def _running_xor(lines: list[bytes]) -> bytes:
    """The running XOR of the lines' bytes, joined (see AisDecoder.decode_into)."""
    return np.bitwise_xor.accumulate(np.frombuffer(b"".join(lines), np.uint8)).tobytes()


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
# (receiving station, radio channel, sequence id, fragment count) of a multi-part message
GroupKey = tuple[str, str, int | None, int]
# (refusal or "" when valid, station or None, unix time or None) of a tag block
TagInfo = tuple[str, str | None, float | None]


def _clean_text(value: object) -> str | None:
    """AIS 6-bit text: '@' is padding; blank means not available."""
    if not isinstance(value, str):
        return None
    text = value.replace("@", " ").strip()
    return text or None


def _utc(seconds: float) -> datetime:
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


def _parse_prefix_time(raw: bytes) -> float | None:
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


class AisDecoder:
    """Decodes a stream of NMEA lines. One instance per stream (it holds the fragments of
    multi-sentence messages that are still open). `default_source` names the feed when a
    line has no tag-block station."""

    def __init__(
        self,
        default_source: str = "",
        fragment_timeout_s: float = FRAGMENT_TIMEOUT_S,
        window: TimeWindow | None = None,
        max_open_groups: int = MAX_OPEN_GROUPS,
        max_groups_per_source: int = MAX_GROUPS_PER_SOURCE,
    ):
        self.default_source = default_source
        self.fragment_timeout_s = fragment_timeout_s
        self.window = window
        self.max_open_groups = max_open_groups
        self.max_groups_per_source = max_groups_per_source
        self.counts: Counter[str] = Counter()
        # (source, channel, seq id, fragment count) -> (first seen, time, {frag_num: sentence}),
        # oldest first: eviction and expiry take from the front in O(1).
        self._groups: OrderedDict[GroupKey, tuple[float, float, dict[int, NMEAMessage]]] = (
            OrderedDict()
        )
        self._per_source: dict[str, OrderedDict[GroupKey, None]] = {}
        self._last_sweep = 0.0
        self._tag_cache: dict[bytes, TagInfo] = {}
        self._ts_cache: dict[float, datetime] = {}
        self.fast_path = True  # False: every payload through pyais (tests compare both)
        self._static_cache: dict[tuple[bytes, int], Any] = {}

    # -- lines -------------------------------------------------------------------------

    def feed(self, line: bytes, received_at: float) -> list[Report]:
        """Decode one line (bytes, with or without line end); `received_at` is the unix
        time the line arrived, used when the line carries no time of its own."""
        positions: list[Position] = []
        statics: list[StaticReport] = []
        self.decode_into((line,), received_at, positions, statics)
        return [*positions, *statics]

    def decode_into(
        self,
        lines: Iterable[bytes],
        received_at: float,
        positions: list[Position],
        statics: list[StaticReport],
        chunk_head: bool = False,
        byte_offset: int | None = None,
    ) -> None:
        """Decode many lines received at `received_at` (unix seconds), appending to the
        two lists. The hot loop of the ingester: keep it lean.

        `chunk_head`: these lines open a chunk of a file split between workers; a
        continuation fragment whose first part is not here belongs to the previous chunk
        (whose worker completes it) and is skipped silently.

        `byte_offset`: the lines come from a file, starting at this byte; a line without a
        time of its own is then stamped `received_at` (the file's modification time) plus
        its byte offset in microseconds: deterministic, so loading a file again stores
        nothing twice, and in file order."""
        counts = self.counts
        tag_cache = self._tag_cache
        decode = self._decode
        position_of, keep, ts_cache = self._position, self._keep, self._ts_cache
        fast = self.fast_path
        lo, hi = self.window.bounds(received_at) if self.window else (_DATETIME_MIN, _DATETIME_MAX)
        n = 0
        # The fast path's checksums for a whole block at once: `xors[i]` is the XOR of the
        # block's bytes 0..i, so a sentence's checksum is two lookups.
        xors = _running_xor(lines) if fast and isinstance(lines, list) and len(lines) > 16 else None
        next_start = 0
        for raw in lines:
            line = raw
            line_start = next_start
            next_start += len(raw)
            n += 1
            if len(line) > MAX_LINE_BYTES:
                counts["overlong"] += 1
                continue
            line = line.strip()
            if not line:
                counts["blank"] += 1
                continue
            msg_time: float | None = None
            source = self.default_source
            first = line[0]
            if first != 0x5C and first != 0x21:  # neither '\\' nor '!'
                match = _PREFIX_RE.match(line)
                if match:
                    msg_time = _parse_prefix_time(match["ts"])
                    line = line[match.end() :]
            if line[:1] == b"\\":
                end = line.find(b"\\", 1)
                if end < 0:
                    counts["malformed"] += 1
                    continue
                raw_tag = line[1:end]
                line = line[end + 1 :]
                tag = tag_cache.get(raw_tag)
                if tag is None:
                    tag = self._parse_tag(raw_tag)
                refusal, tag_source, tag_time = tag
                if refusal == "control_characters":
                    # a NUL or control character in a station name or any tag field: the
                    # line is refused (its station would be refused by the database)
                    counts[refusal] += 1
                    continue
                if refusal:
                    counts[refusal] += 1
                else:
                    if tag_source:
                        source = tag_source
                    if tag_time is not None:
                        msg_time = tag_time
            if line[:1] != b"!":
                counts["other_nmea" if line[:1] == b"$" else "garbage"] += 1
                continue
            if msg_time is not None:
                when = msg_time
            elif byte_offset is None:
                when = received_at
            else:  # an untimed line of a file: the file's time plus its offset in us
                when = received_at + (byte_offset + line_start) * 1e-6
            if fast:
                # A single-sentence type 1-3/18 report in its one canonical shape, checksum
                # right: decoded here. Anything else (and any doubt) goes to pyais below.
                f = line.split(b",")
                if (
                    len(f) == 7
                    and len(f[5]) == 28
                    and f[1] == b"1"
                    and f[2] == b"1"
                    and (ais_id := _FAST_FIRST.get(f[5][:1])) is not None
                    and f[6][:2] == b"0*"
                    and len(f[6]) == 4
                    and f[0][3:] in _VDM_VDO
                    and len(f[0]) == 6
                    and f[3] in _SEQ_IDS
                    and f[4] in _CHANNELS
                    and f[0][1:3].isalpha()
                    and line.isascii()
                    and not f[5].translate(None, _AIS_ALPHABET)
                    and f[6][2:].isalnum()
                    and int(f[6][2:], 16)
                    == (
                        checksum(line[1:-3])
                        if xors is None  # the sentence ends the line: from '!' to '*'
                        else xors[(e := line_start + len(raw.rstrip())) - 4] ^ xors[e - len(line)]
                    )
                ):
                    if not lo <= when <= hi:
                        counts["bad_time"] += 1
                        continue
                    counts["messages"] += 1
                    # The stored fields' bits, converted as pyais converts them.
                    v = int.from_bytes(_a2b(f[5].translate(_TO_BASE64)), "big")
                    if ais_id == 18:
                        lon, lat, sog = (v >> 83) & 0xFFFFFFF, (v >> 56) & 0x7FFFFFF, v >> 112
                        cog, heading, status = (v >> 44) & 0xFFF, (v >> 35) & 0x1FF, 0
                    else:
                        lon, lat, sog = (v >> 79) & 0xFFFFFFF, (v >> 52) & 0x7FFFFFF, v >> 108
                        cog, heading, status = (v >> 40) & 0xFFF, (v >> 31) & 0x1FF, v >> 126
                    position = position_of(
                        (v >> 130) & 0x3FFFFFFF,
                        ((10 * ((lon ^ 0x8000000) - 0x8000000) + 3) // 6) / 1e6,
                        ((10 * ((lat ^ 0x4000000) - 0x4000000) + 3) // 6) / 1e6,
                        (sog & 0x3FF) / 10.0,
                        cog / 10.0,
                        heading,
                        status & 0xF,
                        ais_id,
                        ts_cache.get(when) or self._ts(when),
                        source,
                    )
                    if position is not None:
                        keep(position, None, positions, statics)
                    continue
            if has_control_bytes(line):  # NUL or another control character: never data
                counts["control_characters"] += 1
                continue
            try:
                sentence = NMEAMessage(line)
            except (InvalidNMEAMessageException, ValueError, IndexError, TypeError):
                counts["malformed"] += 1
                continue
            if sentence.type != "VDM" and sentence.type != "VDO":
                counts["other_nmea"] += 1
                continue
            if not sentence.is_valid:
                counts["bad_checksum"] += 1
                continue
            if not lo <= when <= hi:  # also refuses nan and infinities
                counts["bad_time"] += 1
                continue
            if sentence.frag_cnt == 1:
                decode(sentence, when, source, positions, statics)
                continue
            done = self._add_fragment(sentence, when, source, received_at, chunk_head)
            if done is not None:
                decode(done[0], done[1], source, positions, statics)
        counts["lines"] += n

    def _parse_tag(self, raw: bytes) -> TagInfo:
        """(refusal, source station or None, unix time or None) of a tag block (``s:``,
        ``c:``); the refusal is "" for a valid block, "bad_tag_block" when its checksum is
        wrong or it is malformed, "control_characters" when it holds one (core.ingest.text).
        Cached: a station's tag repeats for every message it receives in the same second."""
        result: TagInfo = ("bad_tag_block", None, None)
        body, star, chk = raw.rpartition(b"*")
        if star and len(chk) == 2:
            try:
                valid = int(chk, 16) == checksum(body)
            except ValueError:
                valid = False
            if valid and has_control_bytes(body):
                result = ("control_characters", None, None)
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
        if len(self._tag_cache) > 50_000:
            self._tag_cache.clear()
        self._tag_cache[raw] = result
        return result

    # -- multi-sentence messages ---------------------------------------------------------

    def _add_fragment(
        self, sentence: NMEAMessage, when: float, source: str, now: float, chunk_head: bool = False
    ) -> tuple[NMEAMessage, float] | None:
        """Keep a fragment; return (assembled message, time of its first fragment) when the
        message is complete. Open groups are capped in all and per source: the oldest goes
        first (O(1)), so a flood of fragments costs the same per line as normal traffic."""
        if now - self._last_sweep > self.fragment_timeout_s / 4:
            self.expire(now)
        key = (source, sentence.channel, sentence.seq_id, sentence.frag_cnt)
        group = self._groups.get(key)
        if group is not None and sentence.frag_num in group[2]:
            # The same fragment again: the earlier message never completed.
            self.counts["incomplete"] += 1
            self._drop(key)
            group = None
        if group is None:
            if sentence.frag_num != 1 and chunk_head:
                self.counts["chunk_boundary"] += 1
                return None
            if sentence.frag_num != 1 and sentence.seq_id is None:
                self.counts["orphan_fragment"] += 1
                return None
            own = self._per_source.setdefault(source, OrderedDict())
            if len(own) >= self.max_groups_per_source:
                self._drop(next(iter(own)))
                self.counts["incomplete"] += 1
            if len(self._groups) >= self.max_open_groups:
                self._drop(next(iter(self._groups)))
                self.counts["incomplete"] += 1
            group = (now, when, {})
            self._groups[key] = group
            own[key] = None
        parts = group[2]
        parts[sentence.frag_num] = sentence
        if len(parts) < sentence.frag_cnt:
            return None
        self._drop(key)
        try:
            assembled = NMEAMessage.assemble_from_iterable([parts[i] for i in sorted(parts)])
        except (InvalidNMEAMessageException, ValueError):
            self.counts["undecodable"] += 1
            return None
        return assembled, group[1]

    def _drop(self, key: GroupKey) -> None:
        del self._groups[key]
        own = self._per_source[key[0]]
        del own[key]
        if not own:
            del self._per_source[key[0]]

    def expire(self, now: float) -> None:
        """Drop fragment groups older than the timeout (counted as `incomplete`): the oldest
        are at the front."""
        self._last_sweep = now
        limit = now - self.fragment_timeout_s
        while self._groups:
            key, group = next(iter(self._groups.items()))
            if group[0] >= limit:
                break
            self._drop(key)
            self.counts["incomplete"] += 1

    def complete_open(
        self,
        lines: Iterable[bytes],
        received_at: float,
        positions: list[Position],
        statics: list[StaticReport],
    ) -> None:
        """After the end of a file chunk: read on only to complete the multi-sentence
        messages still open (the next chunk's worker skips those fragments). Everything
        else in these lines belongs to the next chunk and is not counted here."""
        if not self._groups:
            return
        own = self.counts
        self.counts = Counter()
        try:
            for line in lines:
                probe = line.strip()
                cut = probe.rfind(b"\\") + 1 if probe[:1] == b"\\" else 0
                fields = probe[cut:].split(b",", 4)
                if len(fields) < 5 or fields[1] == b"1" or fields[2] == b"1":
                    continue  # not a continuation fragment
                try:
                    wanted = (
                        fields[4][:1].decode(),
                        int(fields[3]) if fields[3] else None,
                        int(fields[1]),
                    )
                except ValueError:
                    continue
                if wanted in {(k[1], k[2], k[3]) for k in self._groups}:
                    self.decode_into((line,), received_at, positions, statics)
                if not self._groups:
                    break
        finally:
            done, self.counts = self.counts, own
            for key in (
                "messages",
                "positions",
                "static_reports",
                "undecodable",
                "other_types",
                "no_position",
                "bad_position",
                "bad_time",
                "invalid_mmsi",
            ):
                own[key] += done[key]

    def close(self) -> None:
        """End of stream: fragments still open will never complete."""
        self.counts["incomplete"] += len(self._groups)
        self._groups.clear()
        self._per_source.clear()

    # -- payloads ------------------------------------------------------------------------

    def _decode(
        self,
        msg: NMEAMessage,
        when: float,
        source: str,
        positions: list[Position],
        statics: list[StaticReport],
    ) -> None:
        ais_id = msg.ais_id
        self.counts["messages"] += 1
        if ais_id not in POSITION_TYPES and ais_id not in STATIC_TYPES:
            self.counts["other_types"] += 1
            return
        # A vessel repeats its static report every few minutes, word for word, and pyais
        # decodes its text fields slowly: the same payload is decoded once.
        key = (msg.payload, msg.fill_bits) if ais_id in STATIC_TYPES else None
        data = self._static_cache.get(key) if key else None
        if data is None:
            try:
                data = msg.decode()
            except Exception:  # pyais raises many kinds on short or corrupt payloads
                self.counts["undecodable"] += 1
                return
            if key:
                if len(self._static_cache) >= 20_000:
                    self._static_cache.clear()
                self._static_cache[key] = data
        self._emit(data, ais_id, when, source, positions, statics)

    def _emit(
        self,
        data: Any,
        ais_id: int,
        when: float,
        source: str,
        positions: list[Position],
        statics: list[StaticReport],
    ) -> None:
        """Turn a message decoded by pyais into its reports."""
        ts = self._ts_cache.get(when) or self._ts(when)
        try:
            position = None
            if ais_id in POSITION_TYPES:
                position = self._position(
                    int(data.mmsi),
                    data.lon,
                    data.lat,
                    data.speed,
                    data.course,
                    511 if ais_id == 27 else data.heading,
                    0 if ais_id in (18, 19) else data.status,
                    ais_id,
                    ts,
                    source,
                )
            report = self._static(data, ais_id, ts, source) if ais_id in STATIC_TYPES else None
        except Exception:  # a field pyais could not give
            self.counts["undecodable"] += 1
            return
        if position is not None or report is not None:
            self._keep(position, report, positions, statics)

    def _ts(self, when: float) -> datetime:
        """The datetime of a unix time (kept: a station's reports share their seconds)."""
        if len(self._ts_cache) > 50_000:
            self._ts_cache.clear()
        ts = self._ts_cache[when] = _utc(when)
        return ts

    def _keep(
        self,
        position: Position | None,
        report: StaticReport | None,
        positions: list[Position],
        statics: list[StaticReport],
    ) -> None:
        """Keep a message's reports, unless its MMSI is not a vessel's."""
        counts = self.counts
        if not valid_mmsi((position or report).mmsi):  # type: ignore[union-attr]
            counts["invalid_mmsi"] += 1
            return
        if position is not None:
            counts["positions"] += 1
            positions.append(position)
        if report is not None:
            counts["static_reports"] += 1
            statics.append(report)

    def _position(
        self,
        mmsi: int,
        lon: float,
        lat: float,
        speed: float,
        course: float,
        heading: int,
        status: int,
        ais_id: int,
        ts: datetime,
        source: str,
    ) -> Position | None:
        """A Position from a report's raw values (AIS "not available" values to None), or
        None (counted) when it has no usable position."""
        if lon == 181.0 or lat == 91.0:
            self.counts["no_position"] += 1
            return None
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            self.counts["bad_position"] += 1
            return None
        hdg: int | None
        if ais_id == 27:
            sog = None if speed >= 63 else float(speed)
            cog = None if course >= 511 else float(course)
            hdg = None
        else:
            sog = None if speed >= 102.3 else speed
            cog = None if course >= 360.0 else course
            hdg = None if heading >= 360 else heading
        nav = None if ais_id >= 18 and ais_id != 27 else int(status)
        return Position(mmsi, ts, lon, lat, sog, cog, hdg, nav, ais_id, source)

    def _static(self, data: Any, ais_id: int, ts: datetime, source: str) -> StaticReport | None:
        mmsi = int(data.mmsi)
        if ais_id == 24:
            if data.partno == 0:
                return StaticReport(mmsi, ts, 24, source, name=_clean_text(data.shipname))
            return StaticReport(
                mmsi,
                ts,
                24,
                source,
                callsign=_clean_text(data.callsign),
                ship_type=int(data.ship_type),
                **_dimensions(data),
            )
        if ais_id == 19:
            return StaticReport(
                mmsi,
                ts,
                19,
                source,
                name=_clean_text(data.shipname),
                ship_type=int(data.ship_type),
                **_dimensions(data),
            )
        return StaticReport(
            mmsi,
            ts,
            5,
            source,
            imo=int(data.imo) or None,
            callsign=_clean_text(data.callsign),
            name=_clean_text(data.shipname),
            ship_type=int(data.ship_type),
            draught_m=float(data.draught) or None,
            destination=_clean_text(data.destination),
            **_dimensions(data),
        )


def _dimensions(data: Any) -> dict[str, Any]:
    return {
        "to_bow_m": int(data.to_bow) or None,
        "to_stern_m": int(data.to_stern) or None,
        "to_port_m": int(data.to_port) or None,
        "to_starboard_m": int(data.to_starboard) or None,
    }


def decode_lines(
    lines: Iterable[bytes], received_at: float = 0.0, default_source: str = ""
) -> tuple[list[Position], list[StaticReport], Counter[str]]:
    """Decode lines in one go (tests, small files): positions, static reports, counts."""
    decoder = AisDecoder(default_source)
    positions: list[Position] = []
    statics: list[StaticReport] = []
    decoder.decode_into(lines, received_at, positions, statics)
    decoder.close()
    return positions, statics, decoder.counts
