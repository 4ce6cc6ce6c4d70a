"""Decoded AIS archives (CSV): layouts recognised from the header, each row mapped onto the
same position and static reports as NMEA, with the same rules (vessel MMSIs only, "not
available" values to None, the time window, counts by reason). Pure (no Django).

Built-in layouts: NOAA MarineCadastre, the Danish Maritime Authority's, and the satellite
providers' decoded layout (Spire / exactEarth style). Any other CSV reads through a
`Layout` built from a column mapping the user saved once (`core.models.ColumnProfile`).

The decoder has the NMEA decoder's interface (`decode_into`, `counts`, `complete_open`,
`close`), so the pipeline, the writer and the summary are the same.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from core.ingest.text import has_control
from core.profiles import common_problems

from .reports import Count, Position, StaticReport, TimeWindow, clean_text, valid_mmsi

# What the CSV decoder counts beyond the NMEA decoder's kinds.
UNKNOWN_LAYOUT = "unknown_layout"
MIXED_LAYOUT = "mixed_layout"
SHORT_ROW = "short_row"

# The report fields a layout maps columns onto.
FIELDS = (
    "mmsi",
    "time",
    "lon",
    "lat",
    "sog",
    "cog",
    "heading",
    "nav_status",
    "msg_type",
    "class",
    "name",
    "imo",
    "callsign",
    "ship_type",
    "draught",
    "length",
    "width",
    "to_bow",
    "to_stern",
    "to_port",
    "to_starboard",
    "destination",
)
REQUIRED = ("mmsi", "time", "lon", "lat")

# ITU-R M.1371 navigational status, as the DMA writes it in words.
NAV_STATUS_WORDS = {
    "under way using engine": 0,
    "at anchor": 1,
    "not under command": 2,
    "restricted maneuverability": 3,
    "restricted manoeuverability": 3,
    "constrained by her draught": 4,
    "moored": 5,
    "aground": 6,
    "engaged in fishing": 7,
    "under way sailing": 8,
    "reserved for future amendment [hsc]": 9,
    "reserved for future amendment [wig]": 10,
    "power-driven vessel towing astern": 11,
    "power-driven vessel pushing ahead or towing alongside": 12,
    "reserved for future use": 13,
    "ais-sart": 14,
    "unknown value": 15,
    "undefined": 15,
}
# Ship types in words (DMA) to the ITU code of the type's first member.
SHIP_TYPE_WORDS = {
    "wig": 20,
    "fishing": 30,
    "towing": 31,
    "towing long/wide": 32,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "hsc": 40,
    "pilot": 50,
    "sar": 51,
    "tug": 52,
    "port tender": 53,
    "anti-pollution": 54,
    "law enforcement": 55,
    "medical": 58,
    "not party to conflict": 59,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
    "other": 90,
}
CLASS_WORDS = {"a": "A", "class a": "A", "b": "B", "class b": "B"}


def _float(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None  # NaN: not available


def _int(text: str) -> int | None:
    value = _float(text)
    return int(value) if value is not None else None


def _imo(text: str) -> int | None:
    digits = text.strip().upper().removeprefix("IMO").strip()
    return int(digits) if digits.isdigit() and 1_000_000 <= int(digits) <= 9_999_999 else None


def time_parser(fmt: str, utc_offset_h: float = 0.0) -> Callable[[str], datetime | None]:
    """A parser of a layout's times: `iso`, `epoch`, `epoch_ms` or a strptime format; times
    without a zone are at `utc_offset_h` (Beijing time: 8)."""
    zone = timezone(timedelta(hours=utc_offset_h)) if utc_offset_h else UTC

    def parse(text: str) -> datetime | None:
        text = text.strip()
        if not text:
            return None
        try:
            if fmt == "iso":
                ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
            elif fmt in ("epoch", "epoch_ms"):
                seconds = float(text) / (1000.0 if fmt == "epoch_ms" else 1.0)
                return datetime.fromtimestamp(seconds, UTC)
            else:
                ts = datetime.strptime(text, fmt)
        except (ValueError, OverflowError, OSError):
            return None
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=zone)
        return ts.astimezone(UTC)

    return parse


@dataclass(frozen=True)
class Layout:
    """How a CSV's columns map onto report fields. `columns`: field -> header (as written,
    compared without case or spaces at either end). `time_format`: see time_parser.
    `sog_unit`: `kn` or `kmh`. `words`: a layout writes statuses, types and classes in
    words (DMA). "Not available" may be blank or AIS's raw value (511 heading, 360 course,
    102.3 speed, 91/181 position): both read as None."""

    name: str
    columns: Mapping[str, str]
    time_format: str = "iso"
    utc_offset_h: float = 0.0
    sog_unit: str = "kn"
    words: bool = False
    delimiter: str = ","
    label: str = ""

    def missing(self) -> list[str]:
        return [f for f in REQUIRED if f not in self.columns]

    def matches(self, header: list[str]) -> bool:
        """Whether every mapped column is in the header."""
        names = {_norm(h) for h in header}
        return not self.missing() and all(_norm(c) in names for c in self.columns.values())


def _norm(name: str) -> str:
    return name.strip().lstrip("#").strip().lower()


NOAA = Layout(
    "noaa",
    {
        "mmsi": "MMSI",
        "time": "BaseDateTime",
        "lat": "LAT",
        "lon": "LON",
        "sog": "SOG",
        "cog": "COG",
        "heading": "Heading",
        "name": "VesselName",
        "imo": "IMO",
        "callsign": "CallSign",
        "ship_type": "VesselType",
        "nav_status": "Status",
        "length": "Length",
        "width": "Width",
        "draught": "Draft",
        "class": "TransceiverClass",
    },
    time_format="iso",
    label="NOAA MarineCadastre",
)
DMA = Layout(
    "dma",
    {
        "time": "# Timestamp",
        "class": "Type of mobile",
        "mmsi": "MMSI",
        "lat": "Latitude",
        "lon": "Longitude",
        "nav_status": "Navigational status",
        "sog": "SOG",
        "cog": "COG",
        "heading": "Heading",
        "imo": "IMO",
        "callsign": "Callsign",
        "name": "Name",
        "ship_type": "Ship type",
        "width": "Width",
        "length": "Length",
        "draught": "Draught",
        "destination": "Destination",
        "to_bow": "A",
        "to_stern": "B",
        "to_port": "C",
        "to_starboard": "D",
    },
    time_format="%d/%m/%Y %H:%M:%S",
    words=True,
    label="Danish Maritime Authority",
)
SATELLITE = Layout(
    "satellite",
    {
        "mmsi": "MMSI",
        "msg_type": "Message_ID",
        "time": "Time",
        "name": "Vessel_Name",
        "callsign": "Call_sign",
        "imo": "IMO",
        "ship_type": "Ship_Type",
        "destination": "Destination",
        "draught": "Draught",
        "to_bow": "Dimension_to_Bow",
        "to_stern": "Dimension_to_stern",
        "to_port": "Dimension_to_port",
        "to_starboard": "Dimension_to_starboard",
        "nav_status": "Navigational_status",
        "sog": "SOG",
        "lon": "Longitude",
        "lat": "Latitude",
        "cog": "COG",
        "heading": "Heading",
    },
    time_format="%Y%m%d_%H%M%S",
    label="satellite providers' decoded layout (Spire / exactEarth)",
)
BUILTIN = {layout.name: layout for layout in (NOAA, DMA, SATELLITE)}


TIME_FORMATS = ("iso", "epoch", "epoch_ms")


def check_mapping(mapping: Any) -> list[str]:
    """What is wrong with a saved column mapping (empty: it can be used). Each problem
    names its key."""
    problems, columns = common_problems(mapping, FIELDS, ("time_format",), TIME_FORMATS)
    if not columns:
        return problems
    missing = [f for f in REQUIRED if not columns.get(f)]
    if missing:
        problems.append(f"columns: {', '.join(missing)} must be mapped")
    offset = mapping.get("utc_offset_h", 0)
    if not isinstance(offset, (int, float)) or not -12 <= offset <= 14:
        problems.append(
            "utc_offset_h: hours from UTC of times written without a zone, -12 to 14 (Beijing: 8)"
        )
    if mapping.get("sog_unit", "kn") not in ("kn", "kmh"):
        problems.append("sog_unit: kn or kmh")
    return problems


def layout_from_profile(name: str, mapping: Mapping[str, Any]) -> Layout:
    """A Layout from a saved profile's mapping: field -> column, plus `time_format`,
    `utc_offset_h`, `sog_unit`, `delimiter` (checked by `check_mapping` before it is saved)."""
    columns = {k: str(v) for k, v in mapping.get("columns", {}).items() if k in FIELDS and v}
    return Layout(
        name,
        columns,
        time_format=str(mapping.get("time_format") or "iso"),
        utc_offset_h=float(mapping.get("utc_offset_h") or 0.0),
        sog_unit=str(mapping.get("sog_unit") or "kn"),
        words=bool(mapping.get("words", False)),
        delimiter=str(mapping.get("delimiter") or ","),
        label=str(mapping.get("label") or name),
    )


def detect(header: list[str], layouts: Iterable[Layout]) -> Layout | None:
    """The layout a header is written in: the one that maps the most of its columns."""
    found = [layout for layout in layouts if layout.matches(header)]
    return max(found, key=lambda layout: len(layout.columns)) if found else None


def decode_text(raw: bytes) -> str:
    """A line's text: UTF-8 (with or without BOM), else GB18030 (Chinese exports)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


