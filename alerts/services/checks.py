"""The alert checks and the one place alerts are raised, updated and closed.

Each check returns the conditions true now (kind, subject, reason, details). `evaluate`
reconciles them with the live alerts: a new condition raises an alert (and is sent to the
webhook, CW_ALERT_WEBHOOK, as JSON); a condition already alerted updates that alert only
when its reason or details changed; a live alert whose condition is gone is closed. An
alert an official closed is not raised again while its condition lasts (the same subject,
closed within SUPPRESS_H).

Checks:
- **train_delay**: a running or arrived (last 24 h) train later than its route's
  punctuality threshold against the booked time;
- **queue_with_trains**: a port whose anchorage queue today is above its baseline's 90th
  percentile while sea-rail trains arrived at its stations in the last 24 h;
- **transfer_time**: a port whose median rail-to-sea or sea-to-rail transfer of the last
  7 days is above CW_TRANSFER_THRESHOLD_H;
- **ais_gap**: a vessel in port (an open port call) silent for more than CW_AIS_GAP_H hours.
"""

from __future__ import annotations

import json
import logging
import statistics
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ais.models import VesselLatest
from audit import services as audit
from audit.choices import Action
from geo.models import Node
from portcalls.models import PortCall
from portcalls.services.metrics import congested_ports
from rail.choices import TrainStatus
from rail.models import Train
from rail.services.kpis import threshold_min
from rail.services.transfer import PORT_STATIONS, threshold_h, transfers

from ..choices import AlertKind, AlertState
from ..models import Alert

log = logging.getLogger(__name__)
SUPPRESS_H = 24
WEBHOOK_TIMEOUT_S = 5


@dataclass(frozen=True)
class Condition:
    """A condition true now: its kind, what it is about and the node it happens at, and
    its parameters (`details`), from which alerts.services.messages says it in any
    language; `reason` is the English text for logs and the webhook."""

    kind: str
    subject: str
    label: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)
    place: str = ""


