"""REST endpoints: races. The athlete, their coach and admin may list, create, edit and delete them."""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers

from vault.accounts.access import athlete_for, can_manage_athlete
from vault.calculators import selectors, services
from vault.calculators.models import Race


class LegSerializer(serializers.Serializer):
    sport = serializers.CharField(help_text="swim, bike or run")
    distance_m = serializers.FloatField()


class RaceSerializer(serializers.ModelSerializer):
    """Choices and ranges are checked by the race services, so the API and the pages give the same messages."""

    athlete = serializers.CharField(source="athlete.public_id", read_only=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    distance = serializers.CharField(required=False, help_text="sprint, olympic, half, full or custom")
    priority = serializers.CharField(required=False, help_text="A, B or C")
    legs = LegSerializer(
        many=True, required=False, help_text="Filled from the preset unless distance is custom."
    )
    total_distance_m = serializers.FloatField(read_only=True)
    plan_csv_url = serializers.SerializerMethodField()

    class Meta:
        model = Race
        fields = [
            "id",
            "athlete",
            "name",
            "date",
            "distance",
            "legs",
            "total_distance_m",
            "elevation_gain_m",
            "altitude_m",
            "expected_temperature_c",
            "priority",
            "notes",
            "plan_csv_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"date": {"required": False}, "notes": {"required": False}}

    def get_plan_csv_url(self, race: Race) -> str:
        return reverse("api:race-plan-csv", kwargs={"race_id": race.pk})


def _require_manage(user, athlete) -> None:
    """Writes need more than sight of the athlete (today the same people; access.py decides)."""
    if not can_manage_athlete(user, athlete):
        raise exceptions.PermissionDenied("You may see this athlete's races but not change them.")


def _plain(validated: dict) -> dict:
    if "legs" in validated:
        validated = {**validated, "legs": [dict(leg) for leg in validated["legs"]]}
    return validated


@extend_schema_view(
    get=extend_schema(summary="An athlete's races, latest date first"),
    post=extend_schema(summary="Add a race (a preset distance fills the legs)"),
)
class RaceListView(generics.ListCreateAPIView):
    serializer_class = RaceSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: anonymous is a 401
        # Before any body validation, so a stranger's POST is a 404 and never a 400 that confirms the athlete.
        self.athlete = athlete_for(request.user, kwargs["public_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no athlete
            return Race.objects.none()
        return selectors.races_of(self.athlete)

    def perform_create(self, serializer):
        _require_manage(self.request.user, self.athlete)
        values = _plain(serializer.validated_data)
        serializer.instance = services.race_create(
            athlete=self.athlete,
            name=values.get("name", ""),
            date=values.get("date"),
            distance=values.get("distance", ""),
            legs=values.get("legs"),
            elevation_gain_m=values.get("elevation_gain_m"),
            altitude_m=values.get("altitude_m"),
            expected_temperature_c=values.get("expected_temperature_c"),
            priority=values.get("priority", "B"),
            notes=values.get("notes", ""),
            created_by=self.request.user,
        )


@extend_schema_view(
    get=extend_schema(summary="One race"),
    patch=extend_schema(summary="Change some fields of a race"),
    delete=extend_schema(summary="Delete a race and the calculator results saved for it"),
)
class RaceDetailView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = RaceSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        return selectors.race_for(self.request.user, self.kwargs["race_id"])

    def perform_update(self, serializer):
        _require_manage(self.request.user, serializer.instance.athlete)
        serializer.instance = services.race_update(
            race=serializer.instance, **_plain(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        _require_manage(self.request.user, instance.athlete)
        services.race_delete(race=instance)


urlpatterns = [
    path("athlete/<str:public_id>/races/", RaceListView.as_view(), name="race-list"),
    path("race/<int:race_id>/", RaceDetailView.as_view(), name="race-detail"),
]
