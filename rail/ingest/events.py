"""Rail events as feeds send them: one JSON object per line, or one CSV row, checked one by
one (pure: no Django). A bad event is refused with a reason and its line; the others go on.

An event is either a **train event** (a train's arrival, departure or pass at a location, or
a cancellation, reinstatement or change of origin) or a **container event** (a container
loaded on or discharged from a train or a vessel, gated in or out at a node): DCSA Track &
Trace equipment events map onto the latter. See README "Rail" for the mapping from TAF/TAP
TSI Train Running Information, UK TRUST and GTFS-Realtime.

Times are ISO 8601. A time with an offset is taken as is; a time without one is local time in
the event's `tz` (an IANA zone; the default is Asia/Shanghai, the time China's railways keep).
All times come out in UTC; the zone is kept.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.ingest.text import REASON, first_control, visible

DEFAULT_TZ = "Asia/Shanghai"
MAX_LINE = 64 * 1024
MAX_AHEAD = timedelta(days=400)  # booked times may be a year ahead; nothing further
EARLIEST = datetime(2015, 1, 1, tzinfo=UTC)

TRAIN_EVENTS = ("arrival", "departure", "pass", "cancellation", "reinstatement", "origin_change")
CONTAINER_EVENTS = ("load", "discharge", "gate_in", "gate_out")
CLASSIFIERS = ("planned", "estimated", "actual")
SERVICE_TYPES = ("sea_rail", "international", "domestic_block")
SCHEMES = ("node", "station", "unlocode")
CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
TRAIN_NO_RE = re.compile(r"^[A-Za-z0-9_\-/]{1,24}$")
CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
UIC_CAUSE_RE = re.compile(r"^[0-9]{2}$")
CSV_LIST_SEP = " "


class EventError(ValueError):
    """A refused event: `reason` is a short code-like phrase, `detail` the specifics."""

    def __init__(self, reason: str, detail: str = "", field_name: str | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.field = field_name


@dataclass(frozen=True)
class Location:
    scheme: str  # node, station, unlocode
    code: str


@dataclass(frozen=True)
class TrainEvent:
    line: int
    train_no: str
    service_date: date
    location: Location
    event: str
    classifier: str
    actual: datetime | None
    booked: datetime | None
    original: datetime | None
    tz: str
    service_type: str | None = None
    origin: Location | None = None
    destination: Location | None = None
    route: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    delay_cause: str = ""
    wagons: int | None = None
    teu: int | None = None
    containers: tuple[str, ...] = ()
    source: str = ""
    message_id: str = ""
    revision: int = 0
    retract: bool = False

    @property
    def time(self) -> datetime | None:
        """The event's best time: actual, else booked, else original plan."""
        return self.actual or self.booked or self.original


@dataclass(frozen=True)
class ContainerEvent:
    line: int
    container: str
    event: str
    location: Location
    at: datetime
    tz: str
    train_no: str = ""
    service_date: date | None = None
    vessel_mmsi: int | None = None
    source: str = ""
    message_id: str = ""
    retract: bool = False


@dataclass(frozen=True)
class Refusal:
    line: int
    reason: str
    detail: str
    field: str | None = None
    message_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "reason": self.reason,
            "detail": self.detail,
            "field": self.field,
            "message_id": self.message_id,
        }


Parsed = TrainEvent | ContainerEvent


# -- ISO 6346 ----------------------------------------------------------------------------
def _letter_values() -> dict[str, int]:
    values, n = {}, 10
    for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if n % 11 == 0:
            n += 1
        values[ch] = n
        n += 1
    return values


LETTERS = _letter_values()


def check_digit(owner_serial: str) -> int:
    """ISO 6346 check digit of the first 10 characters of a container number."""
    total = 0
    for i, ch in enumerate(owner_serial[:10]):
        value = LETTERS[ch] if ch.isalpha() else int(ch)
        total += value * (2**i)
    return total % 11 % 10


def valid_container(number: str) -> bool:
    return bool(CONTAINER_RE.match(number)) and check_digit(number) == int(number[10])


def container_number(prefix: str, serial: int) -> str:
    """A valid ISO 6346 number from an owner code + category (4 letters) and a serial."""
    body = f"{prefix}{serial % 10**6:06d}"
    return body + str(check_digit(body))


# -- fields ------------------------------------------------------------------------------
def _text(obj: dict[str, Any], name: str, required: bool = False, max_len: int = 64) -> str:
    value = obj.get(name)
    if value is None or value == "":
        if required:
            raise EventError("missing field", name, name)
        return ""
    if not isinstance(value, str | int):
        raise EventError("bad value", f"{name} must be text", name)
    text = str(value).strip()
    if len(text) > max_len:
        raise EventError("bad value", f"{name} is longer than {max_len} characters", name)
    return text


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise EventError("bad time zone", name, "tz") from exc


