"""Enumerations of the ports app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    TEU = "teu", _("Containers (TEU)")
    TONNES = "tonnes", _("Cargo (tonnes)")
    TRAINS = "trains", _("Trains")
    RAIL_TEU = "rail_teu", _("Rail-sea containers (TEU)")
    SAILINGS = "sailings", _("Sailings")


class Flow(models.TextChoices):
    TOTAL = "total", _("Total")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    TRANSIT = "transit", _("Transit")


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    PARTIAL = "partial", _("Part of a year")


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
