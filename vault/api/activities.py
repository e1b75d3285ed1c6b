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
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from vault.accounts.access import athlete_for
from vault.activities import selectors, services, storage
from vault.activities.archive import ArchiveError, archive_open, is_zip
from vault.activities.jobs import STRAVA_ARCHIVE
from vault.activities.models import Activity, Lap
from vault.api.errors import error_body
from vault.jobs.services import job_create


class LapSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lap
        fields = ["index", "start_time", "elapsed_s", "distance_m", "summary"]


class ActivityListSerializer(serializers.ModelSerializer):
    athlete = serializers.CharField(source="athlete.public_id", read_only=True)

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
        return selectors.activities_of(athlete, **filters.validated_data)


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


def _queue_archive(*, request, athlete, upload) -> dict:
    """Store the zip where any worker can read it and queue its import; a bad zip is answered at once."""
    try:
        archive_open(upload, archive_name=upload.name).close()
    except ArchiveError as exc:
        return {"file": upload.name, "status": "error", "activity": None, "message": str(exc), "warnings": []}
    upload.seek(0)
    key = uuid.uuid4().hex
    stored = default_storage.save(f"uploads/{key[:2]}/{key}.zip", upload)
    job = job_create(
        kind=STRAVA_ARCHIVE,
        owner=request.user,
        athlete=athlete,
        params={"upload": stored, "filename": upload.name},
    )
    return {
        "file": upload.name,
        "status": "queued",
        "activity": None,
        "message": f"{upload.name}: archive queued for import (job {job.pk})",
        "warnings": [],
        "job": job.pk,
    }


class ActivityUpload(APIView):
    parser_classes = [MultiPartParser]

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
        athlete = athlete_for(request.user, public_id)
        uploads = request.FILES.getlist("file")
        if not uploads:
            raise ValidationError({"file": ["Send one or more files as multipart parts named 'file'."]})
        limit = settings.MAX_UPLOAD_MB * 1024 * 1024
        for upload in uploads:
            if upload.size > limit:
                return Response(
                    error_body(
                        "too_large",
                        f"{upload.name}: {upload.size} bytes is more than the {settings.MAX_UPLOAD_MB} MB upload limit",
                        {"file": [f"{upload.name} is too large"]},
                    ),
                    status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                )
        results = []
        for upload in uploads:
            name = PurePath(upload.name or "upload").name
            head = upload.read(4)
            upload.seek(0)
            if is_zip(head):
                with transaction.atomic():  # the job is enqueued once its row is committed
                    results.append(_queue_archive(request=request, athlete=athlete, upload=upload))
                continue
            outcome = services.activity_import(
                athlete=athlete,
                data=upload.read(),
                filename=name,
                source_kind="upload",
                created_by=request.user,
            )
            results.append(outcome.as_result())
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
