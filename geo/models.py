"""The spatial core: corridor nodes, digital services and the offline basemap.

Every geometry is stored in WGS84 (SRID 4326), lon/lat order.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.ingest.tables import CODE_RE
from core.models import Seeded

from .choices import BasemapLayerName, CoordQuality, GeofenceKind, NodeKind, ServiceLevel
from .querysets import GeofenceQuerySet, NodeQuerySet, NodeServiceQuerySet

# Codes appear in URLs, map labels and HTML attributes: letters, digits, _ and - only.
code_validator = RegexValidator(CODE_RE, _("A-Z first, then A-Z, 0-9, _ or - (at most 32)"))


class Node(Seeded):
    """A corridor node: port, terminal, dry port, border crossing or hub city.

    `geom` is a Point in SRID 4326. `coord_quality` says whether the point is the facility
    itself or a proxy (a city or district point); `coord_basis` names where it came from.
    `kind` is the node's main role, `kinds` all its roles (a river port may also be a rail
    terminal). A `port_group` node (e.g. Beibu Gulf Port) carries figures published for
    several ports together; its members point to it through `group`.
    """

    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=NodeKind.choices)
    kinds = ArrayField(models.CharField(max_length=32, choices=NodeKind.choices), default=list)
    unlocode = models.CharField(_("UN/LOCODE"), max_length=5, blank=True)
    unlocode_note = models.TextField(blank=True)
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    province = models.CharField(max_length=100, blank=True)
    geom = models.PointField(srid=4326)
    coord_quality = models.CharField(max_length=16, choices=CoordQuality.choices)
    coord_basis = models.CharField(max_length=200, blank=True)
    group = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    sources = models.TextField(blank=True, help_text=_("Source URLs, one per line"))
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class DigitalServiceCategory(Seeded):
    """A kind of digital service a node may offer (single window, e-B/L, smart gate...).

    `weight` is its weight in the coverage score; `applies_to` lists the node kinds it is
    scored for (empty: every kind), so a border crossing is not marked down for lacking
    terminal automation.
    """

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.FloatField(default=1.0)
    applies_to = ArrayField(
        models.CharField(max_length=32, choices=NodeKind.choices), default=list, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "digital service categories"
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="category_weight_gt_0")
        ]

    def __str__(self) -> str:
        return self.name_en

    def applies(self, node_kinds: list[str]) -> bool:
        return not self.applies_to or bool(set(self.applies_to) & set(node_kinds))


class ServiceEvidence(Seeded):
    """A dated, sourced statement that a node offers (or pilots) a digital service, with the
    confidence of the source. Confident statements (high, medium) support a node service;
    low-confidence ones are shown as unverified and never scored."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="evidence")
    category = models.ForeignKey(
        "DigitalServiceCategory", on_delete=models.PROTECT, related_name="evidence"
    )
    level = models.CharField(max_length=8, choices=ServiceLevel.choices)
    as_of = models.CharField(max_length=10, help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"))
    source_url = models.URLField(max_length=500)
    summary = models.TextField(blank=True)
    confidence = models.CharField(
        max_length=6,
        choices=[("high", _("High")), ("medium", _("Medium")), ("low", _("Low (unverified)"))],
    )

    class Meta:
        ordering = ["node__code", "category__code", "as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "category", "as_of", "source_url"], name="evidence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.node.code}/{self.category.code} {self.as_of} ({self.confidence})"


class NodeService(Seeded):
    """Evidence that a node offers a digital service at some level, over a time span.

    History is kept: a change of level ends the old row (`valid_to`) and starts a new one,
    so coverage can be shown as it was on any date. Exactly one row per (node, category)
    is current (`valid_to` null).
    """

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="services")
    category = models.ForeignKey(
        DigitalServiceCategory, on_delete=models.PROTECT, related_name="node_services"
    )
    level = models.CharField(max_length=8, choices=ServiceLevel.choices)
    since_year = models.PositiveSmallIntegerField(null=True, blank=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    evidence_note = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = NodeServiceQuerySet.as_manager()

    class Meta:
        ordering = ["node__code", "category__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "category"],
                condition=Q(valid_to__isnull=True),
                name="one_current_service_per_node_category",
            )
        ]

    def __str__(self) -> str:
        return f"{self.node.code} {self.category.code}={self.level}"


class BasemapLayer(models.Model):
    """One layer of the offline vector basemap (Natural Earth, clipped to the region)."""

    name = models.CharField(max_length=32, choices=BasemapLayerName.choices, unique=True)
    source = models.TextField(blank=True)
    checksum = models.CharField(max_length=64)
    feature_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class BasemapFeature(models.Model):
    """A basemap feature; `geom` is any geometry type in SRID 4326."""

    layer = models.ForeignKey(BasemapLayer, on_delete=models.CASCADE, related_name="features")
    name = models.CharField(max_length=200, blank=True)
    # The standard Chinese name (labels, countries) and a label's kind (country, island...).
    name_zh = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, blank=True)
    geom = models.GeometryField(srid=4326)

    def __str__(self) -> str:
        return f"{self.layer.name}: {self.name}"


class Geofence(Seeded):
    """A polygon of a node (port limit, berth area, anchorage, rail yard), SRID 4326.

    Versioned: an edit ends the current row (`valid_to`) and adds the next `version`, so a
    port call can always be traced to the fences that made it. `approximate` marks fences
    drawn without surveyed limits; `basis` says how they were drawn. `seed_key` names the
    fence of the seed file it comes from (kept by every version, whatever users rename)."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="geofences")
    kind = models.CharField(max_length=16, choices=GeofenceKind.choices)
    name = models.CharField(max_length=120)
    geom = models.PolygonField(srid=4326)
    approximate = models.BooleanField(default=True)
    basis = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    seed_key = models.CharField(max_length=200, blank=True, default="", editable=False)

    objects = GeofenceQuerySet.as_manager()

    class Meta:
        ordering = ["node__code", "kind", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "kind", "name"],
                condition=Q(valid_to__isnull=True),
                name="one_current_geofence_per_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