def parse_time(raw: Any, tz: ZoneInfo, name: str, now: datetime) -> datetime | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str) or len(raw) > 40:
        raise EventError("bad time", f"{name} must be an ISO 8601 text", name)
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise EventError("bad time", f"{name}={raw!r}", name) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    value = value.astimezone(UTC)
    if value > now + MAX_AHEAD:
        raise EventError("time in the far future", f"{name}={raw}", name)
    if value < EARLIEST:
        raise EventError("time in the far past", f"{name}={raw}", name)
    return value


def _location(raw: Any, name: str) -> Location:
    if isinstance(raw, dict):
        scheme = str(raw.get("scheme") or "node")
        code = raw.get("code")
    elif isinstance(raw, str) and ":" in raw:
        scheme, code = raw.split(":", 1)
    else:
        scheme, code = "node", raw
    if scheme not in SCHEMES:
        raise EventError("unknown location scheme", str(scheme)[:32], name)
    if not isinstance(code, str) or not CODE_RE.match(code.strip()):
        raise EventError("bad location code", str(code)[:40], name)
    code = code.strip()
    return Location(scheme, code.upper() if scheme != "station" else code)


def _int(raw: Any, name: str, low: int, high: int) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError) as exc:
        raise EventError("bad value", f"{name} must be a whole number", name) from exc
    if isinstance(raw, float) and raw != value:
        raise EventError("bad value", f"{name} must be a whole number", name)
    if not low <= value <= high:
        raise EventError("bad value", f"{name} must be between {low} and {high}", name)
    return value


def _bool(raw: Any) -> bool:
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "yes", "y"}
    return bool(raw)


def _containers(raw: Any) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    items = raw.split() if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or len(items) > 500:
        raise EventError("bad value", "containers must be a list (at most 500)", "containers")
    numbers = []
    for item in items:
        number = str(item).strip().upper()
        if not valid_container(number):
            raise EventError("bad container number", number[:20], "containers")
        numbers.append(number)
    return tuple(dict.fromkeys(numbers))


def _service_date(raw: Any) -> date:
    if not isinstance(raw, str):
        raise EventError("missing field", "service_date", "service_date")
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise EventError("bad value", f"service_date={raw[:20]!r}", "service_date") from exc
    if not EARLIEST.date() <= value <= (datetime.now(UTC) + MAX_AHEAD).date():
        raise EventError("bad value", f"service_date={raw} out of range", "service_date")
    return value


