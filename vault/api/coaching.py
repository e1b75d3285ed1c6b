"""REST endpoints: wellness logs, coach notes, activity comment threads."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from vault.accounts.access import athlete_for, visible_athletes
from vault.activities.models import Activity
from vault.api.pagination import Pagination
from vault.calculators.models import Race
from vault.coaching import selectors, services
from vault.coaching.markdown import render_markdown
from vault.coaching.models import ActivityComment, CoachNote, NoteDomain, WellnessEntry


def _paginate(view, request, queryset, serializer_class):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- wellness


class WellnessSerializer(serializers.ModelSerializer):
    class Meta:
        model = WellnessEntry
        fields = ["date", *services.WELLNESS_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class WellnessListView(APIView):
    """An athlete's daily wellness log (newest first); POST creates or updates the entry of its `date`."""

    pagination_class = Pagination

    @extend_schema(responses=WellnessSerializer(many=True))
    def get(self, request, public_id):
        athlete = athlete_for(request.user, public_id)
        since, until = _date_param(request, "since"), _date_param(request, "until")
        return _paginate(
            self, request, selectors.wellness_entries(athlete, since=since, until=until), WellnessSerializer
        )

    @extend_schema(request=WellnessSerializer, responses={201: WellnessSerializer})
    def post(self, request, public_id):
        athlete = athlete_for(request.user, public_id)
        incoming = WellnessSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        values = dict(incoming.validated_data)
        date = values.pop("date", None)
        if date is None:
            raise serializers.ValidationError({"date": ["This field is required (YYYY-MM-DD)."]})
        entry = services.wellness_entry_save(athlete=athlete, date=date, values=values, by=request.user)
        return Response(WellnessSerializer(entry).data, status=status.HTTP_201_CREATED)


def _date_param(request, name: str) -> dt.date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({name: [f"{raw!r} is not a date (use YYYY-MM-DD)."]}) from None


# --- coach notes


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)
    body_html = serializers.SerializerMethodField()
    activity = serializers.PrimaryKeyRelatedField(
        queryset=Activity.objects.all(), required=False, allow_null=True
    )
    race = serializers.PrimaryKeyRelatedField(queryset=Race.objects.all(), required=False, allow_null=True)
    domain = serializers.ChoiceField(choices=NoteDomain.choices, required=False)

    class Meta:
        model = CoachNote
        fields = [
            "id", "author", "body", "body_html", "domain", "activity", "race", "visible_to_athlete", "concerning",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "author", "body_html", "created_at", "updated_at"]

    def get_body_html(self, note) -> str:
        return str(render_markdown(note.body))


class NoteListView(APIView):
    """Coach notes about an athlete that the caller may see; coaches (and admin) post."""

    pagination_class = Pagination

    @extend_schema(responses=NoteSerializer(many=True))
    def get(self, request, public_id):
        athlete = athlete_for(request.user, public_id)
        return _paginate(self, request, selectors.notes_visible_to(request.user, athlete), NoteSerializer)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def post(self, request, public_id):
        athlete = athlete_for(request.user, public_id)
        incoming = NoteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        note = services.coach_note_create(athlete=athlete, author=request.user, **incoming.validated_data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class NoteDetailView(APIView):
    @extend_schema(responses=NoteSerializer)
    def get(self, request, note_id):
        return Response(NoteSerializer(selectors.note_for(request.user, note_id)).data)

    @extend_schema(request=NoteSerializer, responses=NoteSerializer)
    def patch(self, request, note_id):
        note = selectors.note_for(request.user, note_id)
        incoming = NoteSerializer(note, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        note = services.coach_note_update(note=note, by=request.user, **incoming.validated_data)
        return Response(NoteSerializer(note).data)

    @extend_schema(responses={204: None})
    def delete(self, request, note_id):
        services.coach_note_delete(note=selectors.note_for(request.user, note_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- activity comments


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = ActivityComment
        fields = ["id", "author", "body", "created_at", "edited_at"]
        read_only_fields = ["id", "author", "created_at", "edited_at"]


def _activity_for(user, activity_id) -> Activity:
    return get_object_or_404(Activity, pk=activity_id, athlete__in=visible_athletes(user))


def _comment_for(user, comment_id) -> ActivityComment:
    return get_object_or_404(
        ActivityComment.objects.select_related("activity"),
        pk=comment_id,
        activity__athlete__in=visible_athletes(user),
    )


class CommentListView(APIView):
    """An activity's comment thread, oldest first (newest at the bottom). Reading it marks it read."""

    pagination_class = Pagination

    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request, activity_id):
        activity = _activity_for(request.user, activity_id)
        response = _paginate(self, request, selectors.comments_of(activity), CommentSerializer)
        services.comment_thread_mark_read(activity=activity, user=request.user)
        return response

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    def post(self, request, activity_id):
        activity = _activity_for(request.user, activity_id)
        incoming = CommentSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        comment = services.comment_create(
            activity=activity, author=request.user, body=incoming.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    @extend_schema(request=CommentSerializer, responses=CommentSerializer)
    def patch(self, request, comment_id):
        comment = _comment_for(request.user, comment_id)
        incoming = CommentSerializer(comment, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        if "body" not in incoming.validated_data:
            raise serializers.ValidationError({"body": ["This field is required."]})
        return Response(
            CommentSerializer(
                services.comment_update(
                    comment=comment, by=request.user, body=incoming.validated_data["body"]
                )
            ).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request, comment_id):
        services.comment_delete(comment=_comment_for(request.user, comment_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("athlete/<str:public_id>/wellness/", WellnessListView.as_view(), name="wellness-list"),
    path("athlete/<str:public_id>/notes/", NoteListView.as_view(), name="note-list"),
    path("note/<int:note_id>/", NoteDetailView.as_view(), name="note-detail"),
    path("activity/<int:activity_id>/comments/", CommentListView.as_view(), name="comment-list"),
    path("comment/<int:comment_id>/", CommentDetailView.as_view(), name="comment-detail"),
]
