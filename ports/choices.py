"""Enumerations of the ports app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .ingest.figures import METRICS


class Metric(models.TextChoices):
    TEU = "teu", _("Containers (TEU)")
    TONNES = "tonnes", _("Cargo (tonnes)")
    TRAINS = "trains", _("Trains")
    RAIL_TEU = "rail_teu", _("Rail-sea containers (TEU)")
    SAILINGS = "sailings", _("Sailings")


class Unit(models.TextChoices):
    """The unit of a figure: a TEU figure and a tonnes figure never mix."""

    TEU = "teu", _("TEU")
    TONNES = "tonnes", _("tonnes")
    TRAINS = "trains", _("trains")
    SAILINGS = "sailings", _("sailings")


# The unit each metric is counted in (defined with the row checks that use it).
METRIC_UNITS: dict[str, str] = METRICS


class Direction(models.TextChoices):
    """Which way the cargo moved through the port (total: all of it)."""

    TOTAL = "total", _("Total")
    IN = "in", _("Inbound (unloaded)")
    OUT = "out", _("Outbound (loaded)")
    TRANSSHIPMENT = "transshipment", _("Transshipment")


class Trade(models.TextChoices):
    """Foreign or domestic trade, as Chinese port statistics split them."""

    TOTAL = "total", _("Total")
    FOREIGN = "foreign", _("Foreign trade")
    DOMESTIC = "domestic", _("Domestic trade")


class CargoClass(models.TextChoices):
    ALL = "all", _("All cargo")
    CONTAINER = "container", _("Containers")
    DRY_BULK = "dry_bulk", _("Dry bulk")
    LIQUID_BULK = "liquid_bulk", _("Liquid bulk")
    GENERAL = "general", _("General cargo")
    RO_RO = "ro_ro", _("Ro-ro")


class Laden(models.TextChoices):
    """Laden or empty containers (TEU figures; total where not known)."""

    TOTAL = "total", _("Total")
    LADEN = "laden", _("Laden")
    EMPTY = "empty", _("Empty")


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    WEEK = "week", _("Week")
    DAY = "day", _("Day")
    PARTIAL = "partial", _("Part of a year")


class Channel(models.TextChoices):
    """How a figure reached the system."""

    SEED = "seed", _("Seed file")
    FORM = "form", _("Web form")
    FILE = "file", _("File upload")
    API = "api", _("API")


class Source(models.TextChoices):
    PUBLISHED = "published", _("Published figure")
    OPERATOR = "operator", _("Operator upload")
    API = "api", _("API submission")
    AIS = "ais", _("AIS estimate")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Qualifier(models.TextChoices):
    EXACT = "", _("As reported")
    AT_LEAST = ">=", _("At least")
    ABOUT = "~", _("About")


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
