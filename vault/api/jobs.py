"""REST endpoints: a background job's state, and the file it made (design.md §6)."""

from __future__ import annotations

import posixpath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from vault.jobs.models import Job
from vault.jobs.selectors import job_for


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField(allow_null=True, help_text="Null while the total is not known yet.")


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "results",
            "download_url",
            "created_at",
            "finished_at",
        ]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, job: Job) -> dict:
        return {"done": job.progress_done, "total": job.progress_total}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job: Job) -> str | None:
        if not job.result_file:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:job-download", kwargs={"job_id": job.pk})
        )


@extend_schema(operation_id="job_retrieve", responses={200: JobSerializer})
@api_view(["GET"])
def job_detail(request, job_id: int):
    """A job's status (queued, running, done, failed), progress, results and, once it made a file, its download."""
    job = job_for(request.user, job_id)
    return Response(JobSerializer(job, context={"request": request}).data)


@extend_schema(
    operation_id="job_download",
    responses={
        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
    },
)
@api_view(["GET"])
def job_download(request, job_id: int):
    """The file a finished job made (an export archive, for example), streamed from storage."""
    job = job_for(request.user, job_id)
    if not job.result_file or not default_storage.exists(job.result_file):
        raise Http404("This job has no file.")
    return FileResponse(
        default_storage.open(job.result_file, "rb"),
        as_attachment=True,
        filename=posixpath.basename(job.result_file),
    )


urlpatterns = [
    path("jobs/<int:job_id>/", job_detail, name="job-detail"),
    path("jobs/<int:job_id>/download/", job_download, name="job-download"),
]