class CsvDecoder:
    """Rows of a decoded archive to reports. The first line is the header: the layout is
    the one given, or the one the header is written in (`layouts`, built-ins first); a
    header of no known layout counts every row `unknown_layout`. A second header of another
    layout in the same file (files concatenated) counts the rows after it `mixed_layout`.
    Static data is emitted when a vessel's differs from the last seen in the file."""

    def __init__(
        self,
        default_source: str = "",
        window: TimeWindow | None = None,
        layout: Layout | None = None,
        layouts: Iterable[Layout] = (),
    ):
        self.source = default_source
        self.window = window
        self.forced = layout
        self.layouts = [*BUILTIN.values(), *layouts]
        self.layout: Layout | None = None
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []
        self._index: dict[str, int] = {}
        self._width = 0
        self._header: list[str] | None = None
        self._mixed = False
        self._statics: dict[int, tuple[Any, ...]] = {}
        self._parse_time: Callable[[str], datetime | None] = time_parser("iso")
        self._line = 0

    # -- the header ----------------------------------------------------------------------
    def _read_header(self, cells: list[str]) -> None:
        self._header = cells
        layout = self.forced if self.forced is not None else detect(cells, self.layouts)
        if layout is None or not layout.matches(cells):
            self.problems.append(
                f"the header matches no layout ({', '.join(cells[:8])}...): name one with "
                "--layout, or save a column mapping"
            )
            return
        self.layout = layout
        names = [_norm(c) for c in cells]
        self._index = {f: names.index(_norm(col)) for f, col in layout.columns.items()}
        self._width = len(cells)
        self._parse_time = time_parser(layout.time_format, layout.utc_offset_h)

    def decode_into(
        self,
        lines: Iterable[bytes],
        received_at: float,
        positions: list[Position],
        statics: list[StaticReport],
        chunk_head: bool = False,
        byte_offset: int | None = None,
    ) -> None:
        counts = self.counts
        lo_hi = self.window.bounds(received_at) if self.window else None
        texts = [decode_text(raw).rstrip("\r\n") for raw in lines]
        start = 0
        if self._header is None:  # the header first: it says the delimiter
            for i, text in enumerate(texts):
                self._line += 1
                counts[Count.LINES] += 1
                start = i + 1
                if text.strip():
                    try:
                        cells = next(csv.reader([text], delimiter=_sniff(text)))
                    except csv.Error:
                        counts[Count.MALFORMED] += 1
                        continue
                    self._read_header(cells)
                    break
                counts[Count.BLANK] += 1
        delimiter = self.layout.delimiter if self.layout else ","
        rest = texts[start:]
        while rest:
            # One reader over the block (a reader per line costs twice the time); a line
            # the csv module refuses is counted and the reader starts again after it.
            reader = csv.reader(rest, delimiter=delimiter)
            done = 0
            try:
                for cells in reader:
                    done = reader.line_num
                    self._line += 1
                    counts[Count.LINES] += 1
                    self._take(cells, lo_hi, positions, statics)
            except csv.Error:
                done = reader.line_num
                self._line += 1
                counts[Count.LINES] += 1
                counts[Count.MALFORMED] += 1
            rest = rest[done:] if done < len(rest) else []

    def _take(
        self,
        cells: list[str],
        lo_hi: tuple[float, float] | None,
        positions: list[Position],
        statics: list[StaticReport],
    ) -> None:
        counts = self.counts
        if not cells or not any(c.strip() for c in cells):
            counts[Count.BLANK] += 1
            return
        if has_control("".join(cells)):  # core.ingest.text: never stored, counted
            counts[Count.CONTROL_CHARACTERS] += 1
            return
        if self.layout is None:
            counts[UNKNOWN_LAYOUT] += 1
            return
        if self._mixed:
            counts[MIXED_LAYOUT] += 1
            return
        if len(cells) < self._width or not cells[self._index["mmsi"]].strip().isdigit():
            # Not a data row of this layout: the same header again (files joined), a
            # header of another layout (the rest refused), or a short or broken row.
            if cells == self._header:
                return
            if self._is_header(cells):
                self._mixed = True
                self.problems.append(
                    f"line {self._line}: a header of another layout: the rows after it are "
                    "refused (one layout per file)"
                )
                return
            if len(cells) < self._width:
                counts[SHORT_ROW] += 1
                return
        self._row(cells, lo_hi, positions, statics)

    def _is_header(self, cells: list[str]) -> bool:
        """A line that is the header of a known layout (another file joined to this one)."""
        return any(layout.matches(cells) for layout in self.layouts)

    def _cell(self, cells: list[str], name: str) -> str:
        i = self._index.get(name)
        return cells[i] if i is not None else ""

    def _row(
        self,
        cells: list[str],
        lo_hi: tuple[float, float] | None,
        positions: list[Position],
        statics: list[StaticReport],
    ) -> None:
        counts = self.counts
        layout = self.layout
        assert layout is not None
        cell = self._cell
        counts[Count.MESSAGES] += 1
        mmsi = _int(cell(cells, "mmsi"))
        if mmsi is None or not valid_mmsi(mmsi):
            counts[Count.INVALID_MMSI] += 1
            return
        ts = self._parse_time(cell(cells, "time"))
        if ts is None:
            counts[Count.BAD_TIME] += 1
            return
        if lo_hi is not None and not (lo_hi[0] <= ts.timestamp() <= lo_hi[1]):
            counts[Count.BAD_TIME] += 1
            return
        msg_type = _int(cell(cells, "msg_type")) if "msg_type" in layout.columns else None
        class_text = cell(cells, "class").strip().lower()
        klass = CLASS_WORDS.get(class_text, "")
        if class_text and not klass:
            counts[Count.OTHER_TYPES] += 1  # a base station, an aid to navigation...
            return
        if msg_type is None:
            msg_type = 18 if klass == "B" else 1
        has_position = msg_type in (1, 2, 3, 18, 19, 27)
        if has_position:
            position = self._position(cells, mmsi, ts, msg_type)
            if position is not None:
                counts[Count.POSITIONS] += 1
                positions.append(position)
        static = self._static(cells, mmsi, ts, msg_type, klass)
        if static is not None:
            counts[Count.STATIC_REPORTS] += 1
            statics.append(static)
        elif not has_position:
            counts[Count.OTHER_TYPES] += 1

    def _position(
        self, cells: list[str], mmsi: int, ts: datetime, msg_type: int
    ) -> Position | None:
        layout = self.layout
        assert layout is not None
        cell = self._cell
        lon, lat = _float(cell(cells, "lon")), _float(cell(cells, "lat"))
        if lon is None or lat is None or lon == 181.0 or lat == 91.0:
            self.counts[Count.NO_POSITION] += 1
            return None
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            self.counts[Count.BAD_POSITION] += 1
            return None
        sog = _float(cell(cells, "sog"))
        if sog is not None and layout.sog_unit == "kmh":
            sog = sog / 1.852
        if sog is not None and (sog >= 102.3 or sog < 0):
            sog = None
        cog = _float(cell(cells, "cog"))
        if cog is not None and not (0.0 <= cog < 360.0):
            cog = None
        heading = _int(cell(cells, "heading"))
        if heading is not None and not (0 <= heading < 360):
            heading = None
        status_text = cell(cells, "nav_status").strip()
        status: int | None
        status = NAV_STATUS_WORDS.get(status_text.lower()) if layout.words else _int(status_text)
        if status is not None and not (0 <= status <= 15):
            status = None
        if msg_type in (18, 19):
            status = None  # class B reports carry none
        return Position(mmsi, ts, lon, lat, sog, cog, heading, status, msg_type, self.source)

    def _static(
        self, cells: list[str], mmsi: int, ts: datetime, msg_type: int, klass: str
    ) -> StaticReport | None:
        layout = self.layout
        assert layout is not None
        cell = self._cell
        name = clean_text(cell(cells, "name"))
        imo = _imo(cell(cells, "imo"))
        callsign = clean_text(cell(cells, "callsign"))
        type_text = cell(cells, "ship_type").strip()
        ship_type = SHIP_TYPE_WORDS.get(type_text.lower()) if layout.words else _int(type_text)
        if ship_type is not None and not (0 < ship_type < 100):
            ship_type = None
        draught = _float(cell(cells, "draught"))
        if draught is not None and not (0 < draught < 25.5):
            draught = None
        dims = [_int(cell(cells, f)) for f in ("to_bow", "to_stern", "to_port", "to_starboard")]
        length, width = _float(cell(cells, "length")), _float(cell(cells, "width"))
        if all(d is None for d in dims) and (length or width):
            # Only the overall size: the antenna's place is unknown; put it mid-ship.
            half_l = int(length / 2) if length else None
            half_w = int(width / 2) if width else None
            dims = [
                half_l,
                int(length) - half_l if length and half_l is not None else None,
                half_w,
                int(width) - half_w if width and half_w is not None else None,
            ]
        dims = [d if d is not None and 0 < d < 512 else None for d in dims]
        destination = clean_text(cell(cells, "destination"))
        values = (name, imo, callsign, ship_type, *dims, draught, destination)
        if all(v is None for v in values):
            return None
        if self._statics.get(mmsi) == values:
            return None  # the same static data as this vessel's last row: once is enough
        self._statics[mmsi] = values
        static_type = msg_type if msg_type in (5, 19, 24) else (24 if klass == "B" else 5)
        return StaticReport(
            mmsi,
            ts,
            static_type,
            self.source,
            imo=imo,
            callsign=callsign,
            name=name,
            ship_type=ship_type,
            to_bow_m=dims[0],
            to_stern_m=dims[1],
            to_port_m=dims[2],
            to_starboard_m=dims[3],
            draught_m=draught,
            destination=destination,
        )

    def complete_open(
        self, tail: Iterable[bytes], now: float, positions: Any, statics: Any
    ) -> None:
        """Nothing is left open between rows (the NMEA decoder's multi-part messages)."""

    def close(self) -> None:
        if self._header is None:
            return
        if self.layout is None and self.counts[UNKNOWN_LAYOUT]:
            self.problems.append(f"{self.counts[UNKNOWN_LAYOUT]:,} rows of an unknown layout")


def _sniff(text: str) -> str:
    """The delimiter of a header line: the commonest of , ; tab |."""
    return max(",;\t|", key=text.count)


def looks_like_nmea(first_line: bytes) -> bool:
    """Whether a file's first line is NMEA (or a tag block), not a CSV header."""
    return first_line.lstrip()[:1] in (b"!", b"\\", b"$")
