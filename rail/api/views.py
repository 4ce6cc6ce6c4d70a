"""Views of the rail API: trains, their events, ingest, KPIs and transfer times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import django_filters
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, ParseError, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import nodes_of
from core.api import schemas
from core.api.filters import BBoxFilter
from core.api.limits import refusals_as_answers
from core.api.params import date_param, datetime_param
from core.limits import QUERY_TIMEOUT_S, statement_timeout
from core.replica import long_read
from corridors.models import Route
from corridors.services.routes import find_route
from geo.services.nodes import find_node

from ..choices import EventState, TrainStatus
from ..ingest.dcsa import EventError, events_of, signature_ok
from ..ingest.events import parse_objects
from ..models import CarrierFeed, RailEvent, Train
from ..services.dcsa import ingest_objects
from ..services.ingest import store_events
from ..services.kpis import node_rail_teu, route_kpis, statistical_day
from ..services.live import live_trains
from ..services.runs import position, positions
from ..services.trains import find_train, train_events, trains
from ..services.transfer import PORT_STATIONS, guarded_port_transfer
from .serializers import (
    DcsaFeedbackSerializer,
    EventBatchSerializer,
    RailEventSerializer,
    RailIngestResultSerializer,
    TrainDetailSerializer,
    TrainSerializer,
)


class TrainFilter(django_filters.FilterSet):
    route = django_filters.CharFilter(field_name="route__code")
    status = django_filters.MultipleChoiceFilter(choices=TrainStatus.choices)
    service_type = django_filters.CharFilter()
    date = django_filters.DateFilter(field_name="service_date")
    date_from = django_filters.DateFilter(field_name="service_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="service_date", lookup_expr="lte")
    node = django_filters.CharFilter(method="filter_node", help_text="origin or destination")

    class Meta:
        model = Train
        fields = ["route", "status", "service_type", "date", "date_from", "date_to", "node"]

    def filter_node(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(origin__code=value) | Q(destination__code=value))


class TrainBBoxFilter(BBoxFilter):
    """`?bbox=`: trains whose current position is inside (applied to the page)."""

    def filter_queryset(self, request, queryset, view):
        view.bbox = self.get_filter_bbox(request)
        return queryset


class TrainViewSet(viewsets.ReadOnlyModelViewSet):
    """Train runs: status, delays (against booked and original plan), transit time and,
    for running trains, the position along the line. `?bbox=` keeps trains whose position
    is inside it."""

    serializer_class = TrainSerializer
    filterset_class = TrainFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, TrainBBoxFilter]

    def get_queryset(self):
        return trains()

    def list(self, request, *args, **kwargs):
        self.bbox = None
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        where = positions(rows, timezone.now())
        if self.bbox is not None:
            rows = [r for r in rows if r.pk in where and self.bbox.contains(_pt(where[r.pk]))]
        data = TrainSerializer(rows, many=True, context={"positions": where}).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        responses={
            (200, "application/geo+json"): schemas.feature_collection(
                "LiveTrains", schemas.live_train_properties
            )
        }
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def live(self, request):
        """The running trains at their current positions (GeoJSON points), coloured by
        their delay against the route's punctuality threshold: the map's train layer."""
        return Response(live_trains())

    @extend_schema(responses=TrainDetailSerializer)
    def retrieve(self, request, pk=None):
        try:
            train_id = int(pk or "")
        except ValueError as exc:
            raise ValidationError({"id": "a train id"}) from exc
        train = find_train(train_id)
        if train is None:
            raise Http404
        events = train_events(train)
        current = [e for e in events if e.state == EventState.CURRENT]
        pos = position(train, current, timezone.now())
        context = {"events": events, "positions": {train.pk: pos} if pos else {}}
        return Response(TrainDetailSerializer(train, context=context).data)


def _pt(pos):
    from django.contrib.gis.geos import Point

    return Point(pos.lon, pos.lat, srid=4326)


class RailEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Rail events as stored (every state: current, superseded, retracted). POST a batch
    (`{"events": [...]}`, at most 10,000, the JSON-lines objects of `ingest_rail`): valid
    events are stored, invalid ones refused one by one with their number and reason."""

    serializer_class = RailEventSerializer
    http_method_names = ["get", "post", "head", "options"]
    queryset = RailEvent.objects.select_related("train", "node").order_by("-id")
    filterset_fields = {"state": ["exact"], "event": ["exact"], "source": ["exact"]}

    @extend_schema(
        request=EventBatchSerializer,
        responses={200: RailIngestResultSerializer, 400: schemas.validation_errors()},
    )
    def create(self, request):
        incoming = EventBatchSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        events, refused = parse_objects(incoming.validated_data["events"])
        result = store_events(
            [*events, *refused], allowed_nodes=nodes_of(request.user, "rail.add_railevent")
        )
        return Response(result.as_dict(), status=200)


def _route(code: str) -> Route:
    route = find_route(code)
    if route is None:
        raise Http404
    return route


