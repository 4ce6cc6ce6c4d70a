"""Serializers of the rail API."""

from rest_framework import serializers

from ..ingest.events import MAX_LINE
from ..models import ContainerEvent, RailEvent, Train
from ..services.ingest import COUNTERS

MAX_BATCH = 10_000


class RailEventSerializer(serializers.ModelSerializer):
    train = serializers.CharField(source="train.train_no", read_only=True)
    service_date = serializers.DateField(source="train.service_date", read_only=True)
    node = serializers.CharField(source="node.code", read_only=True)
    supersedes = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = RailEvent
        fields = [
            "id",
            "train",
            "service_date",
            "node",
            "location_scheme",
            "location_code",
            "event",
            "classifier",
            "actual_at",
            "booked_at",
            "original_at",
            "tz",
            "delay_cause",
            "wagons",
            "teu",
            "source",
            "message_id",
            "revision",
            "state",
            "supersedes",
            "received_at",
        ]


class ContainerEventSerializer(serializers.ModelSerializer):
    node = serializers.CharField(source="node.code", read_only=True)

    class Meta:
        model = ContainerEvent
        fields = ["container", "event", "node", "at", "train", "vessel_mmsi", "retracted"]


class TrainSerializer(serializers.ModelSerializer):
    route = serializers.CharField(
        source="route.code", read_only=True, default=None, allow_null=True
    )
    origin = serializers.CharField(
        source="origin.code", read_only=True, default=None, allow_null=True
    )
    destination = serializers.CharField(
        source="destination.code", read_only=True, default=None, allow_null=True
    )
    delay_booked_min = serializers.SerializerMethodField()
    delay_original_min = serializers.SerializerMethodField()
    transit_h = serializers.SerializerMethodField()
    position = serializers.SerializerMethodField()

    class Meta:
        model = Train
        fields = [
            "id",
            "train_no",
            "service_date",
            "service_type",
            "route",
            "origin",
            "destination",
            "external_ids",
            "status",
            "dep_booked",
            "dep_original",
            "dep_actual",
            "arr_booked",
            "arr_original",
            "arr_expected",
            "arr_actual",
            "delay_booked_min",
            "delay_original_min",
            "transit_h",
            "teu",
            "wagons",
            "position",
        ]

    def get_delay_booked_min(self, obj) -> float | None:
        return None if obj.delay_booked_s is None else round(obj.delay_booked_s / 60, 1)

    def get_delay_original_min(self, obj) -> float | None:
        return None if obj.delay_original_s is None else round(obj.delay_original_s / 60, 1)

    def get_transit_h(self, obj) -> float | None:
        return None if obj.transit_s is None else round(obj.transit_s / 3600, 2)

    def get_position(self, obj) -> dict | None:
        positions = self.context.get("positions") or {}
        pos = positions.get(obj.pk)
        if pos is None:
            return None
        return {
            "type": "Point",
            "coordinates": [round(pos.lon, 5), round(pos.lat, 5)],
            "from": pos.from_code,
            "to": pos.to_code,
            "share": round(pos.share, 3),
        }


class TrainDetailSerializer(TrainSerializer):
    events = serializers.SerializerMethodField()
    containers = serializers.SerializerMethodField()

    class Meta(TrainSerializer.Meta):
        fields = [*TrainSerializer.Meta.fields, "events", "containers"]

    def get_events(self, obj) -> list[dict]:
        return RailEventSerializer(self.context.get("events", []), many=True).data

    def get_containers(self, obj) -> list[str]:
        return sorted({c.container for c in obj.container_events.all()})


class EventBatchSerializer(serializers.Serializer):
    """A batch of events: the JSON-lines objects of `ingest_rail`, as a list."""

    events = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=MAX_BATCH
    )

    def validate_events(self, value):
        for i, item in enumerate(value, start=1):
            if len(str(item)) > MAX_LINE:
                raise serializers.ValidationError(f"event {i}: larger than {MAX_LINE} bytes")
        return value


class RailRefusalSerializer(serializers.Serializer):
    """An event refused, with its line (or number) in the batch and why."""

    line = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    detail = serializers.CharField()
    field = serializers.CharField()
    message_id = serializers.CharField(allow_null=True)


RailIngestResultSerializer = type(
    "RailIngestResultSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "What a batch of events did (rail.services.ingest.IngestResult).",
        **{name: serializers.IntegerField() for name in (*COUNTERS, "refused")},
        "refusals": RailRefusalSerializer(many=True),
    },
)


class DcsaFeedbackElementSerializer(serializers.Serializer):
    """DCSA 3.0's FeedbackElement: ERROR for a refused event (its JSON path), INFO for the
    counts."""

    severity = serializers.CharField()
    message = serializers.CharField()
    propertyPath = serializers.CharField(required=False)


class DcsaFeedbackSerializer(serializers.Serializer):
    """DCSA 3.0's PostEventsResponse."""

    feedbackElements = DcsaFeedbackElementSerializer(many=True)
