"""The kinds and states of an alert."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    TRAIN_DELAY = "train_delay", _("Train delayed beyond its threshold")
    QUEUE_WITH_TRAINS = "queue_with_trains", _("Anchorage queue above baseline while trains arrive")
    TRANSFER_TIME = "transfer_time", _("Sea-rail transfer time above threshold")
    AIS_GAP = "ais_gap", _("AIS silent for a vessel expected at a port")


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CLOSED = "closed", _("Closed")
