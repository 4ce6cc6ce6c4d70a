"""Enumerations of the spatial core."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeKind(models.TextChoices):
    SEA_PORT = "sea_port", _("Sea port")
    SEA_TERMINAL = "sea_terminal", _("Sea port terminal")
    RIVER_PORT = "river_port", _("River port")
    RAIL_TERMINAL = "rail_terminal", _("Rail terminal")
    RAIL_JUNCTION = "rail_junction", _("Rail junction")
    DRY_PORT = "dry_port", _("Dry port")
    BORDER_RAIL = "border_crossing_rail", _("Border crossing (rail)")
    BORDER_ROAD = "border_crossing_road", _("Border crossing (road)")
    LOGISTICS_HUB = "logistics_hub", _("Logistics hub (city)")
    PORT_GROUP = "port_group", _("Port group (statistical)")


class CoordQuality(models.TextChoices):
    """How good a node's coordinate is: the map and the API show it."""

    SURVEYED = "surveyed", _("Surveyed (facility position)")
    APPROXIMATE = "approximate", _("Approximate (port, station or town point)")
    PROXY = "proxy", _("Proxy (city or district point, not the facility)")


class ServiceLevel(models.TextChoices):
    """A digital service's level at a node; `LEVEL_SCORES` gives its score."""

    NONE = "none", _("None")
    PARTIAL = "partial", _("Pilot / partial")
    FULL = "full", _("Operational")


LEVEL_SCORES: dict[str, float] = {
    ServiceLevel.NONE: 0.0,
    ServiceLevel.PARTIAL: 0.5,
    ServiceLevel.FULL: 1.0,
}


class BasemapLayerName(models.TextChoices):
    WORLD_LAND = "world_land", _("Land (world)")
    LAND = "land", _("Land")
    LAKES = "lakes", _("Lakes")
    RIVERS = "rivers", _("Rivers")
    COASTLINE = "coastline", _("Coastline")
    COUNTRY_BORDERS = "country_borders", _("Country borders")
    COUNTRIES = "countries", _("Countries")
    MARITIME_LINE = "maritime_line", _("Maritime boundary line")
    LABELS = "labels", _("Place names")


class GeofenceKind(models.TextChoices):
    PORT_LIMIT = "port_limit", _("Port limit")
    BERTH = "berth", _("Terminal / berth area")
    ANCHORAGE = "anchorage", _("Anchorage")
    RAIL_YARD = "rail_yard", _("Rail yard")
