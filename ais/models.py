"""AIS: vessels, their positions (every one, and the newest of each), the sources and runs
of the ingester, and the periods whose port calls late positions make stale."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from .querysets import VesselLatestQuerySet, VesselPositionQuerySet


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
        db_table = "ports_vessel"  # kept when the ports app was split
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

    class Meta:
        db_table = "ports_vessellatest"  # kept when the ports app was split

    def __str__(self) -> str:
        return f"{self.vessel_id} @ {self.ts:%Y-%m-%d %H:%M:%S}"


class VesselPosition(PositionFields):
    """Every AIS position (the volume): a table partitioned by month on `ts`, created by
    migration SQL (BRIN on `ts`, GiST on `geom`, primary key (mmsi, ts) so a report
    loaded twice is stored once) and written with COPY by `ais.ingest.store`; this model
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

    class Meta:
        db_table = "ports_aissource"  # kept when the ports app was split

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

    class Meta:
        db_table = "ports_aisingestrun"  # kept when the ports app was split

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.sources}"


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
        db_table = "ports_portcallrecompute"  # kept when the ports app was split
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["state", "requested_at"])]

    def __str__(self) -> str:
        return f"recompute {self.start_at:%Y-%m-%d %H:%M}..{self.end_at:%H:%M} ({self.state})"


class AisUpload(models.Model):
    """A decoded AIS archive (or an NMEA file) an administrator uploaded: kept in
    CW_VAR_DIR/ais-uploads, loaded by the upload worker (`manage.py ais_uploads`, a
    `make run` process) through `ingest_ais`, with the run's summary."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Loading")
        DONE = "done", _("Loaded")
        FAILED = "failed", _("Refused or failed")

    name = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    size = models.BigIntegerField(default=0)
    layout = models.CharField(max_length=64, blank=True, help_text=_("empty: from the header"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    summary = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"
