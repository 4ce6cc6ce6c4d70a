"""Port figures (throughput reports) and AIS: vessels, their positions, latest positions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from core.models import Seeded
from geo.models import Node

from .choices import (
    METRIC_UNITS,
    CargoClass,
    Channel,
    Direction,
    Laden,
    Metric,
    PeriodKind,
    Qualifier,
    Source,
    Status,
    Trade,
    Unit,
)
from .detection import DEFAULT_RULE
from .querysets import ThroughputQuerySet, VesselLatestQuerySet, VesselPositionQuerySet


class UploadBatch(models.Model):
    """One submission of figures: a web form, a file (CSV/XLSX) or an API call. A batch is
    stored whole or not at all; a file is first previewed (`state` previewed), then
    committed. `errors` and `warnings` are the row-level findings shown to the user."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        COMMITTED = "committed", _("Committed")
        REFUSED = "refused", _("Refused")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    channel = models.CharField(max_length=6, choices=Channel.choices)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    content = models.BinaryField(blank=True, default=b"", editable=False)  # until committed
    expected = models.JSONField(default=dict, blank=True)  # figure ids the preview showed
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.channel} {self.file_name or ''} {self.created_at:%Y-%m-%d %H:%M}"


# What identifies a figure: the same key with a new value is a revision of it.
FIGURE_KEY = (
    "node",
    "period_kind",
    "period_start",
    "period_end",
    "metric",
    "trade",
    "direction",
    "cargo_class",
    "laden",
    "reporting_entity",
    "source",
)


