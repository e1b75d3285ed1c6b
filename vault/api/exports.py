"""REST endpoints: the CSV exports (paths as the help pages give them). Token or session auth, so the
Export buttons on the pages download them directly."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import Http404, StreamingHttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from vault.accounts.access import athlete_for, visible_athletes
from vault.accounts.deletion import account_delete
from vault.calculators.selectors import race_for
from vault.exports import exporters, zipexport
from vault.exports.csv import attachment_header
from vault.exports.jobs import ATHLETE_EXPORT, ROSTER_EXPORT, export_background_above
from vault.jobs.services import job_create


class FirstRendererNegotiation(BaseContentNegotiation):
    """A CSV endpoint answers CSV whatever Accept says; its errors use the JSON error shape."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 CSV with BOM, streamed")
}


class CsvExportView(APIView):
    content_negotiation_class = FirstRendererNegotiation


class MetricsCsvView(CsvExportView):
    @extend_schema(
        operation_id="athlete_metrics_csv", summary="The metric history as CSV", responses=CSV_RESPONSE
    )
    def get(self, request, public_id):
        return exporters.metrics_csv(athlete_for(request.user, public_id))


class CalculatorResultsCsvView(CsvExportView):
    @extend_schema(
        operation_id="athlete_calculator_results_csv",
        summary="Saved calculator results as CSV, outputs one column each",
        responses=CSV_RESPONSE,
    )
    def get(self, request, public_id):
        return exporters.calculator_results_csv(athlete_for(request.user, public_id))


class RacePlanCsvView(CsvExportView):
    @extend_schema(
        operation_id="race_plan_csv",
        summary="A race's plan (its active calculator results) as one CSV row",
        responses=CSV_RESPONSE,
    )
    def get(self, request, race_id):
        return exporters.race_plan_csv(race_for(request.user, race_id))


class WellnessCsvView(CsvExportView):
    @extend_schema(
        operation_id="athlete_wellness_csv", summary="The wellness log as CSV", responses=CSV_RESPONSE
    )
    def get(self, request, public_id):
        return exporters.wellness_csv(athlete_for(request.user, public_id))


class CoachNotesCsvView(CsvExportView):
    @extend_schema(
        operation_id="athlete_coach_notes_csv",
        summary="The coach notes the caller may see, as CSV",
        responses=CSV_RESPONSE,
    )
    def get(self, request, public_id):
        return exporters.coach_notes_csv(request.user, athlete_for(request.user, public_id))


class CommentsCsvView(CsvExportView):
    @extend_schema(
        operation_id="athlete_comments_csv",
        summary="Every comment on the athlete's activities, as CSV",
        responses=CSV_RESPONSE,
    )
    def get(self, request, public_id):
        return exporters.comments_csv(athlete_for(request.user, public_id))


class ActivitiesCsvView(CsvExportView):
    @extend_schema(
        operation_id="athlete_activities_csv",
        summary="One row per activity with its summary metrics, as CSV",
        responses=CSV_RESPONSE,
    )
    def get(self, request, public_id):
        return exporters.activities_csv(athlete_for(request.user, public_id))


ZIP_RESPONSES = {
    (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip, streamed"),
    (202, "application/json"): OpenApiResponse(
        inline_serializer("ExportJob", {"job": serializers.IntegerField()}),
        description="Built in the background: follow /api/jobs/<job>/ until it has a download_url",
    ),
}
BACKGROUND_PARAMETER = OpenApiParameter(
    "background", bool, description="true: always build the archive in a background job"
)


def _wants_background(request, activity_count: int) -> bool:
    asked = request.query_params.get("background", "").lower() in ("1", "true", "yes")
    return asked or activity_count > export_background_above()


def _zip_response(chunks, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = attachment_header(filename)
    response["Cache-Control"] = "no-store"
    return response


class AthleteExportView(CsvExportView):
    @extend_schema(
        operation_id="athlete_export_zip",
        summary="The full export: every CSV, every original, streams as CSV and manifest.json",
        parameters=[BACKGROUND_PARAMETER],
        responses=ZIP_RESPONSES,
    )
    def get(self, request, public_id):
        athlete = athlete_for(request.user, public_id)
        if _wants_background(request, zipexport.athlete_export_count(athlete)):
            job = job_create(kind=ATHLETE_EXPORT, owner=request.user, athlete=athlete)
            return Response({"job": job.pk}, status=202)
        return _zip_response(
            zipexport.athlete_export_stream(request.user, athlete), zipexport.athlete_export_filename(athlete)
        )


class RosterExportView(CsvExportView):
    @extend_schema(
        operation_id="roster_export_zip",
        summary="A coach's whole roster: each athlete's full export in its own folder",
        parameters=[BACKGROUND_PARAMETER],
        responses=ZIP_RESPONSES,
    )
    def get(self, request):
        user = request.user
        if not (user.is_coach or user.is_admin_role):
            raise Http404("Only coaches have a roster.")
        athletes = list(visible_athletes(user).order_by("name", "pk"))
        count = sum(zipexport.athlete_export_count(athlete) for athlete in athletes)
        if _wants_background(request, count):
            job = job_create(kind=ROSTER_EXPORT, owner=user)
            return Response({"job": job.pk}, status=202)
        return _zip_response(
            zipexport.roster_export_stream(user, athletes), zipexport.roster_export_filename(user)
        )


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(help_text="The caller's password, typed again", trim_whitespace=False)


class AccountDeleteView(APIView):
    @extend_schema(
        operation_id="me_delete",
        summary="Delete the caller's account and everything of theirs (download the full export first)",
        request=AccountDeleteSerializer,
        responses={200: inline_serializer("AccountDeleted", {"deleted": serializers.BooleanField()})},
    )
    def post(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account_delete(user=request.user, password=serializer.validated_data["password"])
        logout(request._request)
        return Response({"deleted": True})


urlpatterns = [
    path("athlete/<str:public_id>/metrics.csv", MetricsCsvView.as_view(), name="metrics-csv"),
    path(
        "athlete/<str:public_id>/calculator_results.csv",
        CalculatorResultsCsvView.as_view(),
        name="calculator-results-csv",
    ),
    path("race/<int:race_id>/plan.csv", RacePlanCsvView.as_view(), name="race-plan-csv"),
    path("athlete/<str:public_id>/wellness.csv", WellnessCsvView.as_view(), name="wellness-csv"),
    path("athlete/<str:public_id>/coach_notes.csv", CoachNotesCsvView.as_view(), name="coach-notes-csv"),
    path("athlete/<str:public_id>/comments.csv", CommentsCsvView.as_view(), name="comments-csv"),
    path("athlete/<str:public_id>/activities.csv", ActivitiesCsvView.as_view(), name="activities-csv"),
    path("athlete/<str:public_id>/export.zip", AthleteExportView.as_view(), name="athlete-export"),
    path("roster/export.zip", RosterExportView.as_view(), name="roster-export"),
    path("me/delete/", AccountDeleteView.as_view(), name="me-delete"),
]
