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


# How a qualified figure is written before its number, on every page, report and export.
QUALIFIER_SIGNS: dict[str, str] = {Qualifier.AT_LEAST: "≥ ", Qualifier.ABOUT: "≈ "}
