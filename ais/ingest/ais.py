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

Split as pyais splits it: `framing` (time prefixes, tag blocks, the block checksum),
`fragments` (the buffer of multi-sentence messages, a public API), `fastpath` (the common
single-sentence class A/B position report read straight from its payload,
`decode_position`, checked against pyais), `reports` (what messages become, the counters
as an enum) and this decoder, which ties them together in one lean loop. Payloads that are
not on the fast path are decoded by pyais (`decode()`, attribute access); message types that
are neither position nor static reports are counted and not decoded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pyais.exceptions import InvalidNMEAMessageException
from pyais.messages import NMEAMessage
from pyais.util import checksum

from core.ingest.text import has_control_bytes

from .fastpath import AIS_ALPHABET, CHANNELS, FAST_FIRST, SEQ_IDS, VDM_VDO, decode_position
from .fragments import (
    FRAGMENT_TIMEOUT_S,
    MAX_GROUPS_PER_SOURCE,
    MAX_OPEN_GROUPS,
    FragmentBuffer,
    GroupKey,
)
from .framing import MAX_LINE_BYTES, PREFIX_RE, TagInfo, parse_prefix_time, parse_tag, running_xor
from .reports import (
    POSITION_TYPES,
    STATIC_TYPES,
    VESSEL_MMSI_RANGES,
    Count,
    Position,
    Report,
    StaticReport,
    TimeWindow,
    clean_text,
    utc,
    valid_mmsi,
)

__all__ = [
    "FRAGMENT_TIMEOUT_S",
    "MAX_GROUPS_PER_SOURCE",
    "MAX_LINE_BYTES",
    "MAX_OPEN_GROUPS",
    "POSITION_TYPES",
    "STATIC_TYPES",
    "VESSEL_MMSI_RANGES",
    "AisDecoder",
    "Count",
    "GroupKey",
    "Position",
    "Report",
    "StaticReport",
    "TagInfo",
    "TimeWindow",
    "decode_lines",
    "valid_mmsi",
]