class ThroughputReport(Seeded):
    """A throughput figure of a node for a period (dates inclusive, UTC calendar days).

    `value` is in `unit`, the unit its `metric` is counted in (TEU, tonnes, trains...; a
    check constraint keeps them together). The breakdown: `trade` (foreign, domestic),
    `direction` (in, out, transshipment), `cargo_class`, `laden` (TEU); "total"/"all" where
    a figure is not broken down. Published figures keep their `source_url` and the
    `reporting_entity` that gave them (whole port vs listed company differ); `qualifier`
    keeps ">=" for figures reported as "more than".

    Revisions: a correction is a new row of the same key (FIGURE_KEY) pointing to the one
    it replaces (`supersedes`); exactly one row per key is `current` (the last word of its
    reporter). Operators' figures are `submitted` until an official approves or rejects them
    (`reviewed_by`, `_at`, `review_comment`); the approved revision that counts is
    `official` (at most one per key; published figures are official from the seed): a
    rejected correction leaves the earlier approved figure official."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="throughput")
    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    metric = models.CharField(max_length=12, choices=Metric.choices)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    trade = models.CharField(max_length=8, choices=Trade.choices, default=Trade.TOTAL)
    direction = models.CharField(max_length=13, choices=Direction.choices, default=Direction.TOTAL)
    cargo_class = models.CharField(
        max_length=12, choices=CargoClass.choices, default=CargoClass.ALL
    )
    laden = models.CharField(max_length=5, choices=Laden.choices, default=Laden.TOTAL)
    value = models.DecimalField(max_digits=16, decimal_places=2)
    qualifier = models.CharField(max_length=2, choices=Qualifier.choices, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices)
    channel = models.CharField(max_length=6, choices=Channel.choices, default=Channel.SEED)
    source_url = models.URLField(max_length=500, blank=True)
    reporting_entity = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    note = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text=_("Why this revision replaces the last"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True)
    official = models.BooleanField(default=False)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_figures",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    upload = models.ForeignKey(
        UploadBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="figures"
    )
    warnings_confirmed = models.JSONField(default=list, blank=True)

    objects = ThroughputQuerySet.as_manager()

    class Meta:
        ordering = ["node__code", "metric", "-period_end"]
        indexes = [models.Index(fields=["node", "metric", "period_end"])]
        permissions = [("review_throughputreport", "Can approve or reject reported figures")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="throughput_value_gte_0"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="throughput_period_order"
            ),
            models.CheckConstraint(
                condition=Q(
                    *(Q(metric=metric, unit=unit) for metric, unit in METRIC_UNITS.items()),
                    _connector=Q.OR,
                ),
                name="throughput_unit_of_metric",
            ),
            models.UniqueConstraint(
                fields=list(FIGURE_KEY),
                condition=Q(current=True),
                name="one_current_figure_per_key",
            ),
            models.UniqueConstraint(
                fields=list(FIGURE_KEY),
                condition=Q(official=True),
                name="one_official_figure_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node.code} {self.metric} {self.period_start}..{self.period_end}"


class Vessel(models.Model):
    """A vessel known from AIS, keyed by MMSI. Static fields come from types 5, 19 and 24
    (None until reported); dimensions in metres, `draught_m` metres, `eta` UTC."""

    mmsi = models.IntegerField(primary_key=True)
    imo = models.IntegerField(null=True, blank=True)
    name = models.CharField(max_length=40, blank=True)
    callsign = models.CharField(max_length=12, blank=True)
    ship_type = models.SmallIntegerField(null=True, blank=True, help_text="AIS ship type code")
    ais_class = models.CharField(max_length=1, blank=True, help_text="A or B")
    length_m = models.SmallIntegerField(null=True, blank=True)
    beam_m = models.SmallIntegerField(null=True, blank=True)
    draught_m = models.FloatField(null=True, blank=True)
    destination = models.CharField(max_length=40, blank=True)
    first_seen_at = models.DateTimeField()
    static_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mmsi"]

    def __str__(self) -> str:
        return f"{self.mmsi} {self.name}".strip()


class PositionFields(models.Model):
    """What a position report holds: `geom` Point SRID 4326, `sog_kn` knots, `cog_deg` and
    `heading_deg` degrees (null when not available), AIS navigation status and message
    type, and the receiving station (`source`)."""

    geom = models.PointField(srid=4326)
    sog_kn = models.FloatField(null=True)
    cog_deg = models.FloatField(null=True)
    heading_deg = models.SmallIntegerField(null=True)
    nav_status = models.SmallIntegerField(null=True)
    msg_type = models.SmallIntegerField()
    source = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


class VesselLatest(PositionFields):
    """The newest position of each vessel (the live map), maintained by the AIS ingester.

    `ts` is the report time (UTC); the other fields as in PositionFields."""

    vessel = models.OneToOneField(
        Vessel, primary_key=True, db_column="mmsi", on_delete=models.CASCADE, related_name="latest"
    )
    ts = models.DateTimeField(db_index=True)

    objects = VesselLatestQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.vessel_id} @ {self.ts:%Y-%m-%d %H:%M:%S}"


class VesselPosition(PositionFields):
    """Every AIS position (the volume): a table partitioned by month on `ts`, created by
    migration SQL (BRIN on `ts`, GiST on `geom`, primary key (mmsi, ts) so a report
    loaded twice is stored once) and written with COPY by `ports.ingest.store`; this model
    only reads it. Fields as in PositionFields."""

    pk = models.CompositePrimaryKey("mmsi", "ts")
    mmsi = models.IntegerField()
    ts = models.DateTimeField()

    objects = VesselPositionQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "ports_vesselposition"
        ordering = ["mmsi", "ts"]


class AisSource(models.Model):
    """Counters per AIS source (receiving station or feed): the ingest health view."""

    name = models.CharField(max_length=64, unique=True)
    last_message_at = models.DateTimeField(null=True)
    last_received_at = models.DateTimeField(null=True)
    positions = models.BigIntegerField(default=0)
    static_reports = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class AisIngestRun(models.Model):
    """One run of `ingest_ais` (or one loaded file): its sources, counters by kind, and
    the content hash of a loaded file (a file already loaded is skipped)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    sources = models.TextField()
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    counts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.sources}"


# The range of each detection rule value (inclusive): a rule outside them makes no sense
# (a negative speed) or would stop detection (a gap timeout of years).
RULE_LIMITS: dict[str, tuple[float, float]] = {
    "speed_kn": (0.0, 30.0),
    "min_stay_s": (0, 7 * 24 * 3600),
    "gap_timeout_s": (60, 7 * 24 * 3600),
    "exit_hysteresis_m": (0, 50_000),
}


