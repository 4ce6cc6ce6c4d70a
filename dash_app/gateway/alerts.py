"""The alerts of the overview: said in the user's language, grouped by kind and place,
filtered, acknowledged and closed by officials."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied

from alerts.choices import AlertKind, AlertState
from alerts.services.checks import set_states
from alerts.services.listing import alerts
from alerts.services.messages import link, message, place_names

ALERTS_SHOWN = 300  # the overview lists at most this many live alerts (newest first)


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    kind_label: str
    subject: str
    message: str
    state: str
    raised_at: datetime
    updated_at: datetime
    place: str = ""
    place_name: str = ""
    link: str | None = None


@dataclass(frozen=True)
class AlertGroup:
    """The live alerts of one kind at one place, newest first."""

    key: str  # "<kind>|<place>"
    kind: str
    kind_label: str
    place: str
    place_name: str
    alerts: list[AlertView]

    @property
    def open(self) -> int:
        return sum(1 for a in self.alerts if a.state == AlertState.OPEN)


def live_alerts(
    lang: str = "en",
    limit: int = ALERTS_SHOWN,
    kinds: Iterable[str] | None = None,
    acknowledged: bool = True,
) -> list[AlertView]:
    """Open (and, unless `acknowledged` is False, acknowledged) alerts, newest first, of
    the `kinds` given (None: all), in the language `lang`."""
    found = alerts(open_only=True, kinds=kinds, acknowledged=acknowledged)
    rows = list(found[:limit])
    names = place_names({a.place for a in rows}, lang)
    return [
        AlertView(
            a.pk,
            a.kind,
            str(a.get_kind_display()),
            a.subject_label or a.subject,
            message(a, names),
            a.state,
            a.raised_at,
            a.updated_at,
            a.place,
            names.get(a.place, a.place),
            link(a),
        )
        for a in rows
    ]


def alert_groups(shown: list[AlertView]) -> list[AlertGroup]:
    """The alerts grouped by kind and place, the group with the newest alert first."""
    groups: dict[str, list[AlertView]] = {}
    for a in shown:
        groups.setdefault(f"{a.kind}|{a.place}", []).append(a)
    return [
        AlertGroup(key, rows[0].kind, rows[0].kind_label, rows[0].place, rows[0].place_name, rows)
        for key, rows in groups.items()
    ]


def alert_kind_options() -> list[dict[str, str]]:
    """The kinds of alert, named in the active language, for the overview's filter."""
    return [{"value": k.value, "label": str(k.label)} for k in AlertKind]


def may_change_alerts(user: Any) -> bool:
    """Whether the user may acknowledge and close alerts (officials)."""
    return bool(user is not None and user.has_perm("alerts.change_alert"))


def change_alerts(user: Any, ids: Iterable[int], state: str) -> int | str:
    """Acknowledge or close alerts as `user`; the number changed, or why not as text."""
    if state not in (AlertState.ACKNOWLEDGED, AlertState.CLOSED):
        return "unknown state"
    try:
        return set_states([int(i) for i in ids], user, state)
    except PermissionDenied:
        return "no permission to change alerts"
