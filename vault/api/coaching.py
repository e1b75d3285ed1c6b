"""REST endpoints: wellness logs, coach notes, activity comment threads."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
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
from vault.coaching.models import ActivityComment, CoachNote, NoteDomain, NoteTemplate, WellnessEntry


def _paginate(view, request, queryset, serializer_class):
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- wellness


class WellnessSerializer(serializers.ModelSerializer):
    class Meta:
        model = WellnessEntry
        fields = ["id", "date", *services.WELLNESS_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


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


def _wellness_entry_for(user, entry_id: int) -> WellnessEntry:
    return get_object_or_404(
        WellnessEntry.objects.select_related("athlete"), pk=entry_id, athlete__in=visible_athletes(user)
    )


class WellnessDetailView(APIView):
    """One day's entry: PATCH changes some measures (the day stays), DELETE removes it and the weight it
    wrote to the metric history."""

    @extend_schema(responses=WellnessSerializer)
    def get(self, request, entry_id):
        return Response(WellnessSerializer(_wellness_entry_for(request.user, entry_id)).data)

    @extend_schema(request=WellnessSerializer, responses=WellnessSerializer)
    def patch(self, request, entry_id):
        entry = _wellness_entry_for(request.user, entry_id)
        incoming = WellnessSerializer(entry, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        values = dict(incoming.validated_data)
        if "date" in values and values.pop("date") != entry.date:
            raise serializers.ValidationError(
                {"date": ["An entry's day cannot change; delete it and log the other day instead."]}
            )
        entry = services.wellness_entry_update(entry=entry, values=values, by=request.user)
        return Response(WellnessSerializer(entry).data)

    @extend_schema(responses={204: None})
    def delete(self, request, entry_id):
        services.wellness_entry_delete(entry=_wellness_entry_for(request.user, entry_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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

    def __init__(self, *args, athlete=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only that athlete's activities and races resolve: another athlete's id answers exactly as an id
        # of nothing does, so a refusal never confirms that it exists.
        athlete = athlete or getattr(self.instance, "athlete", None)
        if athlete is not None:
            self.fields["activity"].queryset = Activity.objects.filter(athlete=athlete)
            self.fields["race"].queryset = Race.objects.filter(athlete=athlete)

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
        incoming = NoteSerializer(data=request.data, athlete=athlete)
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


# --- note templates


class NoteTemplateSerializer(serializers.ModelSerializer):
    domain = serializers.ChoiceField(choices=NoteDomain.choices, required=False)

    class Meta:
        model = NoteTemplate
        fields = ["id", "name", "body", "domain"]
        read_only_fields = ["id"]


def _template_keeper_or_404(user) -> None:
    if not (user.is_coach or user.is_admin_role):
        raise Http404("Note templates are for coaches.")


class NoteTemplateListView(APIView):
    """The caller's own note templates (coaches and admin); POST adds one (a name in use is refused)."""

    pagination_class = Pagination

    @extend_schema(responses=NoteTemplateSerializer(many=True))
    def get(self, request):
        _template_keeper_or_404(request.user)
        return _paginate(self, request, selectors.note_templates_of(request.user), NoteTemplateSerializer)

    @extend_schema(request=NoteTemplateSerializer, responses={201: NoteTemplateSerializer})
    def post(self, request):
        _template_keeper_or_404(request.user)
        incoming = NoteTemplateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        template = services.note_template_create(coach=request.user, **incoming.validated_data)
        return Response(NoteTemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class NoteTemplateDetailView(APIView):
    """One of the caller's templates; anyone else's is 404."""

    @extend_schema(responses=NoteTemplateSerializer)
    def get(self, request, template_id):
        return Response(NoteTemplateSerializer(selectors.note_template_for(request.user, template_id)).data)

    @extend_schema(request=NoteTemplateSerializer, responses=NoteTemplateSerializer)
    def patch(self, request, template_id):
        template = selectors.note_template_for(request.user, template_id)
        incoming = NoteTemplateSerializer(template, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        template = services.note_template_update(
            template=template, by=request.user, **incoming.validated_data
        )
        return Response(NoteTemplateSerializer(template).data)

    @extend_schema(responses={204: None})
    def delete(self, request, template_id):
        template = selectors.note_template_for(request.user, template_id)
        services.note_template_delete(template=template, by=request.user)
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
    path("wellness/<int:entry_id>/", WellnessDetailView.as_view(), name="wellness-detail"),
    path("athlete/<str:public_id>/notes/", NoteListView.as_view(), name="note-list"),
    path("note/<int:note_id>/", NoteDetailView.as_view(), name="note-detail"),
    path("me/note_templates/", NoteTemplateListView.as_view(), name="note-template-list"),
    path("note_template/<int:template_id>/", NoteTemplateDetailView.as_view(), name="note-template-detail"),
    path("activity/<int:activity_id>/comments/", CommentListView.as_view(), name="comment-list"),
    path("comment/<int:comment_id>/", CommentDetailView.as_view(), name="comment-detail"),
]
