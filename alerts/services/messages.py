"""An alert said in the user's language: from its kind and parameters (`details`), with
node names in that language; an alert stored before it had parameters keeps its English
`reason`. The API, the overview and the webhook's readers all see these words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.names import localized
from geo.models import Node

from ..choices import AlertKind
from ..models import Alert

DIRECTIONS = {
    "rail_to_sea": gettext_lazy("rail-to-sea"),
    "sea_to_rail": gettext_lazy("sea-to-rail"),
}


def place_names(codes: Iterable[str] | None, language: str | None) -> dict[str, str]:
    """Node code -> its name in `language`, for the codes given (None: every node;
    unknown codes: absent)."""
    nodes = Node.objects.only("code", "name_en", "name_zh")
    if codes is not None:
        nodes = nodes.filter(code__in={c for c in codes if c})
    return {n.code: localized(n, language) for n in nodes}


def message(alert: Alert, names: Mapping[str, str]) -> str:
    """The alert in the active language (`names`: node code -> name, see place_names)."""
    d: dict[str, Any] = alert.details or {}

    def name(code: object) -> str:
        return names.get(str(code), str(code))

    try:
        if alert.kind == AlertKind.TRAIN_DELAY:
            return _(
                "Train %(train)s (%(date)s) is %(late)s+ min late against plan "
                "(threshold %(limit)s min)"
            ) % {
                "train": d["train_no"],
                "date": d["service_date"],
                "late": d["late_min_step"],
                "limit": d["threshold_min"],
            }
        if alert.kind == AlertKind.QUEUE_WITH_TRAINS:
            return _(
                "%(port)s: anchorage queue above its baseline while %(n)s trains arrived in "
                "the last 24 h"
            ) % {"port": name(d["port"]), "n": d["trains_24h"]}
        if alert.kind == AlertKind.TRANSFER_TIME:
            return _(
                "%(port)s: median %(direction)s transfer %(h)s h over the last 7 days "
                "(threshold %(limit)s h)"
            ) % {
                "port": name(d["port"]),
                "direction": DIRECTIONS[d["direction"]],
                "h": d["median_h"],
                "limit": f"{d['threshold_h']:g}",
            }
        if alert.kind == AlertKind.AIS_GAP:
            return _("%(vessel)s (MMSI %(mmsi)s) in port at %(port)s, silent for %(h)s h") % {
                "vessel": d["vessel"] or d["mmsi"],
                "mmsi": d["mmsi"],
                "port": name(d["port"]),
                "h": d["silent_h"],
            }
    except (KeyError, TypeError, ValueError):
        pass  # stored before alerts kept their parameters
    return alert.reason


def link(alert: Alert) -> str | None:
    """Where a person looks into it: the train on the map, the port's page."""
    d = alert.details or {}
    if alert.kind == AlertKind.TRAIN_DELAY and d.get("train_id"):
        return f"/dash/?train={int(d['train_id'])}"
    if alert.place and alert.kind != AlertKind.TRAIN_DELAY:
        return f"/dash/port/{alert.place}"
    return None
