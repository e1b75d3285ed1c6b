"""The CSVs of issue 6: wellness, coach notes (only what the caller may see), comments and activities."""

import csv
import datetime as dt
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from vault.coaching.services import coach_note_create, comment_create, wellness_entry_save
from vault.coaching.tests.factories import make_activity
from vault.exports.exporters import ACTIVITIES_HEADER, WELLNESS_HEADER

pytestmark = pytest.mark.django_db


def _rows(api_client, user, name, athlete) -> list[list[str]]:
    api_client.force_authenticate(user)
    response = api_client.get(reverse(name, kwargs={"public_id": athlete.public_id}))
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def test_wellness_csv_one_row_per_day_oldest_first(world, api_client):
    wellness_entry_save(
        athlete=world.athlete,
        date=dt.date(2026, 3, 2),
        values={"sleep_hours": 7.5, "mood": 8, "note": "=cmd|' /C calc'!A0"},
        by=world.athlete.user,
    )
    wellness_entry_save(
        athlete=world.athlete, date=dt.date(2026, 3, 1), values={"hrv_rmssd_ms": 61.0}, by=world.athlete.user
    )
    wellness_entry_save(
        athlete=world.other_athlete, date=dt.date(2026, 3, 1), values={"mood": 2}, by=world.other_athlete.user
    )
    header, first, second = _rows(api_client, world.coach, "api:wellness-csv", world.athlete)
    assert tuple(header) == WELLNESS_HEADER
    assert first[0] == "2026-03-01" and first[header.index("hrv_rmssd_ms")] == "61.0"
    assert second[header.index("sleep_hours")] == "7.5" and second[header.index("mood")] == "8"
    assert second[header.index("note")] == "'=cmd|' /C calc'!A0"  # a formula arrives as text
    assert second[header.index("travel")] == "false"


def test_coach_notes_csv_holds_only_the_notes_the_caller_may_see(world, api_client):
    activity = make_activity(world.athlete)
    coach_note_create(
        athlete=world.athlete,
        author=world.coach,
        body="Shared: great *tempo*",
        visible_to_athlete=True,
        activity=activity,
    )
    coach_note_create(athlete=world.athlete, author=world.coach, body="Private: watch the knee")
    coach_rows = _rows(api_client, world.coach, "api:coach-notes-csv", world.athlete)
    athlete_rows = _rows(api_client, world.athlete.user, "api:coach-notes-csv", world.athlete)
    header = coach_rows[0]
    assert [row[header.index("body")] for row in coach_rows[1:]] == [
        "Shared: great *tempo*",
        "Private: watch the knee",
    ]
    assert [row[header.index("body")] for row in athlete_rows[1:]] == ["Shared: great *tempo*"]
    shared = athlete_rows[1]
    assert shared[header.index("author")] == "coach_carla"
    assert shared[header.index("activity")] == activity.display_name
    assert shared[header.index("visible_to_athlete")] == "true"


def test_comments_csv_lists_threads_with_authors(world, api_client):
    activity = make_activity(world.athlete)
    comment_create(activity=activity, author=world.athlete.user, body="Legs felt heavy")
    comment_create(activity=activity, author=world.coach, body="+1 rest tomorrow")
    comment_create(activity=make_activity(world.other_athlete), author=world.other_coach, body="not hers")
    header, *rows = _rows(api_client, world.athlete.user, "api:comments-csv", world.athlete)
    assert header == ["activity_start", "activity", "author", "created_at", "edited_at", "body"]
    assert [(row[2], row[5]) for row in rows] == [
        ("ana_athlete", "Legs felt heavy"),
        ("coach_carla", "'+1 rest tomorrow"),
    ]
    assert rows[0][1] == activity.display_name and rows[0][4] == ""


def test_activities_csv_one_row_per_activity_with_summary_columns(world, api_client):
    first, second = make_activity(world.athlete), make_activity(world.athlete)
    make_activity(world.other_athlete)
    header, *rows = _rows(api_client, world.coach, "api:activities-csv", world.athlete)
    assert tuple(header[: len(ACTIVITIES_HEADER)]) == ACTIVITIES_HEADER
    summary_columns = header[len(ACTIVITIES_HEADER) :]
    assert summary_columns == sorted(summary_columns) and all(
        c.startswith("summary.") for c in summary_columns
    )
    assert {row[header.index("sha256")] for row in rows} == {first.sha256, second.sha256}
    assert rows[0][header.index("source")] == "upload"
    key = next(k for k in first.summary if isinstance(first.summary[k], int | float) and k != "trainer")
    assert float(rows[0][header.index(f"summary.{key}")]) == pytest.approx(first.summary[key])


@pytest.mark.parametrize(
    "name", ["api:wellness-csv", "api:coach-notes-csv", "api:comments-csv", "api:activities-csv"]
)
def test_new_csvs_of_someone_you_cannot_see_are_404(world, api_client, name):
    api_client.force_authenticate(world.other_coach)
    for public_id in (world.athlete.public_id, "does-not-exist"):
        response = api_client.get(reverse(name, kwargs={"public_id": public_id}))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
