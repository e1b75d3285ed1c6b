"""What can be exported, in words: one list the export page and the help page both show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportKind:
    title: str
    url_name: str  # api:... taking the athlete's public_id
    file_format: str
    contains: str


ATHLETE_EXPORTS = (
    ExportKind(
        "Full export",
        "api:athlete-export",
        "ZIP",
        "Everything below in one archive, plus every original activity file under its own name in a folder "
        "per year, each activity's recorded streams as CSV, race plans, and manifest.json with a checksum of "
        "every file and every record (threshold tests and training-load overrides with their history "
        "included). Another Athlete Vault imports it whole.",
    ),
    ExportKind(
        "Metric history",
        "api:metrics-csv",
        "CSV",
        "Every threshold, test value and body measure with its date, source and review state.",
    ),
    ExportKind(
        "Calculator results",
        "api:calculator-results-csv",
        "CSV",
        "Every saved calculator run, its race, and each output in its own column.",
    ),
    ExportKind(
        "Activities",
        "api:activities-csv",
        "CSV",
        "One row per activity: start, sport, name, description, gear, source and the summary metrics.",
    ),
    ExportKind("Wellness log", "api:wellness-csv", "CSV", "One row per logged day with every measure."),
    ExportKind(
        "Coach notes",
        "api:coach-notes-csv",
        "CSV",
        "The coach notes you may see (athletes: the ones shared with them), with author, links and flags.",
    ),
    ExportKind(
        "Comments",
        "api:comments-csv",
        "CSV",
        "Every comment thread on the activities, with authors and times.",
    ),
)

PRIVACY_STATEMENT = (
    "A downloaded file leaves Athlete Vault: outside the app it is outside the app's protection. "
    "Keep exports somewhere only you can read, and delete copies you no longer need."
)
