"""DCSA Track & Trace events (versions 2.2 and 3.0), as carriers and terminals publish them:
read, checked against the specification's own schemas, and reduced to what the corridor
needs (pure: no Django).

The specifications (`data/standards/dcsa/`, Apache 2.0) are OpenAPI 3.0 documents; their
schemas are read as JSON Schema draft 4 with OpenAPI's `nullable` turned into a null type.
An event that fails its schema is refused with the JSON path of the field and the schema's
reason; one that passes is read into a `TntEvent`:

- version 2.2: `eventType` EQUIPMENT / TRANSPORT / SHIPMENT, each its own schema
  (`equipmentEvent`, `transportEvent`, `shipmentEvent`); its version time is
  `eventCreatedDateTime` (2.2 has no update time: a correction is a new creation);
- version 3.0: one `Event` schema, `eventClassification.eventTypeCode` saying the kind;
  its version time is `eventUpdatedDateTime`, and `isRetracted` withdraws the event.

Both: an event is known by its id (with 3.0's originating party); a version older than the
one held, or the same one again, changes nothing (the store's rule). Times must carry a UTC
offset (the specification's date-time); they come out in UTC.

The push model of 2.2 signs each callback: `Notification-Signature: sha256=<hex>`, the
HMAC-SHA256 of the request body with the subscription's shared secret (Base64 in the
subscription; the HMAC key is its decoded bytes). `signature_ok` checks it in constant time.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.ingest.text import REASON, first_control, visible

from .events import CONTAINER_RE, EventError, Refusal, valid_container
from .events import parse_time as event_time

if TYPE_CHECKING:
    from jsonschema import Draft4Validator

VERSIONS = {"2.2": "TNT_v2.2.0.yaml", "3.0": "TNT_v3.0.0.yaml"}
V2_SCHEMAS = {
    "EQUIPMENT": "equipmentEvent",
    "TRANSPORT": "transportEvent",
    "SHIPMENT": "shipmentEvent",
}
MAX_EVENTS = 10_000  # in one file part, page or callback
MAX_BODY = 32 * 2**20
CLASSIFIERS = {"PLN": "planned", "EST": "estimated", "ACT": "actual"}
EQUIPMENT_USED = {"LOAD": "load", "DISC": "discharge", "GTIN": "gate_in", "GTOT": "gate_out"}
TRANSPORT_USED = {"ARRI": "arrival", "DEPA": "departure"}


def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0's schema dialect as JSON Schema draft 4: `nullable: true` adds the null
    type (also to an enum); the other OpenAPI words (example, discriminator, deprecated,
    format) are annotations draft 4 ignores."""
    if isinstance(node, dict):
        out = {k: _openapi_to_jsonschema(v) for k, v in node.items()}
        if out.pop("nullable", False) is True:
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = [*types, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        return out
    if isinstance(node, list):
        return [_openapi_to_jsonschema(v) for v in node]
    return node


class Spec:
    """One version's specification: its schemas as validators."""

    def __init__(self, version: str, document: dict[str, Any]):
        from referencing import Registry  # imported when a feed is read
        from referencing.jsonschema import DRAFT4

        self.version = version
        self.document = document
        uri = f"urn:dcsa:tnt:{version}"
        resource = DRAFT4.create_resource(_openapi_to_jsonschema(document))
        self._registry = Registry().with_resource(uri, resource)
        self._uri = uri
        self._validators: dict[str, Draft4Validator] = {}

    def validator(self, schema: str) -> Draft4Validator:
        from jsonschema import Draft4Validator

        if schema not in self._validators:
            ref = {"$ref": f"{self._uri}#/components/schemas/{schema}"}
            self._validators[schema] = Draft4Validator(ref, registry=self._registry)
        return self._validators[schema]

    def problems(self, obj: Any, schema: str) -> list[tuple[str, str]]:
        """(JSON path, reason) of every way `obj` fails `schema`, deepest first."""
        errors = sorted(
            self.validator(schema).iter_errors(obj), key=lambda e: (-len(e.path), e.json_path)
        )
        return [(e.json_path, _reason(e.message)) for e in errors]


def _reason(message: str) -> str:
    return visible(message if len(message) <= 160 else message[:157] + "...")


def load_specs(folder: Path) -> dict[str, Spec]:
    """Both versions' specifications from `folder` (YAML)."""
    import yaml  # only here: the parser's other users need no YAML

    return {
        version: Spec(version, yaml.safe_load((folder / name).read_text(encoding="utf-8")))
        for version, name in VERSIONS.items()
    }


@dataclass(frozen=True)
class Facility:
    provider: str  # SMDG or BIC
    code: str


@dataclass(frozen=True)
class TntEvent:
    """What the corridor reads of one event. `kind` is equipment, transport, shipment (or
    3.0's iot and reefer); `code` its type code (LOAD, ARRI, ...); `at` the event's time in
    UTC; `updated` its version time; `party` the originating party (3.0), else ""."""

    index: int
    version: str
    event_id: str
    party: str
    updated: datetime
    retracted: bool
    kind: str
    code: str
    classifier: str  # planned, estimated, actual ("" when retracted)
    at: datetime | None
    unlocode: str = ""
    facility: Facility | None = None
    facility_type: str = ""
    location_name: str = ""
    mode: str = ""  # VESSEL, RAIL, TRUCK, BARGE, MULTIMODAL
    vessel_imo: int | None = None
    vessel_name: str = ""
    voyage: str = ""
    train: str = ""  # a rail transport call's service reference or departure id
    transport_call: str = ""
    container: str = ""
    empty: str = ""  # EMPTY or LADEN
    delay_reasons: tuple[str, ...] = ()
    body: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.party, self.event_id)