def parse_event(obj: Any, line: int, now: datetime | None = None) -> Parsed:
    """One event from a decoded JSON object (or a CSV row as a dict); EventError if bad."""
    if not isinstance(obj, dict):
        raise EventError("not an object", type(obj).__name__)
    if refused := first_control(obj):  # any field, key or nested value (core.ingest.text)
        raise EventError(REASON, refused[1], refused[0].split(".")[0] or None)
    now = now or datetime.now(UTC)
    tz_name = _text(obj, "tz", max_len=40) or DEFAULT_TZ
    tz = _zone(tz_name)
    event = _text(obj, "event", required=True)
    source = _text(obj, "source")
    message_id = _text(obj, "message_id")
    retract = _bool(obj.get("retract"))
    if event in CONTAINER_EVENTS:
        number = _text(obj, "container", required=True).upper()
        if not valid_container(number):
            raise EventError("bad container number", number[:20], "container")
        at = parse_time(obj.get("at") or obj.get("actual"), tz, "at", now)
        if at is None:
            raise EventError("missing field", "at", "at")
        train_no = _text(obj, "train")
        mmsi = _int(obj.get("vessel_mmsi"), "vessel_mmsi", 200_000_000, 799_999_999)
        if event in ("load", "discharge") and not (train_no or mmsi):
            raise EventError("missing field", "a train or a vessel_mmsi", "train")
        return ContainerEvent(
            line=line,
            container=number,
            event=event,
            location=_location(obj.get("location"), "location"),
            at=at,
            tz=tz_name,
            train_no=train_no,
            service_date=_service_date(obj.get("service_date")) if train_no else None,
            vessel_mmsi=mmsi,
            source=source,
            message_id=message_id,
            retract=retract,
        )
    if event not in TRAIN_EVENTS:
        raise EventError("unknown event", event[:32], "event")
    train_no = _text(obj, "train", required=True)
    if not TRAIN_NO_RE.match(train_no):
        raise EventError("bad train number", train_no[:24], "train")
    classifier = _text(obj, "classifier") or ("actual" if obj.get("actual") else "planned")
    if classifier not in CLASSIFIERS:
        raise EventError("unknown classifier", classifier[:32], "classifier")
    actual = parse_time(obj.get("actual"), tz, "actual", now)
    booked = parse_time(obj.get("booked"), tz, "booked", now)
    original = parse_time(obj.get("original"), tz, "original", now)
    if classifier == "actual" and event in ("arrival", "departure", "pass") and actual is None:
        raise EventError("missing field", "actual (the classifier says actual)", "actual")
    if actual and actual > now + timedelta(minutes=10) and classifier == "actual":
        raise EventError("time in the future", f"an actual time after now: {actual}", "actual")
    if event in ("arrival", "departure", "pass") and not (actual or booked or original):
        raise EventError("missing field", "a time (actual, booked or original)", "actual")
    service_type = _text(obj, "service_type") or None
    if service_type and service_type not in SERVICE_TYPES:
        raise EventError("unknown service type", service_type[:32], "service_type")
    cause = _text(obj, "delay_cause")
    if cause and not UIC_CAUSE_RE.match(cause):
        raise EventError("bad delay cause", f"{cause[:8]} (a UIC 450-2 code, two digits)")
    external = obj.get("external_ids") or {}
    if not isinstance(external, dict) or len(external) > 10:
        raise EventError("bad value", "external_ids must be an object", "external_ids")
    return TrainEvent(
        line=line,
        train_no=train_no,
        service_date=_service_date(obj.get("service_date")),
        location=_location(obj.get("location"), "location"),
        event=event,
        classifier=classifier,
        actual=actual,
        booked=booked,
        original=original,
        tz=tz_name,
        service_type=service_type,
        origin=_location(obj["origin"], "origin") if obj.get("origin") else None,
        destination=_location(obj["destination"], "destination")
        if obj.get("destination")
        else None,
        route=_text(obj, "route", max_len=16) or None,
        external_ids={str(k)[:32]: str(v)[:64] for k, v in external.items()},
        delay_cause=cause,
        wagons=_int(obj.get("wagons"), "wagons", 0, 200),
        teu=_int(obj.get("teu"), "teu", 0, 1000),
        containers=_containers(obj.get("containers")),
        source=source,
        message_id=message_id,
        revision=_int(obj.get("revision"), "revision", 0, 1_000_000) or 0,
        retract=retract,
    )


def _refusal(exc: EventError, line: int, obj: Any) -> Refusal:
    msg = visible(str(obj.get("message_id", ""))[:64]) if isinstance(obj, dict) else ""
    return Refusal(line, exc.reason, visible(exc.detail), exc.field, msg)


def parse_objects(
    objects: Iterable[Any], now: datetime | None = None, first_line: int = 1
) -> tuple[list[Parsed], list[Refusal]]:
    """Events and refusals of already decoded objects (the API's batch)."""
    events: list[Parsed] = []
    refused: list[Refusal] = []
    for i, obj in enumerate(objects, start=first_line):
        try:
            events.append(parse_event(obj, i, now))
        except EventError as exc:
            refused.append(_refusal(exc, i, obj))
    return events, refused


def iter_jsonl(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line number, decoded object or an EventError) of JSON lines; blank lines skipped."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            yield n, EventError("line too long", f"more than {MAX_LINE} characters")
            continue
        try:
            yield n, json.loads(line)
        except ValueError as exc:
            yield n, EventError("malformed JSON", str(exc)[:80])


def iter_csv(text: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line number, row dict) of a CSV with a header; `location` etc. as `scheme:code`."""
    reader = csv.DictReader(text)
    for row in reader:
        if None in row:
            yield reader.line_num, EventError("malformed CSV row", "more fields than columns")
            continue
        yield reader.line_num, {k.strip(): v for k, v in row.items() if k and v not in ("", None)}


def parse_stream(
    numbered: Iterable[tuple[int, Any]], now: datetime | None = None
) -> Iterator[Parsed | Refusal]:
    for n, obj in numbered:
        if isinstance(obj, EventError):
            yield Refusal(n, obj.reason, obj.detail)
            continue
        try:
            yield parse_event(obj, n, now)
        except EventError as exc:
            yield _refusal(exc, n, obj)


def read_text(data: bytes | str, name: str) -> Iterator[tuple[int, Any]]:
    """Numbered objects of a file's content: CSV when the name ends in .csv, else JSON lines."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    handle = io.StringIO(text)
    return iter_csv(handle) if name.lower().endswith(".csv") else iter_jsonl(handle)
