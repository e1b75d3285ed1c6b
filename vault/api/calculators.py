"""REST endpoints: the calculator types, running a calculator, and saved calculator results."""

from __future__ import annotations

import datetime as dt

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from vault.accounts.access import athlete_for, can_manage_athlete
from vault.activities import load as training_load
from vault.activities.selectors import activity_for
from vault.calculators import selectors, services
from vault.calculators.assessments import assessment_record
from vault.calculators.calculators import CALCULATORS, describe
from vault.calculators.models import Assessment, AssessmentKind, CalculatorResult, CalculatorType, Race


class CalculatorResultSerializer(serializers.ModelSerializer):
    athlete = serializers.CharField(source="athlete.public_id", read_only=True)
    race_name = serializers.CharField(source="race.name", read_only=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = CalculatorResult
        fields = [
            "id",
            "athlete",
            "calculator_type",
            "race",
            "race_name",
            "inputs",
            "outputs",
            "is_active",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


@extend_schema_view(
    get=extend_schema(
        summary="An athlete's saved calculator results, newest first",
        parameters=[
            OpenApiParameter("calculator_type", OpenApiTypes.STR, enum=CalculatorType.values),
            OpenApiParameter("race", OpenApiTypes.INT, description="Only results saved for this race"),
        ],
    )
)
class CalculatorResultListView(generics.ListAPIView):
    serializer_class = CalculatorResultSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: anonymous is a 401
        self.athlete = athlete_for(request.user, kwargs["public_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no athlete
            return CalculatorResult.objects.none()
        athlete = self.athlete
        params = self.request.query_params
        calculator_type = params.get("calculator_type") or None
        if calculator_type is not None and calculator_type not in CalculatorType.values:
            raise serializers.ValidationError(
                {
                    "calculator_type": [
                        f"{calculator_type!r} is not one of {', '.join(CalculatorType.values)}."
                    ]
                }
            )
        race = None
        if params.get("race"):
            race_id = params["race"]
            race = Race.objects.filter(pk=race_id, athlete=athlete).first() if race_id.isdigit() else None
            if race is None:
                raise serializers.ValidationError({"race": [f"{race_id!r} is not a race of this athlete."]})
        return selectors.calculator_results_of(athlete, calculator_type=calculator_type, race=race)


@extend_schema_view(get=extend_schema(summary="One saved calculator result"))
class CalculatorResultDetailView(generics.RetrieveAPIView):
    serializer_class = CalculatorResultSerializer

    def get_object(self):
        return selectors.calculator_result_for(self.request.user, self.kwargs["result_id"])


class CalculatorFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    unit = serializers.CharField(help_text="the unit its value is in ('' for none)")
    description = serializers.CharField()
    required = serializers.BooleanField()


class CalculatorTypeSerializer(serializers.Serializer):
    calculator_type = serializers.CharField()
    label = serializers.CharField()
    inputs = CalculatorFieldSerializer(many=True)
    outputs = CalculatorFieldSerializer(many=True)


class CalculatorTypeListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The calculator types with their inputs and outputs (with units)",
        responses=CalculatorTypeSerializer(many=True),
    )
    def get(self, request):
        types = [describe(calculator) for calculator in CALCULATORS.values()]
        return Response({"results": types, "next": None, "count": len(types)})


def _polymorphic(name: str, part: str):
    return PolymorphicProxySerializer(
        component_name=name,
        serializers={key: getattr(calculator, part) for key, calculator in CALCULATORS.items()},
        resource_type_field_name=None,
    )


class CalculatorRunResponse(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="the saved result; null for a preview")
    calculator_type = serializers.ChoiceField(choices=list(CALCULATORS))
    inputs = _polymorphic("CalculatorInputs", "inputs")
    outputs = _polymorphic("CalculatorOutputs", "outputs")
    race = serializers.IntegerField(allow_null=True)
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="stale metric-history values the prefill used (readiness windows), one sentence each",
    )


class CalculatorRunView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Run a calculator; omitted inputs are prefilled from the metric history or the race",
        description="Each calculator's inputs and outputs are listed under CalculatorInputs and "
        "CalculatorOutputs (one schema per type, field names carry their unit). A refused input is a 400 "
        "with a field error and nothing is saved.",
        parameters=[
            OpenApiParameter(
                "calculator_type", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(CALCULATORS)
            ),
            OpenApiParameter("save", OpenApiTypes.BOOL, description="false previews without saving"),
        ],
        request=_polymorphic("CalculatorInputs", "inputs"),
        responses={201: CalculatorRunResponse, 200: CalculatorRunResponse},
    )
    def post(self, request, public_id: str, calculator_type: str):
        athlete = athlete_for(request.user, public_id)
        if calculator_type not in CALCULATORS:
            raise NotFound(f"{calculator_type!r} is not a calculator; known: {', '.join(CALCULATORS)}.")
        save = request.query_params.get("save", "true").lower() not in ("false", "0", "no")
        result = services.calculator_run(
            athlete=athlete,
            calculator_type=calculator_type,
            inputs=request.data,
            save=save,
            created_by=request.user,
        )
        body = {
            "id": result.pk,
            "calculator_type": result.calculator_type,
            "inputs": result.inputs,
            "outputs": result.outputs,
            "race": result.race_id,
            "warnings": result.warnings,
        }
        return Response(body, status=status.HTTP_201_CREATED if save else status.HTTP_200_OK)


class AssessmentSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    inputs = serializers.JSONField(
        help_text="css_test: d1_m, t1_s, d2_m, t2_s · ftp_test: power_20min_w · cp_test: efforts "
        "[{duration_s, power_w}] · run_threshold_test: distance_m, avg_hr_last_20min_bpm"
    )
    tested_on = serializers.DateField(required=False, help_text="default today")

    class Meta:
        model = Assessment
        fields = ["id", "kind", "tested_on", "inputs", "outputs", "notes", "created_by", "created_at"]
        read_only_fields = ["id", "outputs", "created_by", "created_at"]


@extend_schema_view(
    get=extend_schema(
        summary="An athlete's threshold tests, newest first",
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=AssessmentKind.values)],
    ),
    post=extend_schema(
        summary="Record a threshold test; its thresholds go to the metric history (source assessment)"
    ),
)
class AssessmentListView(generics.ListCreateAPIView):
    serializer_class = AssessmentSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.athlete = athlete_for(request.user, kwargs["public_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        assessments = selectors.assessments_of(self.athlete)
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in AssessmentKind.values:
                raise serializers.ValidationError(
                    {"kind": [f"{kind!r} is not one of {', '.join(AssessmentKind.values)}."]}
                )
            assessments = assessments.filter(kind=kind)
        return assessments

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = assessment_record(
            athlete=self.athlete,
            kind=data["kind"],
            inputs=data["inputs"],
            tested_on=data.get("tested_on"),
            notes=data.get("notes", ""),
            created_by=self.request.user,
        )


class FitnessDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    load = serializers.FloatField(help_text="the day's summed load (overrides win)")
    ctl = serializers.FloatField(help_text="fitness, 42-day")
    atl = serializers.FloatField(help_text="fatigue, 7-day")
    tsb = serializers.FloatField(help_text="form: yesterday's CTL - ATL")
    ramp_rate = serializers.FloatField(help_text="CTL change over 7 days")


class FitnessSerializer(serializers.Serializer):
    today = serializers.DictField(allow_null=True, help_text="ctl, atl, tsb, ramp_rate, band, label")
    days = FitnessDaySerializer(many=True)


def _date_param(request, name: str):
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise serializers.ValidationError({name: [f"{text!r} is not a date; use YYYY-MM-DD."]}) from None


class FitnessView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Daily load with CTL, ATL, TSB and ramp rate (default: from the first activity to today)",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses=FitnessSerializer,
    )
    def get(self, request, public_id: str):
        athlete = athlete_for(request.user, public_id)
        start, end = _date_param(request, "start"), _date_param(request, "end")
        if start and end and end < start:
            raise serializers.ValidationError({"end": ["must not be before start."]})
        days = training_load.fitness_series(athlete, start=start, end=end)
        return Response(
            {
                "today": training_load.fitness_today(athlete),
                "days": FitnessDaySerializer(days, many=True).data,
            }
        )


class PowerCurvesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Best power curves ([[duration_s, watts], ...]) for 42 d, 90 d, the season and all time",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, public_id: str):
        athlete = athlete_for(request.user, public_id)
        return Response(training_load.best_power_curves(athlete))


class ActivityLoadSerializer(serializers.Serializer):
    load = serializers.FloatField(allow_null=True, help_text="the load summed for this activity")
    computed = serializers.FloatField(allow_null=True, read_only=True)
    method = serializers.CharField(allow_null=True, read_only=True)
    computed_method = serializers.CharField(allow_null=True, read_only=True)
    override = serializers.FloatField(allow_null=True, read_only=True)


class ActivityLoadRequest(serializers.Serializer):
    load = serializers.JSONField(help_text="the override (0-2000), or null to use the computed load again")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ActivityLoadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="An activity's training load: computed (with method), any override and its changes",
        responses=ActivityLoadSerializer,
    )
    def get(self, request, activity_id: int):
        activity = activity_for(request.user, activity_id)
        changes = [
            {
                "old_load": change.old_load,
                "new_load": change.new_load,
                "note": change.note,
                "changed_by": change.changed_by.username if change.changed_by else None,
                "changed_at": change.changed_at,
            }
            for change in activity.load_changes.select_related("changed_by")
        ]
        return Response({**training_load.load_of(activity), "changes": changes})

    @extend_schema(
        summary="Override an activity's load (audited); null goes back to the computed load",
        request=ActivityLoadRequest,
        responses=ActivityLoadSerializer,
    )
    def put(self, request, activity_id: int):
        activity = activity_for(request.user, activity_id)
        if not can_manage_athlete(request.user, activity.athlete):
            raise NotFound("No activity here.")
        if not isinstance(request.data, dict) or "load" not in request.data:
            raise serializers.ValidationError({"load": ["Give a load, or null to use the computed one."]})
        return Response(
            training_load.activity_load_set(
                activity=activity,
                load=request.data["load"],
                note=request.data.get("note") or "",
                changed_by=request.user,
            )
        )


urlpatterns = [
    path("athlete/<str:public_id>/fitness/", FitnessView.as_view(), name="fitness"),
    path("athlete/<str:public_id>/power_curves/", PowerCurvesView.as_view(), name="power-curves"),
    path("activity/<int:activity_id>/load/", ActivityLoadView.as_view(), name="activity-load"),
    path("athlete/<str:public_id>/assessments/", AssessmentListView.as_view(), name="assessment-list"),
    path("calculators/", CalculatorTypeListView.as_view(), name="calculator-type-list"),
    path(
        "athlete/<str:public_id>/calculators/<str:calculator_type>/",
        CalculatorRunView.as_view(),
        name="calculator-run",
    ),
    path(
        "athlete/<str:public_id>/calculator_results/",
        CalculatorResultListView.as_view(),
        name="calculator-result-list",
    ),
    path(
        "calculator_result/<int:result_id>/",
        CalculatorResultDetailView.as_view(),
        name="calculator-result-detail",
    ),
]
