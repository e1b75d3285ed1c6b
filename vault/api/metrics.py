"""REST endpoints: the metric history of an athlete, manual entries and the review actions (design.md §6)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from vault.accounts.access import athlete_for
from vault.metrics import services
from vault.metrics.models import MetricHistory, Source
from vault.metrics.selectors import display_units, metric_history
from vault.metrics.types import METRIC, METRIC_TYPES, display_value, unknown_type_message


class MetricTypeField(serializers.CharField):
    """A metric type key; an unknown one is a field error that lists the known ones."""

    def to_internal_value(self, data):
        key = super().to_internal_value(data)
        if key not in METRIC_TYPES:
            raise serializers.ValidationError(unknown_type_message(key))
        return key


class MetricEntrySerializer(serializers.ModelSerializer):
    """`value` stays in the stored SI unit (`unit`) for every caller; `value_display` is the same value as
    the caller reads it, in the unit system named by `display_units` (context "units", design.md §8)."""

    unit = serializers.SerializerMethodField()
    value_display = serializers.SerializerMethodField()
    display_units = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = MetricHistory
        fields = [
            "id",
            "metric_type",
            "value",
            "unit",
            "value_display",
            "display_units",
            "recorded_on",
            "source",
            "source_detail",
            "needs_review",
            "review_status",
            "review_note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_unit(self, entry) -> str:
        info = METRIC_TYPES.get(entry.metric_type)
        return info.unit if info else ""

    def get_display_units(self, entry) -> str:
        return self.context.get("units") or METRIC

    def get_value_display(self, entry) -> str:
        return display_value(entry.metric_type, entry.value, self.get_display_units(entry))


def _context(request, athlete) -> dict:
    return {"request": request, "units": display_units(request.user, athlete)}


class MetricEntryCreateSerializer(serializers.Serializer):
    metric_type = MetricTypeField()
    value = serializers.FloatField(
        help_text="In the metric type's stored unit (m/s for paces, W, J, kg, ...)."
    )
    recorded_on = serializers.DateField()
    source_detail = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MetricEntryUpdateSerializer(serializers.Serializer):
    value = serializers.FloatField(required=False)
    recorded_on = serializers.DateField(required=False)
    source_detail = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MetricFilterSerializer(serializers.Serializer):
    metric_type = MetricTypeField(required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": "must be on or after since"})
        return attrs


class MetricReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "decline", "request_info"])
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Decline reason or the question to the athlete.",
    )


@extend_schema_view(
    get=extend_schema(
        summary="Metric history",
        parameters=[
            OpenApiParameter("metric_type", str, description="one metric type, e.g. ftp"),
            OpenApiParameter("since", str, description="first date, YYYY-MM-DD"),
            OpenApiParameter("until", str, description="last date, YYYY-MM-DD"),
        ],
    ),
    post=extend_schema(
        summary="Add a manual entry",
        request=MetricEntryCreateSerializer,
        responses={201: MetricEntrySerializer},
    ),
)
class MetricListView(generics.ListCreateAPIView):
    serializer_class = MetricEntrySerializer

    def get_queryset(self):
        athlete = self.athlete = athlete_for(self.request.user, self.kwargs["public_id"])
        filters = MetricFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return metric_history(athlete, **filters.validated_data)

    def get_serializer_context(self):
        athlete = getattr(self, "athlete", None)  # set by get_queryset; absent while the schema is built
        context = super().get_serializer_context()
        if athlete is not None:
            context["units"] = display_units(self.request.user, athlete)
        return context

    def create(self, request, *args, **kwargs):
        athlete = athlete_for(request.user, self.kwargs["public_id"])
        incoming = MetricEntryCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        entry = services.metric_entry_create(
            athlete=athlete, source=Source.MANUAL, created_by=request.user, **incoming.validated_data
        )
        data = MetricEntrySerializer(entry, context=_context(request, athlete)).data
        return Response(data, status=status.HTTP_201_CREATED)


def _entry_for(request, public_id: str, entry_id: int) -> MetricHistory:
    athlete = athlete_for(request.user, public_id)
    return get_object_or_404(MetricHistory.objects.select_related("athlete"), athlete=athlete, pk=entry_id)


@extend_schema_view(
    get=extend_schema(summary="One metric entry"),
    patch=extend_schema(
        summary="Edit a manual entry", request=MetricEntryUpdateSerializer, responses=MetricEntrySerializer
    ),
    delete=extend_schema(summary="Delete a manual entry", responses={204: None}),
)
class MetricDetailView(APIView):
    serializer_class = MetricEntrySerializer

    def get(self, request, public_id: str, entry_id: int):
        entry = _entry_for(request, public_id, entry_id)
        return Response(MetricEntrySerializer(entry, context=_context(request, entry.athlete)).data)

    def patch(self, request, public_id: str, entry_id: int):
        entry = _entry_for(request, public_id, entry_id)
        incoming = MetricEntryUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        entry = services.metric_entry_update(entry=entry, updated_by=request.user, **incoming.validated_data)
        return Response(MetricEntrySerializer(entry, context=_context(request, entry.athlete)).data)

    def delete(self, request, public_id: str, entry_id: int):
        entry = _entry_for(request, public_id, entry_id)
        services.metric_entry_delete(entry=entry, deleted_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MetricReviewView(APIView):
    @extend_schema(
        summary="Review an entry: accept, decline (note = reason) or ask for information (note = question)",
        request=MetricReviewSerializer,
        responses=MetricEntrySerializer,
    )
    def post(self, request, public_id: str, entry_id: int):
        entry = _entry_for(request, public_id, entry_id)
        if not services.can_review(request.user, entry.athlete):
            raise PermissionDenied
        incoming = MetricReviewSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        action, note = incoming.validated_data["action"], incoming.validated_data["note"]
        if action == "accept":
            entry = services.metric_review_accept(entry=entry, reviewer=request.user, note=note)
        elif action == "decline":
            entry = services.metric_review_decline(entry=entry, reviewer=request.user, reason=note)
        else:
            entry = services.metric_review_request_info(entry=entry, reviewer=request.user, note=note)
        return Response(MetricEntrySerializer(entry, context=_context(request, entry.athlete)).data)


urlpatterns = [
    path("athlete/<str:public_id>/metrics/", MetricListView.as_view(), name="metric-list"),
    path("athlete/<str:public_id>/metrics/<int:entry_id>/", MetricDetailView.as_view(), name="metric-detail"),
    path(
        "athlete/<str:public_id>/metrics/<int:entry_id>/review/",
        MetricReviewView.as_view(),
        name="metric-review",
    ),
]
