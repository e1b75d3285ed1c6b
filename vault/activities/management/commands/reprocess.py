"""manage.py reprocess [--athlete ...]: recompute every derived value of activities from their stored originals."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

import trackfiles
from vault.accounts.models import AthleteProfile
from vault.activities.models import Activity
from vault.activities.services import MeasureError, activity_reprocess


class Command(BaseCommand):
    help = "Recompute summaries, laps and streams of activities from their stored original files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--athlete", action="append", default=[], help="username or public id (repeatable)"
        )

    def handle(self, *args, athlete: list[str], **options):
        activities = Activity.objects.select_related("athlete", "original").order_by("pk")
        if athlete:
            profiles = list(
                AthleteProfile.objects.filter(Q(public_id__in=athlete) | Q(user__username__in=athlete))
            )
            known = {p.public_id for p in profiles} | {p.user.username for p in profiles}
            missing = [a for a in athlete if a not in known]
            if missing:
                raise CommandError(
                    f"--athlete {', '.join(missing)}: no athlete with that username or public id"
                )
            activities = activities.filter(athlete__in=profiles)
        done = failed = 0
        for activity in activities.iterator(chunk_size=100):
            try:
                activity_reprocess(activity=activity)
                done += 1
            except (trackfiles.DecodeError, MeasureError, OSError) as exc:
                failed += 1
                self.stderr.write(f"activity {activity.pk} ({activity.original_filename}): {exc}")
        self.stdout.write(f"Reprocessed {done} activities" + (f", {failed} failed" if failed else "") + ".")