_DATETIME_MIN, _DATETIME_MAX = -62_135_596_800.0, 253_402_300_799.0  # years 1..9999
# The counters every message touches, as plain strings (the same keys as the enum's
# members): the hot loop looks them up as globals, not as enum attributes.
_MESSAGES = Count.MESSAGES.value
_POSITIONS = Count.POSITIONS.value
_STATIC_REPORTS = Count.STATIC_REPORTS.value


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
        self.window = window
        self.counts: Counter[str] = Counter()
        # Multi-sentence messages waiting for their other parts (a public API: tests and
        # the file reader's chunk ends look into it).
        self.fragments = FragmentBuffer(
            self.counts, fragment_timeout_s, max_open_groups, max_groups_per_source
        )
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
        add_fragment = self.fragments.add
        position_of, keep, ts_cache = self._position, self._keep, self._ts_cache
        fast = self.fast_path
        lo, hi = self.window.bounds(received_at) if self.window else (_DATETIME_MIN, _DATETIME_MAX)
        n = 0
        # The fast path's checksums for a whole block at once: `xors[i]` is the XOR of the
        # block's bytes 0..i, so a sentence's checksum is two lookups.
        xors = running_xor(lines) if fast and isinstance(lines, list) and len(lines) > 16 else None
        next_start = 0
        for raw in lines:
            line = raw
            line_start = next_start
            next_start += len(raw)
            n += 1
            if len(line) > MAX_LINE_BYTES:
                counts[Count.OVERLONG] += 1
                continue
            line = line.strip()
            if not line:
                counts[Count.BLANK] += 1
                continue
            msg_time: float | None = None
            source = self.default_source
            first = line[0]
            if first != 0x5C and first != 0x21:  # neither '\\' nor '!'
                match = PREFIX_RE.match(line)
                if match:
                    msg_time = parse_prefix_time(match["ts"])
                    line = line[match.end() :]
            if line[:1] == b"\\":
                end = line.find(b"\\", 1)
                if end < 0:
                    counts[Count.MALFORMED] += 1
                    continue
                raw_tag = line[1:end]
                line = line[end + 1 :]
                tag = tag_cache.get(raw_tag)
                if tag is None:
                    tag = self._parse_tag(raw_tag)
                refusal, tag_source, tag_time = tag
                if refusal == Count.CONTROL_CHARACTERS:
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
                counts[Count.OTHER_NMEA if line[:1] == b"$" else Count.GARBAGE] += 1
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
                    and (ais_id := FAST_FIRST.get(f[5][:1])) is not None
                    and f[6][:2] == b"0*"
                    and len(f[6]) == 4
                    and f[0][3:] in VDM_VDO
                    and len(f[0]) == 6
                    and f[3] in SEQ_IDS
                    and f[4] in CHANNELS
                    and f[0][1:3].isalpha()
                    and line.isascii()
                    and not f[5].translate(None, AIS_ALPHABET)
                    and f[6][2:].isalnum()
                    and int(f[6][2:], 16)
                    == (
                        checksum(line[1:-3])
                        if xors is None  # the sentence ends the line: from '!' to '*'
                        else xors[(e := line_start + len(raw.rstrip())) - 4] ^ xors[e - len(line)]
                    )
                ):
                    if not lo <= when <= hi:
                        counts[Count.BAD_TIME] += 1
                        continue
                    counts[_MESSAGES] += 1
                    mmsi, lon, lat, sog, cog, heading, status = decode_position(f[5], ais_id)
                    position = position_of(
                        mmsi,
                        lon,
                        lat,
                        sog,
                        cog,
                        heading,
                        status,
                        ais_id,
                        ts_cache.get(when) or self._ts(when),
                        source,
                    )
                    if position is not None:
                        keep(position, None, positions, statics)
                    continue
            if has_control_bytes(line):  # NUL or another control character: never data
                counts[Count.CONTROL_CHARACTERS] += 1
                continue
            try:
                sentence = NMEAMessage(line)
            except (InvalidNMEAMessageException, ValueError, IndexError, TypeError):
                counts[Count.MALFORMED] += 1
                continue
            if sentence.type != "VDM" and sentence.type != "VDO":
                counts[Count.OTHER_NMEA] += 1
                continue
            if not sentence.is_valid:
                counts[Count.BAD_CHECKSUM] += 1
                continue
            if not lo <= when <= hi:  # also refuses nan and infinities
                counts[Count.BAD_TIME] += 1
                continue
            if sentence.frag_cnt == 1:
                decode(sentence, when, source, positions, statics)
                continue
            done = add_fragment(sentence, when, source, received_at, chunk_head)
            if done is not None:
                decode(done[0], done[1], source, positions, statics)
        counts[Count.LINES] += n

    def _parse_tag(self, raw: bytes) -> TagInfo:
        """`framing.parse_tag`, cached: a station's tag repeats for every message it
        receives in the same second."""
        result = parse_tag(raw)
        if len(self._tag_cache) > 50_000:
            self._tag_cache.clear()
        self._tag_cache[raw] = result
        return result

    # -- multi-sentence messages ---------------------------------------------------------

    def expire(self, now: float) -> None:
        """Drop fragment groups older than the timeout (counted as `incomplete`)."""
        self.fragments.expire(now)

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
        if not len(self.fragments):
            return
        own = self.counts
        self.counts = self.fragments.counts = Counter()
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
                if wanted in {(k[1], k[2], k[3]) for k in self.fragments}:
                    self.decode_into((line,), received_at, positions, statics)
                if not len(self.fragments):
                    break
        finally:
            done, self.counts = self.counts, own
            self.fragments.counts = own
            for key in (
                Count.MESSAGES,
                Count.POSITIONS,
                Count.STATIC_REPORTS,
                Count.UNDECODABLE,
                Count.OTHER_TYPES,
                Count.NO_POSITION,
                Count.BAD_POSITION,
                Count.BAD_TIME,
                Count.INVALID_MMSI,
            ):
                own[key] += done[key]

    def close(self) -> None:
        """End of stream: fragments still open will never complete."""
        self.fragments.close()

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
        self.counts[_MESSAGES] += 1
        if ais_id not in POSITION_TYPES and ais_id not in STATIC_TYPES:
            self.counts[Count.OTHER_TYPES] += 1
            return
        # A vessel repeats its static report every few minutes, word for word, and pyais
        # decodes its text fields slowly: the same payload is decoded once.
        key = (msg.payload, msg.fill_bits) if ais_id in STATIC_TYPES else None
        data = self._static_cache.get(key) if key else None
        if data is None:
            try:
                data = msg.decode()
            except Exception:  # pyais raises many kinds on short or corrupt payloads
                self.counts[Count.UNDECODABLE] += 1
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
            self.counts[Count.UNDECODABLE] += 1
            return
        if position is not None or report is not None:
            self._keep(position, report, positions, statics)

    def _ts(self, when: float) -> datetime:
        """The datetime of a unix time (kept: a station's reports share their seconds)."""
        if len(self._ts_cache) > 50_000:
            self._ts_cache.clear()
        ts = self._ts_cache[when] = utc(when)
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
            counts[Count.INVALID_MMSI] += 1
            return
        if position is not None:
            counts[_POSITIONS] += 1
            positions.append(position)
        if report is not None:
            counts[_STATIC_REPORTS] += 1
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
            self.counts[Count.NO_POSITION] += 1
            return None
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            self.counts[Count.BAD_POSITION] += 1
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
                return StaticReport(mmsi, ts, 24, source, name=clean_text(data.shipname))
            return StaticReport(
                mmsi,
                ts,
                24,
                source,
                callsign=clean_text(data.callsign),
                ship_type=int(data.ship_type),
                **_dimensions(data),
            )
        if ais_id == 19:
            return StaticReport(
                mmsi,
                ts,
                19,
                source,
                name=clean_text(data.shipname),
                ship_type=int(data.ship_type),
                **_dimensions(data),
            )
        return StaticReport(
            mmsi,
            ts,
            5,
            source,
            imo=int(data.imo) or None,
            callsign=clean_text(data.callsign),
            name=clean_text(data.shipname),
            ship_type=int(data.ship_type),
            draught_m=float(data.draught) or None,
            destination=clean_text(data.destination),
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