class DetectionRule(Seeded):
    """Port-call detection parameters of a port, versioned like geofences: a change ends
    the current row and adds the next version; every call records the version that made
    it. `speed_kn` knots (at or under: "slow"), `min_stay_s` seconds slow inside the limit
    to make a call, `gap_timeout_s` seconds of silence after which a vessel inside is taken
    to have left, `exit_hysteresis_m` metres past the limit before a vessel has left."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="detection_rules")
    version = models.PositiveIntegerField(default=1)
    speed_kn = models.FloatField(
        default=DEFAULT_RULE.speed_kn,
        validators=[
            MinValueValidator(RULE_LIMITS["speed_kn"][0]),
            MaxValueValidator(RULE_LIMITS["speed_kn"][1]),
        ],
    )
    min_stay_s = models.PositiveIntegerField(
        default=int(DEFAULT_RULE.min_stay_s),
        validators=[MaxValueValidator(RULE_LIMITS["min_stay_s"][1])],
    )
    gap_timeout_s = models.PositiveIntegerField(
        default=int(DEFAULT_RULE.gap_timeout_s),
        validators=[
            MinValueValidator(RULE_LIMITS["gap_timeout_s"][0]),
            MaxValueValidator(RULE_LIMITS["gap_timeout_s"][1]),
        ],
    )
    exit_hysteresis_m = models.PositiveIntegerField(
        default=int(DEFAULT_RULE.exit_hysteresis_m),
        validators=[MaxValueValidator(RULE_LIMITS["exit_hysteresis_m"][1])],
    )
    note = models.TextField(blank=True)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["node__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["node", "version"], name="rule_version_unique"),
            models.UniqueConstraint(
                fields=["node"], condition=Q(valid_to__isnull=True), name="one_current_rule"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": low, f"{name}__lte": high}),
                    name=f"rule_{name}_range",
                )
                for name, (low, high) in RULE_LIMITS.items()
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node.code} rule v{self.version}"


class PortCall(models.Model):
    """An official port call (made with the port's current rule when detected). Times UTC;
    `departure_at` null while the vessel is still in port; `anchorage_wait_s` seconds.
    `stable_id` is the same whenever the same visit is detected with the same rule."""

    stable_id = models.CharField(max_length=16, unique=True)
    vessel = models.ForeignKey(
        Vessel,
        db_column="mmsi",
        on_delete=models.CASCADE,
        related_name="port_calls",
        db_constraint=False,
    )
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="port_calls")
    rule = models.ForeignKey(DetectionRule, on_delete=models.PROTECT, related_name="calls")
    arrival_at = models.DateTimeField()
    departure_at = models.DateTimeField(null=True, blank=True)
    berth_start_at = models.DateTimeField(null=True, blank=True)
    berth_end_at = models.DateTimeField(null=True, blank=True)
    anchorage_start_at = models.DateTimeField(null=True, blank=True)
    anchorage_end_at = models.DateTimeField(null=True, blank=True)
    anchorage_wait_s = models.FloatField(null=True, blank=True)
    detected_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["node__code", "-arrival_at"]
        indexes = [models.Index(fields=["node", "arrival_at"])]

    def __str__(self) -> str:
        return f"{self.vessel_id} @ {self.node.code} {self.arrival_at:%Y-%m-%d %H:%M}"


class PortCallRecompute(models.Model):
    """A period whose port calls must be recomputed because positions arrived late (an
    archive file, a receiver that buffered): the positions of `mmsis` between `start_at`
    and `end_at`, inside the lon/lat box west..east, south..north. Written by the AIS
    store in the transaction that stored the positions; done by the port-call follower
    (or `detect_port_calls --pending`), which records what it did in `detail`."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_at = models.DateTimeField(db_default=Now())
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    mmsis = ArrayField(models.IntegerField())
    west = models.FloatField()
    south = models.FloatField()
    east = models.FloatField()
    north = models.FloatField()
    positions = models.IntegerField(default=0)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"recompute {self.start_at:%Y-%m-%d %H:%M}..{self.end_at:%H:%M} ({self.state})"
