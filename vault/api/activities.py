"""REST endpoints: activities (list, detail, delete, streams, original file) and the upload (design.md §6)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from vault.accounts.access import athlete_for
from vault.activities import selectors, services, storage
from vault.activities.archive import ArchiveError, archive_open, archive_refused, is_zip
from vault.activities.jobs import STRAVA_ARCHIVE
from vault.activities.load import load_of
from vault.activities.models import Activity, Lap
from vault.api.errors import error_body
from vault.jobs.services import job_create


class LapSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lap
        fields = ["index", "start_time", "elapsed_s", "distance_m", "summary"]


class ActivityListSerializer(serializers.ModelSerializer):
    athlete = serializers.CharField(source="athlete.public_id", read_only=True)
    # The load that counts: a coach's or athlete's override when there is one (summary.load keeps the computed).
    load = serializers.SerializerMethodField(help_text="effective training load: the override, else computed")
    load_method = serializers.SerializerMethodField(
        help_text="power, pace, heart_rate, swim, or override when the load was overridden"
    )

    def get_load(self, activity) -> float | None:
        return load_of(activity)["load"]

    def get_load_method(self, activity) -> str | None:
        return load_of(activity)["method"]

    class Meta:
        model = Activity
        fields = [
            "id",
            "athlete",
            "sport",
            "sub_sport",
            "start_time",
            "name",
            "source_kind",
            "external_id",
            "original_filename",
            "trainer",
            "summary",
            "load",
            "load_method",
            "created_at",
        ]


class ActivityDetailSerializer(ActivityListSerializer):
    laps = LapSerializer(many=True, read_only=True)

    class Meta(ActivityListSerializer.Meta):
        fields = [
            *ActivityListSerializer.Meta.fields,
            "description",
            "gear",
            "sha256",
            "file_summary",
            "device",
            "warnings",
            "laps",
        ]


class UploadResultSerializer(serializers.Serializer):
    file = serializers.CharField()
    status = serializers.ChoiceField(choices=["imported", "duplicate", "error", "queued"])
    activity = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())
    job = serializers.IntegerField(required=False)


class ActivityFilterSerializer(serializers.Serializer):
    sport = serializers.CharField(required=False, allow_blank=True, default="", help_text="only this sport")
    since = serializers.DateField(
        required=False, default=None, help_text="first day (YYYY-MM-DD, the athlete's calendar), inclusive"
    )
    until = serializers.DateField(
        required=False, default=None, help_text="last day (YYYY-MM-DD, the athlete's calendar), inclusive"
    )


class ActivityList(ListAPIView):
    serializer_class = ActivityListSerializer

    @extend_schema(parameters=[ActivityFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        athlete = athlete_for(self.request.user, self.kwargs["public_id"])
        filters = ActivityFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.activities_of(athlete, **filters.validated_data).select_related("load_override")


class ActivityDetail(APIView):
    @extend_schema(responses=ActivityDetailSerializer)
    def get(self, request, activity_id: int):
        activity = selectors.activity_for(request.user, activity_id)
        return Response(ActivityDetailSerializer(activity).data)

    @extend_schema(responses={204: None})
    def delete(self, request, activity_id: int):
        services.activity_delete(activity=selectors.activity_for(request.user, activity_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class StreamsQuerySerializer(serializers.Serializer):
    max_points = serializers.IntegerField(
        required=False, min_value=2, help_text="thin every channel to at most this many evenly spaced samples"
    )
    from_s = serializers.FloatField(
        required=False, min_value=0, help_text="window start, seconds after the first sample"
    )
    to_s = serializers.FloatField(
        required=False, min_value=0, help_text="window end, seconds after the first sample"
    )

    def validate(self, attrs):
        if "from_s" in attrs and "to_s" in attrs and attrs["to_s"] < attrs["from_s"]:
            raise ValidationError({"to_s": ["must not be before from_s"]})
        return attrs


class ActivityStreams(APIView):
    @extend_schema(parameters=[StreamsQuerySerializer], responses={200: dict})
    def get(self, request, activity_id: int):
        activity = selectors.activity_for(request.user, activity_id)
        query = StreamsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(selectors.activity_streams(activity, **query.validated_data))


class ActivitySource(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, activity_id: int):
        activity = selectors.activity_for(request.user, activity_id)
        return FileResponse(
            storage.original_open(activity.original),
            as_attachment=True,
            filename=activity.original_filename,
            content_type=activity.original.content_type,
        )


def _queue_archive(*, request, athlete, upload, name: str) -> dict:
    """Store the zip where any worker can read it and queue its import; a bad zip is answered at once.

    An archive never sits in memory: Django's upload handlers spool any request beyond
    FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file, zipfile reads only its directory here, and storing it
    copies that file in chunks.
    """
    try:
        archive_open(upload, archive_name=name).close()
    except ArchiveError as exc:
        return archive_refused(athlete=athlete, archive_name=name, problem=exc, source_kind="strava_archive")
    upload.seek(0)
    key = uuid.uuid4().hex
    stored = default_storage.save(f"uploads/{key[:2]}/{key}.zip", upload)
    job = job_create(
        kind=STRAVA_ARCHIVE,
        owner=request.user,
        athlete=athlete,
        params={"upload": stored, "filename": name},
    )
    return {
        "file": name,
        "status": "queued",
        "activity": None,
        "message": f"{name}: archive queued for import (job {job.pk})",
        "warnings": [],
        "job": job.pk,
    }


# Multipart boundaries and part headers around the files themselves.
MULTIPART_SLACK_BYTES = 1024 * 1024


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The upload is too large."


def _size_problem(upload, name: str, *, archive: bool) -> str | None:
    """Why this one file is too large for its kind (activity file or archive), or None."""
    limit_mb = settings.MAX_ARCHIVE_MB if archive else settings.MAX_UPLOAD_MB
    if upload.size <= limit_mb * 1024 * 1024:
        return None
    kind = "archive" if archive else "upload"
    return f"{name}: {upload.size} bytes is more than the {limit_mb} MB {kind} limit"


class ActivityUpload(APIView):
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # Refuse a body no limit allows before anything reads it: authentication's CSRF check would parse the
        # whole multipart body (and spool gigabytes to disk) only for us to answer 413 afterwards.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        largest_mb = max(settings.MAX_UPLOAD_MB, settings.MAX_ARCHIVE_MB)
        if length > largest_mb * 1024 * 1024 + MULTIPART_SLACK_BYTES:
            raise UploadTooLarge(
                f"the request body is {length} bytes, more than the largest upload allowed "
                f"({settings.MAX_ARCHIVE_MB} MB for an archive, {settings.MAX_UPLOAD_MB} MB for an activity file)"
            )
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}},
            }
        },
        responses={200: UploadResultSerializer(many=True), 202: dict, 413: dict},
    )
    def post(self, request, public_id: str):
        """Import each `file` part: an activity file answers its outcome; an archive is queued as a job.

        A file over its limit (MAX_UPLOAD_MB, or MAX_ARCHIVE_MB for an archive) gets an error entry and the
        others import; only when every file is over is the answer 413.
        """
        athlete = athlete_for(request.user, public_id)
        uploads = request.FILES.getlist("file")
        if not uploads:
            raise ValidationError({"file": ["Send one or more files as multipart parts named 'file'."]})
        results = []
        too_large = []
        for upload in uploads:
            name = PurePath(upload.name or "upload").name
            head = upload.read(4)
            upload.seek(0)
            archive = is_zip(head)
            problem = _size_problem(upload, name, archive=archive)
            if problem:
                record = services.import_record_error(
                    athlete=athlete,
                    name=name,
                    message=problem,
                    source_kind="strava_archive" if archive else "upload",
                )
                too_large.append(record.message)
                results.append(
                    {"file": name, "status": "error", "activity": None, "message": problem, "warnings": []}
                )
                continue
            if archive:
                with transaction.atomic():  # the job is enqueued once its row is committed
                    results.append(_queue_archive(request=request, athlete=athlete, upload=upload, name=name))
                continue
            outcome = services.activity_import(
                athlete=athlete,
                data=upload.read(),
                filename=name,
                source_kind="upload",
                created_by=request.user,
            )
            results.append(outcome.as_result())
        if len(too_large) == len(uploads):
            return Response(
                error_body("too_large", "; ".join(too_large), {"file": too_large}),
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        if len(results) == 1 and "job" in results[0]:
            return Response({"job": results[0]["job"], **results[0]}, status=status.HTTP_202_ACCEPTED)
        return Response(results)


urlpatterns = [
    path("athlete/<str:public_id>/activities/", ActivityList.as_view(), name="activity-list"),
    path("athlete/<str:public_id>/activities/upload/", ActivityUpload.as_view(), name="activity-upload"),
    path("activity/<int:activity_id>/", ActivityDetail.as_view(), name="activity-detail"),
    path("activity/<int:activity_id>/streams/", ActivityStreams.as_view(), name="activity-streams"),
    path("activity/<int:activity_id>/source/", ActivitySource.as_view(), name="activity-source"),
]
