"""manage.py import --athlete <username or public_id> PATH...: files, folders and archives, with progress."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from vault.accounts.models import AthleteProfile
from vault.activities.archive import ACTIVITY_SUFFIXES, ArchiveError, archive_import, is_zip
from vault.activities.services import activity_import, import_record_error

BAR_WIDTH = 30


def collect(paths: list[str]) -> list[Path]:
    """Every file to import: given files as they are, folders searched for activity files and zips."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.name.lower().endswith((*ACTIVITY_SUFFIXES, ".zip"))
            )
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{raw}: no such file or folder")
    return found


class Command(BaseCommand):
    help = "Import activity files, folders of them and Strava bulk-export zips for one athlete."

    def add_arguments(self, parser):
        parser.add_argument(
            "--athlete",
            required=True,
            help="the athlete's username or public id (--athlete=<id> when it starts with -)",
        )
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args, athlete: str, paths: list[str], no_progress: bool = False, **options):
        profile = AthleteProfile.objects.filter(Q(public_id=athlete) | Q(user__username=athlete)).first()
        if profile is None:
            raise CommandError(f"--athlete {athlete}: no athlete with that username or public id")
        files = collect(paths)
        self.show_progress = not no_progress
        results: list[dict] = []
        for number, path in enumerate(files, start=1):
            self.progress(number - 1, len(files), path.name)
            results += self.import_path(profile, path, number, len(files))
        self.progress(len(files), len(files), "done")
        if self.show_progress:
            self.stderr.write("")
        self.summary(results)

    def progress(self, done: int, total: int, label: str, sub: str = "") -> None:
        if not self.show_progress or not total:
            return
        filled = int(BAR_WIDTH * done / total)
        text = f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label[:40]}{sub}"
        self.stderr.write(text.ljust(100)[:120], ending="")
        self.stderr.flush()

    def import_path(self, athlete, path: Path, number: int, total: int) -> list[dict]:
        with path.open("rb") as handle:
            head = handle.read(4)
            handle.seek(0)
            if is_zip(head):
                try:
                    return archive_import(
                        athlete=athlete,
                        fileobj=handle,
                        archive_name=path.name,
                        on_result=lambda done, count, _r: self.progress(
                            number - 1, total, path.name, f" ({done}/{count})"
                        ),
                    )
                except ArchiveError as exc:
                    return [
                        {
                            "file": str(path),
                            "status": "error",
                            "activity": None,
                            "message": str(exc),
                            "warnings": [],
                        }
                    ]
            limit = settings.MAX_UPLOAD_MB * 1024 * 1024
            data = handle.read(limit + 1)
        if len(data) > limit:
            message = f"{path.name}: more than the {settings.MAX_UPLOAD_MB} MB limit"
            import_record_error(athlete=athlete, name=path.name, message=message, source_kind="cli")
            return [
                {"file": str(path), "status": "error", "activity": None, "message": message, "warnings": []}
            ]
        outcome = activity_import(athlete=athlete, data=data, filename=path.name, source_kind="cli")
        return [{**outcome.as_result(), "file": str(path)}]

    def summary(self, results: list[dict]) -> None:
        width = max([len("file"), *(len(r["file"]) for r in results)])
        width = min(width, 60)
        self.stdout.write(f"{'file':<{width}}  {'status':<9}  {'activity':>8}  message")
        self.stdout.write(f"{'-' * width}  {'-' * 9}  {'-' * 8}  {'-' * 7}")
        for r in results:
            message = r["message"] if r["status"] != "imported" else ""
            if r.get("warnings"):
                message = (
                    message + " " if message else ""
                ) + f"({len(r['warnings'])} warnings: {r['warnings'][0]})"
            name = r["file"] if len(r["file"]) <= width else "…" + r["file"][-(width - 1) :]
            self.stdout.write(f"{name:<{width}}  {r['status']:<9}  {r['activity'] or '':>8}  {message}")
        counts = Counter(r["status"] for r in results)
        self.stdout.write(
            "Total: "
            + ", ".join(
                f"{counts[s]} {s}" for s in ("imported", "duplicate", "skipped", "error") if counts[s]
            )
            if results
            else "Nothing to import."
        )
