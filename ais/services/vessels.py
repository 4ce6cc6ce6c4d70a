"""Vessels: looking one up as the API, the exports and the Dash gateway do."""

from __future__ import annotations

from core import mmsi as mmsi_rules

from ..models import Vessel


def find_vessel(mmsi: object) -> Vessel | None:
    """The vessel of an MMSI (by the one rule, core.mmsi) with its last report; None when
    the number is no MMSI or no such vessel was seen."""
    number = mmsi_rules.parse_mmsi(mmsi)
    if number is None:
        return None
    return Vessel.objects.select_related("latest").filter(mmsi=number).first()
