"""Corridor routes as ordered segments between nodes.

Geometries are LineStrings in WGS84 (SRID 4326); lengths are geodesic, in metres.
"""

from __future__ import annotations

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import Seeded
from geo.models import Node, code_validator

from .choices import Mode


class Route(Seeded):
    """A corridor route (main channel, sea extension, cross-border link...).

    `modes` summarises the modes of its segments in order (e.g. "rail->sea"). `geom` is
    the MultiLineString (SRID 4326) of its segments, kept in step by the loader.
    """

    code = models.CharField(max_length=16, unique=True, validators=[code_validator])
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200)
    modes = models.CharField(max_length=40)
    description = models.TextField(blank=True)
    projects = models.TextField(blank=True, help_text=_("Named rail projects or services"))
    sources = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    geom = models.MultiLineStringField(srid=4326, null=True, blank=True)
    members = models.ManyToManyField(
        Node, through="RouteMember", through_fields=("route", "node"), related_name="routes"
    )

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class RouteSegment(Seeded):
    """One leg of a route, from one node to the next, in one mode.

    `geom` is a LineString in SRID 4326 from `from_node` to `to_node`. `schematic` is true
    where the line is drawn node to node (through approximate via points) rather than
    along the surveyed track; sea legs follow navigable water and are not schematic.
    `length_m` is the geodesic length of `geom` in metres. `branch` marks an alternative
    leg (another terminal or outlet) beside the main line.
    """

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="segments")
    seq = models.PositiveSmallIntegerField()
    from_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="segments_from")
    to_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="segments_to")
    mode = models.CharField(max_length=8, choices=Mode.choices)
    geom = models.LineStringField(srid=4326)
    length_m = models.FloatField()
    schematic = models.BooleanField(default=True)
    branch = models.BooleanField(default=False)
    via = models.CharField(max_length=300, blank=True, help_text=_("Named via points"))
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["route__order", "route__code", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["route", "seq"], name="segment_seq_unique"),
            models.CheckConstraint(
                condition=~Q(from_node=F("to_node")), name="segment_distinct_ends"
            ),
            models.CheckConstraint(condition=Q(length_m__gt=0), name="segment_length_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.route.code}#{self.seq} {self.from_node.code}->{self.to_node.code}"


class RouteMember(models.Model):
    """A node the route serves. Segment ends are members with no `anchor`; a node served at
    the place of another (an alternative terminal in the same city, a terminal inside a
    port) is a member whose `anchor` is that node: its route neighbours are the anchor's."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="memberships")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="route_memberships")
    anchor = models.ForeignKey(
        Node, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["route", "node"], name="route_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.route.code}:{self.node.code}"
