"""Vessels: looking one up as the API, the exports and the Dash gateway do."""

from __future__ import annotations

from django.db.models import F, Q

from core import mmsi as mmsi_rules

from ..models import Vessel


def find_vessel(mmsi: object) -> Vessel | None:
    """The vessel of an MMSI (by the one rule, core.mmsi) with its last report; None when
    the number is no MMSI or no such vessel was seen."""
    number = mmsi_rules.parse_mmsi(mmsi)
    if number is None:
        return None
    return Vessel.objects.select_related("latest").filter(mmsi=number).first()


SEARCH_MAX = 20  # vessels one search answers at most


def search_vessels(text: object, limit: int = 10) -> list[Vessel]:
    """Vessels whose name holds `text` (any case), or whose MMSI begins with it, or whose
    IMO number it is; the latest seen first. Fewer than two characters find nothing."""
    if not isinstance(text, str):
        return []
    text = text.strip()[:40]
    if len(text) < 2:
        return []
    found = Vessel.objects.select_related("latest")
    if text.isdigit():
        condition = Q(mmsi__gte=int(text.ljust(9, "0")), mmsi__lte=int(text.ljust(9, "9")))
        if len(text) <= 9:
            condition |= Q(imo=int(text))
        found = found.filter(condition) if len(text) <= 9 else found.none()
    else:
        found = found.filter(name__icontains=text)
    ordered = found.order_by(F("latest__ts").desc(nulls_last=True), "mmsi")
    return list(ordered[: max(1, min(limit, SEARCH_MAX))])


def mmsi_of_imo(imo: int | None) -> int | None:
    """The MMSI AIS last saw report IMO number `imo` (a vessel keeps its IMO number for
    life; its MMSI changes with its flag), None when AIS never saw it."""
    if imo is None:
        return None
    vessel = (
        Vessel.objects.filter(imo=imo)
        .order_by(F("latest__ts").desc(nulls_last=True), "-mmsi")
        .values_list("mmsi", flat=True)
        .first()
    )
    return vessel
