"""REST endpoints: source connections, their scans and syncs, and their file logs (design.md §6)."""

from __future__ import annotations

from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from vault.accounts.access import athlete_for
from vault.sources import selectors, services
from vault.sources.connectors.strava.client import StravaError
from vault.sources.connectors.strava.oauth import strava_authorize_url
from vault.sources.models import SourceFileLog, SourceKind


class SourceSerializer(serializers.Serializer):
    """What may be shown of a source: never its tokens."""

    id = serializers.IntegerField()
    athlete = serializers.CharField(source="athlete.public_id")
    kind = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    path = serializers.CharField()
    scopes = serializers.SerializerMethodField()
    last_sync_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    counts = serializers.SerializerMethodField()
    job = serializers.SerializerMethodField()

    def get_scopes(self, source) -> list[str]:
        return source.config.get("scopes", []) if source.kind == SourceKind.STRAVA else []

    def get_counts(self, source) -> dict:
        return {
            "imported": getattr(source, "imported_count", 0),
            "duplicate": getattr(source, "duplicate_count", 0),
            "error": getattr(source, "error_count", 0),
        }

    def get_job(self, source) -> dict | None:
        job = selectors.running_job(source)
        if job is None:
            return None
        return {
            "id": job.pk,
            "status": job.status,
            "done": job.progress_done,
            "total": job.progress_total,
            "message": job.message,
        }


class SourceCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SourceKind.choices)
    path = serializers.CharField(required=False, allow_blank=True, default="", help_text="watched_folder")
    token = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="nrc: the bearer token", write_only=True
    )
    refresh_token = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="nrc, optional: the refresh token, which renews an expired bearer token while Nike allows",
        write_only=True,
    )


class SourceUpdateSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="nrc: a fresh bearer token", write_only=True)
    refresh_token = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="nrc, optional: a refresh token to keep with it (none given: none is kept)",
        write_only=True,
    )


class FileLogSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at")
    activity = serializers.IntegerField(source="activity_id", allow_null=True)

    class Meta:
        model = SourceFileLog
        # retry: a transient failure that the next sync fetches again (its entry is then replaced)
        fields = ["name", "status", "message", "activity", "external_id", "retry", "at"]


def strava_callback_url(request) -> str:
    return request.build_absolute_uri(reverse("web:strava-callback"))


def source_answer(request, source, *, code=status.HTTP_200_OK) -> Response:
    """The source as JSON; a Strava source not yet connected carries a fresh single-use authorize_url."""
    source = selectors.sources_of(source.athlete).get(pk=source.pk)
    data = SourceSerializer(source).data
    if source.kind == SourceKind.STRAVA and request.method == "POST":
        try:
            data["authorize_url"] = strava_authorize_url(
                source=source, redirect_uri=strava_callback_url(request)
            )
        except StravaError as exc:
            data["authorize_url"] = None
            data["status_reason"] = str(exc)
    return Response(data, status=code)


@extend_schema(summary="An athlete's source connections")
class SourceListView(generics.ListAPIView):
    serializer_class = SourceSerializer
    pagination_class = None

    def get_queryset(self):
        athlete = athlete_for(self.request.user, self.kwargs["public_id"])
        return selectors.sources_of(athlete).select_related("athlete")

    def list(self, request, *args, **kwargs):
        results = SourceSerializer(self.get_queryset(), many=True).data
        return Response({"results": results, "next": None, "count": len(results)})

    @extend_schema(
        summary="Connect a source",
        request=SourceCreateSerializer,
        responses={201: SourceSerializer},
        description='{"kind": "watched_folder", "path": "/abs/path"}, {"kind": "nrc", "token": "..."} (and '
        'optionally "refresh_token") or {"kind": "strava"} (answers with authorize_url: follow it through '
        "Strava's consent).",
    )
    def post(self, request, public_id: str):
        athlete = athlete_for(request.user, public_id)
        incoming = SourceCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        source = services.source_create(athlete=athlete, created_by=request.user, **incoming.validated_data)
        return source_answer(request, source, code=status.HTTP_201_CREATED)


class SourceDetailView(APIView):
    @extend_schema(summary="One source", responses=SourceSerializer)
    def get(self, request, source_id: int):
        return source_answer(request, selectors.source_for(request.user, source_id))

    @extend_schema(
        summary="Give an NRC source a fresh token", request=SourceUpdateSerializer, responses=SourceSerializer
    )
    def patch(self, request, source_id: int):
        source = selectors.source_for(request.user, source_id)
        incoming = SourceUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        source = services.source_update_token(source=source, **incoming.validated_data)
        return source_answer(request, source)

    @extend_schema(summary="Remove a source (its activities stay)", responses={204: None})
    def delete(self, request, source_id: int):
        services.source_delete(source=selectors.source_for(request.user, source_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


JOB_ANSWER = inline_serializer("SourceJob", {"job": serializers.IntegerField()})


class SourceActionView(APIView):
    """POST scan (watched folders) or sync (Strava, NRC): {"job": id}; an already running one is answered."""

    action = ""

    @extend_schema(request=None, responses={202: JOB_ANSWER})
    def post(self, request, source_id: int):
        source = selectors.source_for(request.user, source_id)
        is_folder = source.kind == SourceKind.WATCHED_FOLDER
        if (self.action == "scan") != is_folder:
            right = "scan" if is_folder else "sync"
            raise serializers.ValidationError(
                {
                    "action": [
                        f"a {source.get_kind_display()} source is updated with {right}, not {self.action}"
                    ]
                }
            )
        job = services.source_sync_start(source=source, owner=request.user)
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)


@extend_schema(summary="A source's file log, newest first")
class SourceFilesView(generics.ListAPIView):
    serializer_class = FileLogSerializer

    def get_queryset(self):
        source = selectors.source_for(self.request.user, self.kwargs["source_id"])
        return selectors.file_log(source, limit=None)


urlpatterns = [
    path("athlete/<str:public_id>/sources/", SourceListView.as_view(), name="source-list"),
    path("source/<int:source_id>/", SourceDetailView.as_view(), name="source-detail"),
    path("source/<int:source_id>/scan/", SourceActionView.as_view(action="scan"), name="source-scan"),
    path("source/<int:source_id>/sync/", SourceActionView.as_view(action="sync"), name="source-sync"),
    path("source/<int:source_id>/files/", SourceFilesView.as_view(), name="source-files"),
]