def train_delays(now: datetime) -> list[Condition]:
    out = []
    trains = Train.objects.filter(
        status__in=(TrainStatus.RUNNING, TrainStatus.ARRIVED),
        delay_booked_s__isnull=False,
        service_date__gte=(now - timedelta(days=10)).date(),
    ).select_related("route", "destination")
    thresholds: dict[int | None, int] = {}
    for t in trains:
        if t.status == TrainStatus.ARRIVED and (t.arr_actual or now) < now - timedelta(hours=24):
            continue
        if t.route_id not in thresholds:
            thresholds[t.route_id] = threshold_min(t.route)
        limit = thresholds[t.route_id]
        late_min = int((t.delay_booked_s or 0) // 60)
        if late_min <= limit:
            continue
        # Reported in 15-minute steps: a train drifting by a minute is not a new message.
        step = late_min // 15 * 15
        out.append(
            Condition(
                AlertKind.TRAIN_DELAY,
                f"train:{t.train_no}/{t.service_date}",
                f"{t.train_no} {t.service_date}",
                f"{t.train_no} ({t.service_date}) is {step}+ min late against plan "
                f"(threshold {limit} min)",
                {
                    "train_id": t.pk,
                    "train_no": t.train_no,
                    "service_date": t.service_date.isoformat(),
                    "route": t.route.code if t.route else "",
                    "late_min_step": step,
                    "threshold_min": limit,
                },
                place=t.destination.code if t.destination else "",
            )
        )
    return out


def _stations(code: str) -> list[str]:
    return [code, *PORT_STATIONS.get(code, ())]


def queues_with_trains(now: datetime) -> list[Condition]:
    out = []
    congested = congested_ports(now.date())
    for code in sorted(congested):
        arrived = Train.objects.filter(
            destination__code__in=_stations(code),
            arr_actual__gte=now - timedelta(hours=24),
            arr_actual__lte=now,
        ).count()
        if arrived:
            out.append(
                Condition(
                    AlertKind.QUEUE_WITH_TRAINS,
                    f"port:{code}",
                    code,
                    f"{code}: anchorage queue above its baseline while {arrived} trains "
                    "arrived in the last 24 h",
                    {"port": code, "trains_24h": arrived},
                    place=code,
                )
            )
    return out


def slow_transfers(now: datetime) -> list[Condition]:
    out = []
    limit = threshold_h()
    for node in Node.objects.filter(code__in=PORT_STATIONS):
        items, _ = transfers(node, now - timedelta(days=7), now)
        for direction in ("rail_to_sea", "sea_to_rail"):
            hours = [t.hours for t in items if t.direction == direction]
            if len(hours) < 3:
                continue
            median = statistics.median(hours)
            if median > limit:
                out.append(
                    Condition(
                        AlertKind.TRANSFER_TIME,
                        f"port:{node.code}:{direction}",
                        f"{node.code} {direction}",
                        f"{node.code}: median {direction.replace('_', '-')} transfer "
                        f"{median:.0f} h over the last 7 days (threshold {limit:g} h)",
                        {
                            "port": node.code,
                            "direction": direction,
                            "median_h": round(median),
                            "median_h_step": int(median // 6 * 6),
                            "threshold_h": limit,
                        },
                        place=node.code,
                    )
                )
    return out


def ais_gaps(now: datetime) -> list[Condition]:
    gap = timedelta(hours=float(getattr(settings, "CW_AIS_GAP_H", 6)))
    out = []
    open_calls = (
        PortCall.objects.filter(departure_at__isnull=True, arrival_at__gte=now - timedelta(days=14))
        .select_related("node", "vessel")
        .order_by("vessel_id", "-arrival_at")
    )
    latest = dict(
        VesselLatest.objects.filter(vessel_id__in=open_calls.values("vessel_id")).values_list(
            "vessel_id", "ts"
        )
    )
    seen: set[int] = set()
    for call in open_calls:
        if call.vessel_id in seen:
            continue
        seen.add(call.vessel_id)
        last = latest.get(call.vessel_id)
        if last is None or now - last <= gap:
            continue
        hours = int((now - last).total_seconds() // 3600)
        out.append(
            Condition(
                AlertKind.AIS_GAP,
                f"vessel:{call.vessel_id}",
                f"{call.vessel.name or call.vessel_id} ({call.vessel_id})",
                f"{call.vessel.name or call.vessel_id} (MMSI {call.vessel_id}) in port at "
                f"{call.node.code}, silent for {hours} h",
                {
                    "port": call.node.code,
                    "mmsi": call.vessel_id,
                    "vessel": call.vessel.name or "",
                    "silent_h": hours,
                },
                place=call.node.code,
            )
        )
    return out


CHECKS = (train_delays, queues_with_trains, slow_transfers, ais_gaps)


def evaluate(now: datetime | None = None, checks: Iterable[Any] = CHECKS) -> dict[str, int]:
    """Run the checks and reconcile the alerts; counts of raised, updated and closed."""
    now = now or timezone.now()
    conditions: dict[tuple[str, str], Condition] = {}
    for check in checks:
        for c in check(now):
            conditions[(c.kind, c.subject)] = c
    raised: list[Alert] = []
    counts = {"raised": 0, "updated": 0, "closed": 0}
    with transaction.atomic():
        live = {
            (a.kind, a.subject): a
            for a in Alert.objects.select_for_update().exclude(state=AlertState.CLOSED)
        }
        suppressed = set(
            Alert.objects.filter(
                state=AlertState.CLOSED,
                closed_by__isnull=False,
                closed_at__gte=now - timedelta(hours=SUPPRESS_H),
            ).values_list("kind", "subject")
        )
        for key, c in conditions.items():
            alert = live.get(key)
            if alert is None:
                if key in suppressed:
                    continue
                raised.append(
                    Alert.objects.create(
                        kind=c.kind,
                        subject=c.subject,
                        subject_label=c.label,
                        reason=c.reason,
                        details=c.details,
                        place=c.place,
                        raised_at=now,
                        updated_at=now,
                    )
                )
                counts["raised"] += 1
            elif alert.reason != c.reason or alert.details != c.details or alert.place != c.place:
                alert.reason, alert.details, alert.updated_at = c.reason, c.details, now
                alert.place = c.place
                alert.save(update_fields=["reason", "details", "place", "updated_at"])
                counts["updated"] += 1
        for key, alert in live.items():
            if key not in conditions:
                alert.state, alert.closed_at, alert.updated_at = AlertState.CLOSED, now, now
                alert.save(update_fields=["state", "closed_at", "updated_at"])
                counts["closed"] += 1
    for alert in raised:
        notify(alert)
    return counts


def as_json(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "subject": alert.subject,
        "label": alert.subject_label,
        "reason": alert.reason,
        "place": alert.place,
        "details": alert.details,
        "state": alert.state,
        "raised_at": alert.raised_at.isoformat(),
        "updated_at": alert.updated_at.isoformat(),
    }


def notify(alert: Alert) -> bool:
    """POST a new alert as JSON to CW_ALERT_WEBHOOK (when set); a failure is logged, never
    raised (the next poll does not resend: the alert is in the API)."""
    url = getattr(settings, "CW_ALERT_WEBHOOK", "")
    if not url:
        return False
    body = json.dumps(as_json(alert)).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            ok = bool(200 <= response.status < 300)
    except (OSError, ValueError) as exc:
        log.warning("alert webhook failed: %s", exc)
        return False
    if ok:
        Alert.objects.filter(pk=alert.pk).update(notified_at=timezone.now())
    return ok


def set_states(alert_ids: Iterable[int], user: Any, state: str) -> int:
    """An official acknowledges or closes alerts (a group of them at once); the number
    changed. PermissionDenied without the right to change alerts."""
    if not user.has_perm("alerts.change_alert"):
        raise PermissionDenied
    changed = 0
    for pk in alert_ids:
        before = Alert.objects.filter(pk=pk).values_list("state", flat=True).first()
        if before is not None and set_state(pk, user, state).state != before:
            changed += 1
            audit.record(Action.WRITE, f"alert:{pk}", {"state": [before, state]}, user=user)
    return changed


def set_state(alert_id: int, user: Any, state: str) -> Alert:
    """An official acknowledges or closes an alert."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert_id)
        now = timezone.now()
        if state == AlertState.ACKNOWLEDGED and alert.state == AlertState.OPEN:
            alert.state, alert.acknowledged_by = AlertState.ACKNOWLEDGED, user
        elif state == AlertState.CLOSED and alert.state != AlertState.CLOSED:
            alert.state, alert.closed_by, alert.closed_at = AlertState.CLOSED, user, now
        alert.updated_at = now
        alert.save()
    return alert