def version_of(obj: dict[str, Any], default: str | None = None) -> str:
    """3.0 when the event classifies itself the 3.0 way, 2.2 when it has 2.2's eventType."""
    if "eventClassification" in obj or "eventUpdatedDateTime" in obj or "isRetracted" in obj:
        return "3.0"
    if "eventType" in obj:
        return "2.2"
    if default:
        return default
    raise EventError("unknown version", "neither eventType (2.2) nor eventClassification (3.0)")


def parse_time(raw: Any, name: str, now: datetime) -> datetime:
    """A DCSA date-time: ISO 8601 with its UTC offset (the specification's date-time), in
    range (the rail feeds' rule, rail.ingest.events.parse_time); in UTC."""
    if not isinstance(raw, str) or not raw.strip():
        raise EventError("missing field", name, name)
    text = raw.strip()
    try:
        local = datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo is None
    except ValueError as exc:
        raise EventError("bad time", f"{name}={text[:40]!r} is not an ISO 8601 time", name) from exc
    if local:
        raise EventError("bad time", f"{name}={text[:40]!r} has no UTC offset", name)
    value = event_time(text, ZoneInfo("UTC"), name, now)
    assert value is not None
    return value


def _imo(raw: Any, name: str) -> int | None:
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not text.isdigit() or not 1_000_000 <= int(text) <= 9_999_999:
        raise EventError("bad IMO number", f"{text[:12]!r} (seven digits)", name)
    digits = [int(c) for c in text.zfill(7)]
    check = sum(d * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10
    if check != digits[6]:
        raise EventError("bad IMO number", f"{text} (check digit)", name)
    return int(text)


def _get(obj: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _text(obj: Any, *path: str) -> str:
    value = _get(obj, *path)
    return value.strip() if isinstance(value, str) else ""


def _facility(location: Any) -> Facility | None:
    """2.2 has the facility's code and provider on the location; 3.0 in `facility`."""
    code = _text(location, "facilityCode") or _text(location, "facility", "facilityCode")
    provider = _text(location, "facilityCodeListProvider") or _text(
        location, "facility", "facilityCodeListProvider"
    )
    return Facility(provider.upper(), code.upper()) if code else None


def _v2(obj: dict[str, Any], index: int, spec: Spec, now: datetime) -> TntEvent:
    kind = obj.get("eventType")
    if kind not in V2_SCHEMAS:
        raise EventError("unknown event type", str(kind)[:20], "eventType")
    for path, why in spec.problems(obj, V2_SCHEMAS[kind]):
        raise EventError("fails the DCSA 2.2 schema", why, path)
    kinds = {"EQUIPMENT": "equipmentEventTypeCode", "TRANSPORT": "transportEventTypeCode"}
    code = _text(obj, kinds.get(kind, "shipmentEventTypeCode"))
    call = obj.get("transportCall") or {}
    location = obj.get("eventLocation") or call.get("location") or {}
    unlocode = _text(location, "UNLocationCode") or _text(call, "UNLocationCode")
    facility = _facility(location) or _facility(call)
    mode = _text(call, "modeOfTransport")
    voyage = (
        _text(call, "exportVoyageNumber")
        or _text(call, "carrierVoyageNumber")
        or _text(call, "importVoyageNumber")
    )
    created = parse_time(obj.get("eventCreatedDateTime"), "eventCreatedDateTime", now)
    return TntEvent(
        index=index,
        version="2.2",
        event_id=_text(obj, "eventID"),
        party="",
        updated=created,
        retracted=False,
        kind=kind.lower(),
        code=code,
        classifier=CLASSIFIERS[_text(obj, "eventClassifierCode")],
        at=parse_time(obj.get("eventDateTime"), "eventDateTime", now),
        unlocode=unlocode.upper(),
        facility=facility,
        facility_type=_text(call, "facilityTypeCode"),
        location_name=_text(location, "locationName"),
        mode=mode,
        vessel_imo=_imo(_get(call, "vessel", "vesselIMONumber"), "transportCall.vessel"),
        vessel_name=_text(call, "vessel", "vesselName"),
        voyage=voyage,
        train=voyage if mode == "RAIL" else "",
        transport_call=_text(call, "transportCallID"),
        container=_text(obj, "equipmentReference").upper(),
        empty=_text(obj, "emptyIndicatorCode"),
        delay_reasons=(_text(obj, "delayReasonCode"),) if _text(obj, "delayReasonCode") else (),
    )


def _v3(obj: dict[str, Any], index: int, spec: Spec, now: datetime) -> TntEvent:
    for path, why in spec.problems(obj, "Event"):
        raise EventError("fails the DCSA 3.0 schema", why, path)
    event_id = _text(obj, "eventID")
    updated = parse_time(obj.get("eventUpdatedDateTime"), "eventUpdatedDateTime", now)
    party_obj = _get(obj, "eventRouting", "originatingParty") or {}
    party = "/".join(
        p
        for p in (
            _text(party_obj, "codeListProvider"),
            _text(party_obj, "codeListName"),
            _text(party_obj, "partyCode"),
        )
        if p
    )
    if obj.get("isRetracted") is True:  # nothing else of it counts (the specification)
        return TntEvent(index, "3.0", event_id, party, updated, True, "", "", "", None)
    classification = obj.get("eventClassification") or {}
    kind = _text(classification, "eventTypeCode")
    if not kind:
        raise EventError(
            "missing field", "eventClassification.eventTypeCode", "$.eventClassification"
        )
    code = _text(classification, f"{kind.lower()}EventTypeCode")
    classifier = _text(classification, "eventClassifierCode")
    if classifier not in CLASSIFIERS:
        raise EventError(
            "unknown classifier", f"{classifier[:10]!r} (PLN, EST or ACT)", "$.eventClassification"
        )
    location = obj.get("eventLocation") or {}
    call = _get(obj, "transportDetails", "transportCall") or {}
    vessel = call.get("vesselTransport") or {}
    rail = call.get("railTransport") or {}
    voyage = _text(call, "exportVoyageNumberOrReference", "carrierVoyageNumber") or _text(
        call, "importVoyageNumberOrReference", "carrierVoyageNumber"
    )
    equipment = obj.get("equipmentDetails") or {}
    return TntEvent(
        index=index,
        version="3.0",
        event_id=event_id,
        party=party,
        updated=updated,
        retracted=False,
        kind=kind.lower(),
        code=code,
        classifier=CLASSIFIERS[classifier],
        at=parse_time(obj.get("eventDateTime"), "eventDateTime", now),
        unlocode=_text(location, "UNLocationCode").upper(),
        facility=_facility(location),
        facility_type=_text(location, "facilityTypeCode"),
        location_name=_text(location, "locationName"),
        mode=_text(call, "modeOfTransport"),
        vessel_imo=_imo(vessel.get("vesselIMONumber"), "$.transportDetails.transportCall"),
        vessel_name=_text(vessel, "vesselName"),
        voyage=voyage,
        train=_text(rail, "railServiceReference") or _text(rail, "departureID"),
        transport_call=_text(call, "transportCallReference"),
        container=_text(equipment, "equipmentReference").upper(),
        empty=_text(equipment, "emptyIndicatorCode"),
        delay_reasons=tuple(
            c for c in _get(obj, "transportDetails", "delayReasonCodes") or () if isinstance(c, str)
        ),
    )


def parse_event(
    obj: Any,
    index: int,
    specs: dict[str, Spec],
    version: str | None = None,
    now: datetime | None = None,
) -> TntEvent:
    """One event: checked against its version's schema, then read; EventError if refused.
    `version` forces one (a feed's declared version); else it is told from the event."""
    if not isinstance(obj, dict):
        raise EventError("not an object", type(obj).__name__)
    if refused := first_control(obj):
        raise EventError(REASON, refused[1], "$." + refused[0] if refused[0] else None)
    now = now or datetime.now(UTC)
    version = version or version_of(obj)
    event = (_v3 if version == "3.0" else _v2)(obj, index, specs[version], now)
    if not event.event_id:
        raise EventError("missing field", "eventID (events are known by their id)", "$.eventID")
    if event.classifier == "actual" and event.at and event.at > now + timedelta(minutes=10):
        raise EventError(
            "time in the future",
            f"an actual event at {event.at:%Y-%m-%d %H:%M}Z",
            "$.eventDateTime",
        )
    boxed = event.kind == "equipment" and event.code in EQUIPMENT_USED
    if boxed and not (CONTAINER_RE.match(event.container) and valid_container(event.container)):
        raise EventError(
            "bad container number",
            f"{event.container[:15]!r} (ISO 6346, with its check digit)",
            "$.equipmentReference" if version == "2.2" else "$.equipmentDetails",
        )
    return replace(event, body=copy.deepcopy(obj))


def parse_objects(
    objects: Iterable[Any],
    specs: dict[str, Spec],
    version: str | None = None,
    now: datetime | None = None,
    first: int = 1,
) -> Iterator[TntEvent | Refusal]:
    """Events and refusals (numbered from `first`) of decoded objects."""
    for i, obj in enumerate(objects, start=first):
        if isinstance(obj, EventError):
            yield Refusal(i, obj.reason, visible(obj.detail), obj.field)
            continue
        try:
            yield parse_event(obj, i, specs, version, now)
        except EventError as exc:
            event_id = obj.get("eventID") if isinstance(obj, dict) else None
            shown = visible(str(event_id)[:64]) if isinstance(event_id, str) else ""
            yield Refusal(i, exc.reason, visible(exc.detail), exc.field, shown)


def events_of(body: Any) -> list[Any]:
    """The events of a document: 2.2's array (an answer or a callback), 3.0's
    `{"events": [...]}` (GetEventsResponse, PostEventsRequest) or one event alone."""
    if isinstance(body, dict) and isinstance(body.get("events"), list):
        body = body["events"]
    elif isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        raise EventError("not DCSA events", 'neither a list of events nor {"events": [...]}')
    if len(body) > MAX_EVENTS:
        raise EventError(
            "too many events", f"{len(body):,} in one document (at most {MAX_EVENTS:,})"
        )
    return body


def read_document(data: bytes) -> Iterator[Any]:
    """The events of a file: one JSON document (see `events_of`) or JSON lines (one event,
    or one page, per line). A line that is not JSON is an EventError in the stream."""
    text = data.decode("utf-8-sig", errors="replace")
    try:
        yield from events_of(json.loads(text))
        return
    except ValueError:
        pass
    except EventError as exc:
        yield exc
        return
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield from events_of(json.loads(line))
        except ValueError as exc:
            yield EventError("malformed JSON", f"line {n}: {str(exc)[:80]}")
        except EventError as exc:
            yield EventError(exc.reason, f"line {n}: {exc.detail}")


# -- the push model's signature ---------------------------------------------------------
def new_secret() -> str:
    """A shared secret for a subscription: 48 random bytes, Base64 (as 2.2 carries it)."""
    import secrets

    return base64.b64encode(secrets.token_bytes(48)).decode()


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return secret.encode()  # a secret agreed as plain text


def sign(body: bytes, secret: str) -> str:
    """The Notification-Signature header's value for `body`."""
    return "sha256=" + hmac.new(_key(secret), body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    """Whether `header` (`sha256=<hex>`) signs `body` with `secret`."""
    if not header or not secret:
        return False
    kind, _, value = header.strip().partition("=")
    if kind.strip().lower() != "sha256" or not value:
        return False
    expected = hmac.new(_key(secret), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, value.strip().lower())
