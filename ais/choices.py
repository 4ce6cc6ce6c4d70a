"""AIS choices: ship type groups (filters, map colours) and navigation status."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ShipTypeGroup(models.TextChoices):
    """Groups of the AIS ship type code (ITU-R M.1371), for filters and map colours."""

    CARGO = "cargo", _("Cargo")
    TANKER = "tanker", _("Tanker")
    PASSENGER = "passenger", _("Passenger")
    FISHING = "fishing", _("Fishing")
    TUG = "tug", _("Tug / pilot / port service")
    HIGH_SPEED = "high_speed", _("High-speed craft")
    PLEASURE = "pleasure", _("Pleasure / sailing")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


SHIP_TYPE_RANGES: dict[str, list[tuple[int, int]]] = {
    ShipTypeGroup.CARGO: [(70, 79)],
    ShipTypeGroup.TANKER: [(80, 89)],
    ShipTypeGroup.PASSENGER: [(60, 69)],
    ShipTypeGroup.FISHING: [(30, 30)],
    ShipTypeGroup.TUG: [(31, 32), (50, 59)],
    ShipTypeGroup.HIGH_SPEED: [(40, 49)],
    ShipTypeGroup.PLEASURE: [(36, 37)],
    ShipTypeGroup.OTHER: [(1, 29), (33, 35), (38, 39), (90, 99)],
}


def ship_type_group(code: int | None) -> str:
    """The group of an AIS ship type code (`unknown` for none or 0)."""
    if code:
        for group, ranges in SHIP_TYPE_RANGES.items():
            if any(lo <= code <= hi for lo, hi in ranges):
                return group
    return ShipTypeGroup.UNKNOWN


NAV_STATUS = {
    0: _("Under way using engine"),
    1: _("At anchor"),
    2: _("Not under command"),
    3: _("Restricted manoeuvrability"),
    4: _("Constrained by draught"),
    5: _("Moored"),
    6: _("Aground"),
    7: _("Engaged in fishing"),
    8: _("Under way sailing"),
    15: _("Not defined"),
}


# Container ships as AIS can tell them: cargo (ship types 70-79) of at least this length
# (AIS has no "container ship" type; smaller cargo ships are mostly general cargo and bulk
# in the Beibu Gulf). The AIS estimate and the sea-rail hand-over both count these.
CONTAINER_SHIP_TYPES = (70, 79)
CONTAINER_MIN_LENGTH_M = 100


def container_ships(prefix: str = "") -> Q:
    """The filter of container ships on a vessel's fields (`prefix` "vessel__" from a
    port call)."""
    low, high = CONTAINER_SHIP_TYPES
    return Q(
        **{
            f"{prefix}ship_type__gte": low,
            f"{prefix}ship_type__lte": high,
            f"{prefix}length_m__gte": CONTAINER_MIN_LENGTH_M,
        }
    )


def is_container_ship(ship_type: int | None, length_m: int | None) -> bool:
    """The same test as `container_ships`, on values in hand."""
    low, high = CONTAINER_SHIP_TYPES
    return (
        ship_type is not None
        and low <= ship_type <= high
        and (length_m or 0) >= CONTAINER_MIN_LENGTH_M
    )