class RouteKpiView(APIView):
    """Weekly (or daily) KPIs of a route: trains run and cancelled, TEU, median and P90
    transit time, punctuality within the route's threshold (stated in every row)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="default: 12 weeks ago"),
            OpenApiParameter(
                "end", OpenApiTypes.DATE, description="default: today's statistical day"
            ),
            OpenApiParameter("by", str, enum=["week", "day"]),
        ],
        responses=schemas.route_kpis(),
    )
    @long_read
    def get(self, request, code: str):
        route = _route(code)
        today = statistical_day(timezone.now())
        end = date_param(request, "end", today)
        start = date_param(request, "start", end - timedelta(weeks=12))
        by = request.query_params.get("by", "week")
        if by not in ("week", "day"):
            raise ParseError("by: week or day")
        with refusals_as_answers(), statement_timeout(QUERY_TIMEOUT_S):
            rows = route_kpis(route, start, end, by)
        return Response(
            {
                "route": route.code,
                "by": by,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "periods": [r.as_dict() for r in rows],
            }
        )


class NodeRailTeuView(APIView):
    """Rail TEU in (arrivals) and out (departures) at a node per week or day."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            OpenApiParameter("by", str, enum=["week", "day"]),
        ],
        responses=schemas.node_rail_teu(),
    )
    @long_read
    def get(self, request, code: str):
        node = find_node(code)
        if node is None:
            raise Http404
        today = timezone.now().date()
        end = date_param(request, "end", today)
        start = date_param(request, "start", end - timedelta(weeks=12))
        by = request.query_params.get("by", "week")
        if by not in ("week", "day"):
            raise ParseError("by: week or day")
        with refusals_as_answers():
            periods = node_rail_teu(node, start, end, by)
        return Response({"node": node.code, "by": by, "periods": periods})


class PortTransferView(APIView):
    """Sea-rail transfer time at a port (QZ_PORT, BH_PORT, FCG_PORT), both directions:
    weekly median, P90 and share over the threshold, exact and estimated apart, with the
    rules and exclusions."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="default: end - 28 days"),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="default: now"),
        ],
        responses=schemas.port_transfer(),
    )
    @long_read
    def get(self, request, code: str):
        if code not in PORT_STATIONS:
            raise ValidationError({"code": f"one of {sorted(PORT_STATIONS)}"})
        port = find_node(code)
        if port is None:
            raise Http404
        end = datetime_param(request, "end", timezone.now()) or datetime.now(UTC)
        start = datetime_param(request, "start", end - timedelta(days=28)) or end
        with refusals_as_answers():
            return Response(guarded_port_transfer(port, start, end, user_id=request.user.pk))


class DcsaCallbackView(APIView):
    """The push model of DCSA Track & Trace: a carrier's subscription callback. Public by
    design (carriers hold no account here) and authenticated by the signature: each body
    must carry `Notification-Signature: sha256=<hex>`, the HMAC-SHA256 of the whole body
    with the subscription's secret (`manage.py carrier_feed`); a missing or wrong one is a
    401 and nothing is read. A 2.2 body is an array of events, a 3.0 body `{"events": [...]}`
    (PostEventsRequest); each event is checked against its schema. The answer: 204 when all
    were taken (2.2), else 200 with a `feedbackElements` list (3.0's PostEventsResponse),
    an ERROR per refused event with its JSON path. HEAD answers 204 for a known
    subscription (a publisher checking the address)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request) -> str:  # a 401 (not 403) says how to sign
        return 'HMAC-SHA256 header="Notification-Signature"'

    def _feed(self, subscription_id) -> CarrierFeed:
        feed = CarrierFeed.objects.filter(subscription_id=subscription_id, active=True).first()
        if feed is None:
            raise Http404
        return feed

    @extend_schema(request=None, responses={204: None, 404: schemas.detail_error()})
    def head(self, request, subscription_id):
        self._feed(subscription_id)
        return Response(status=204)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("Notification-Signature", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("Subscription-ID", str, OpenApiParameter.HEADER),
        ],
        responses={
            200: DcsaFeedbackSerializer,
            204: None,
            400: schemas.detail_error(),
            401: schemas.detail_error(),
            404: schemas.detail_error(),
        },
    )
    def post(self, request, subscription_id):
        feed = self._feed(subscription_id)
        body = request.body
        if not signature_ok(body, request.headers.get("Notification-Signature"), feed.secret):
            raise AuthenticationFailed(
                "Notification-Signature: missing, or not the HMAC-SHA256 of the body with "
                "this subscription's secret"
            )
        said = request.headers.get("Subscription-ID")
        if said and said.strip().lower() != str(feed.subscription_id):
            raise ParseError("Subscription-ID: not this callback's subscription")
        try:
            events = events_of(json.loads(body))
        except ValueError as exc:
            raise ParseError(f"body: not JSON ({str(exc)[:80]})") from exc
        except EventError as exc:
            raise ParseError(f"body: {exc.reason}: {exc.detail}") from exc
        result = ingest_objects(events, feed.name, "push", feed.version)
        if not result.refused and feed.version == "2.2":
            return Response(status=204)
        return Response({"feedbackElements": feedback(result)}, status=200)


def feedback(result) -> list[dict[str, str]]:
    """A batch's outcome as DCSA 3.0 FeedbackElements: an ERROR per refused event (its
    JSON path in the request), then an INFO with the counts."""
    elements = [
        {
            "severity": "ERROR",
            "message": f"{r.reason}: {r.detail}"[:5000],
            "propertyPath": f"$.events[{r.line - 1}]" + (r.field or "$")[1:],
        }
        for r in result.refused[:1000]
    ]
    elements.append({"severity": "INFO", "message": result.summary()})
    return elements
