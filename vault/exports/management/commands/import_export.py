"""manage.py import_export ZIP [--athlete-username NAME]: recreate the athlete(s) of a full export here."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vault.exports.importer import ImportRefused, export_import


class Command(BaseCommand):
    help = (
        "Import a full export (export.zip, or a roster export) made by Athlete Vault: the athlete, metric "
        "history, calculator results, races, activities from their originals, wellness, notes and comments. "
        "A damaged archive is refused before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("zip", type=Path, help="the export archive")
        parser.add_argument(
            "--athlete-username",
            help="sign-in name for the imported athlete (default: the one in the archive)",
        )

    def handle(self, *args, **options):
        path: Path = options["zip"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open("rb") as handle:
            try:
                imported = export_import(
                    fileobj=handle, archive_name=path.name, athlete_username=options["athlete_username"]
                )
            except ImportRefused as exc:
                raise CommandError(str(exc)) from exc
        for result in imported:
            counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in result.counts.items())
            self.stdout.write(
                f"Imported {result.athlete.name} as {result.athlete.user.username} "
                f"(public id {result.athlete.public_id}): {counts}. "
                "They sign in after setting a password (password reset, or an admin)."
            )
