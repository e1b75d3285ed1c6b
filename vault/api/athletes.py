"""REST endpoints: the athletes the caller may see (design.md §6)."""

from __future__ import annotations

from django.urls import path
from rest_framework import generics, serializers

from vault.accounts.access import visible_athletes
from vault.accounts.models import AthleteProfile


class AthleteSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = AthleteProfile
        fields = ["public_id", "name"]


class AthleteList(generics.ListAPIView):
    """Athletes the caller may see: themself, their active roster, or everyone for admin."""

    serializer_class = AthleteSummarySerializer

    def get_queryset(self):
        return visible_athletes(self.request.user).order_by("name", "public_id")


urlpatterns = [path("athletes/", AthleteList.as_view(), name="athletes")]
