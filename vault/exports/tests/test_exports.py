"""The three CSV exports through HTTP: content, columns, file names, streaming and access."""

import csv
import datetime as dt
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from vault.calculators.services import calculator_result_save
from vault.calculators.tests.factories import PLAN_OUTPUTS, make_plan, make_race
from vault.exports.exporters import PLAN_HEADER, flatten_outputs
from vault.metrics.models import MetricHistory
from vault.testing.personas import athlete_today

pytestmark = pytest.mark.django_db


def _download(client, url) -> tuple[StreamingHttpResponse, list[list[str]]]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return response, list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def _signed_in(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def _history(athlete, metric_type, value, display, days_ago, source="manual", detail="", needs_review=False):
    return MetricHistory.objects.create(
        athlete=athlete,
        metric_type=metric_type,
        value=value,
        value_display=display,
        recorded_on=athlete_today() - dt.timedelta(days=days_ago),
        source=source,
        source_detail=detail,
        needs_review=needs_review,
    )


def test_metrics_csv_one_row_per_entry_oldest_first(world, api_client):
    _history(world.athlete, "ftp", 250.0, "250 W", 30, source="assessment", detail="ramp test, 2 laps")
    _history(world.athlete, "weight", 68.4, "68.4 kg", 10, detail='said "about 68"')
    _history(
        world.athlete, "resting_hr", 48.0, "48 bpm", 5, detail='=HYPERLINK("http://evil")', needs_review=True
    )
    _history(world.other_athlete, "ftp", 300.0, "300 W", 3)
    url = reverse("api:metrics-csv", kwargs={"public_id": world.athlete.public_id})
    response, rows = _download(_signed_in(api_client, world.coach), url)
    today = timezone.localdate(timezone=world.athlete.tzinfo).isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="ana-athlete-metrics-{today}.csv"; '
        f"filename*=UTF-8''ana-athlete-metrics-{today}.csv"
    )
    assert rows[0] == [
        "metric_type",
        "value",
        "value_display",
        "date",
        "source",
        "source_detail",
        "needs_review",
    ]
    day = lambda n: (athlete_today() - dt.timedelta(days=n)).isoformat()  # noqa: E731
    assert rows[1:] == [
        ["ftp", "250.0", "250 W", day(30), "assessment", "ramp test, 2 laps", "false"],
        ["weight", "68.4", "68.4 kg", day(10), "manual", 'said "about 68"', "false"],
        ["resting_hr", "48.0", "48 bpm", day(5), "manual", '\'=HYPERLINK("http://evil")', "true"],
    ]


def test_metrics_csv_keeps_negative_numbers_numeric_and_neutralises_formula_text(world, api_client):
    _history(world.athlete, "body_fat", -12.5, "-12.5", 3, detail="-1+1")
    url = reverse("api:metrics-csv", kwargs={"public_id": world.athlete.public_id})
    _, rows = _download(_signed_in(api_client, world.athlete.user), url)
    assert rows[1][1:3] == ["-12.5", "-12.5"]  # the float and its numeric display text, both unquoted numbers
    assert rows[1][5] == "'-1+1"


def test_metrics_csv_raw_bytes_quote_commas_and_quotes(world, api_client):
    _history(world.athlete, "ftp", 250.0, "250 W", 1, detail='a,b "c"\nd')
    response = _signed_in(api_client, world.athlete.user).get(
        reverse("api:metrics-csv", kwargs={"public_id": world.athlete.public_id})
    )
    assert b',"a,b ""c""\nd",false\r\n' in b"".join(response.streaming_content)


def test_metrics_csv_works_with_a_browser_session(world, client):
    client.force_login(world.coach)
    _, rows = _download(client, reverse("api:metrics-csv", kwargs={"public_id": world.athlete.public_id}))
    assert rows == [
        ["metric_type", "value", "value_display", "date", "source", "source_detail", "needs_review"]
    ]


@pytest.mark.parametrize("accept", ["text/csv", "application/json", "*/*"])
def test_csv_is_served_whatever_accept_says(world, api_client, accept):
    response = _signed_in(api_client, world.athlete.user).get(
        reverse("api:metrics-csv", kwargs={"public_id": world.athlete.public_id}), HTTP_ACCEPT=accept
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("name", ["api:metrics-csv", "api:calculator-results-csv"])
def test_exports_of_someone_you_cannot_see_or_nobody_are_404_json(world, api_client, name):
    client = _signed_in(api_client, world.other_coach)
    for public_id in (world.athlete.public_id, "does-not-exist"):
        response = client.get(reverse(name, kwargs={"public_id": public_id}))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_anonymous_export_is_401(world, api_client):
    response = api_client.get(reverse("api:metrics-csv", kwargs={"public_id": world.athlete.public_id}))
    assert response.status_code == 401


def test_flatten_outputs_dots_nested_objects_and_keeps_lists_as_json():
    flat = flatten_outputs(
        {"cp_w": 250, "zones": {"z1": {"low": 1, "high": 2}, "z2": 3}, "paces": [1, 2], "none": {}}
    )
    assert flat == {
        "cp_w": 250,
        "zones.z1.low": 1,
        "zones.z1.high": 2,
        "zones.z2": 3,
        "paces": "[1,2]",
        "none": "{}",
    }


def test_calculator_results_csv_has_the_union_of_output_columns(world, api_client):
    race = make_race(world.athlete, name="Lake Olympic")
    calculator_result_save(
        athlete=world.athlete, calculator_type="ftp_test", inputs={}, outputs={"ftp_w": 240}
    )
    calculator_result_save(
        athlete=world.athlete, calculator_type="css", race=race, inputs={}, outputs=PLAN_OUTPUTS["css"]
    )
    calculator_result_save(
        athlete=world.athlete,
        calculator_type="training_paces",
        inputs={},
        outputs={"paces": {"easy": 330.0, "threshold": 260.0}, "notes": "=cmd", "list": [1, "a"]},
    )
    calculator_result_save(
        athlete=world.other_athlete, calculator_type="ftp_test", inputs={}, outputs={"secret": 1}
    )
    url = reverse("api:calculator-results-csv", kwargs={"public_id": world.athlete.public_id})
    response, rows = _download(_signed_in(api_client, world.admin), url)
    assert "ana-athlete-calculator-results-" in response["Content-Disposition"]
    output_columns = [
        "css_m_per_s",
        "css_pace_s_per_100m",
        "ftp_w",
        "list",
        "notes",
        "paces.easy",
        "paces.threshold",
        "sdi_percent",
        "zones.z1",
    ]
    assert rows[0] == ["calculator_type", "race", "date_created", *output_columns]
    assert [row[:2] for row in rows[1:]] == [
        ["ftp_test", ""],
        ["css", "Lake Olympic"],
        ["training_paces", ""],
    ]
    assert all(len(row) == len(rows[0]) for row in rows)
    by_type = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert by_type["ftp_test"]["ftp_w"] == "240" and by_type["ftp_test"]["css_m_per_s"] == ""
    assert by_type["css"]["zones.z1"] == "105.0"
    assert by_type["training_paces"]["paces.threshold"] == "260.0"
    assert by_type["training_paces"]["notes"] == "'=cmd"
    assert by_type["training_paces"]["list"] == '[1,"a"]'
    created = dt.datetime.fromisoformat(by_type["css"]["date_created"])
    assert created.utcoffset() == timezone.now().astimezone(world.athlete.tzinfo).utcoffset()


def test_plan_csv_flattens_the_active_plan_into_one_row(world, api_client):
    race = make_race(world.athlete, name="Lake Olympic", priority="A")
    make_plan(race)
    # A newer CdA result becomes the active one; the plan uses it and the earlier one stays as history.
    calculator_result_save(
        athlete=world.athlete, calculator_type="cda", race=race, inputs={}, outputs={"cda_m2": 0.31}
    )
    response, rows = _download(
        _signed_in(api_client, world.coach), reverse("api:race-plan-csv", kwargs={"race_id": race.pk})
    )
    assert "ana-athlete-lake-olympic-plan-" in response["Content-Disposition"]
    assert rows[0] == list(PLAN_HEADER)
    assert len(rows) == 2
    plan = dict(zip(rows[0], rows[1]))
    assert plan["race"] == "Lake Olympic" and plan["date"] == race.date.isoformat()
    assert plan["distance"] == "olympic" and plan["athlete"] == "Ana Athlete"
    assert plan["target_swim_pace_s_per_100m"] == "98.0"  # 1470 s over 1500 m
    assert plan["css_pace_s_per_100m"] == "95.0"
    assert plan["target_bike_power_w"] == "212.5"
    assert plan["projected_bike_time_s"] == "3973.97"
    assert plan["cda_m2"] == "0.31"
    assert plan["projected_total_time_s"] == "8360.77"
    assert [plan[k] for k in ("swim_s", "t1_s", "bike_s", "t2_s", "run_s")] == [
        "1470.0",
        "120.0",
        "3973.97",
        "60.0",
        "2736.8",
    ]
    assert [plan[k] for k in ("swim_kcal", "bike_kcal", "run_kcal", "total_kcal")] == [
        "380.0",
        "850.0",
        "720.0",
        "1950.0",
    ]
    assert plan["fueling_summary"] == "75 g carbohydrate/h, 700 ml fluid/h, 600 mg sodium/h, 2-step schedule"


def test_plan_csv_leaves_steps_without_a_result_empty(world, api_client):
    race = make_race(
        world.athlete,
        distance="custom",
        legs=[{"sport": "run", "distance_m": 5000}, {"sport": "bike", "distance_m": 20000}],
    )
    make_plan(race, types=("css",))
    _, rows = _download(
        _signed_in(api_client, world.athlete.user), reverse("api:race-plan-csv", kwargs={"race_id": race.pk})
    )
    plan = dict(zip(rows[0], rows[1]))
    assert plan["distance"] == "custom: run 5 km / bike 20 km"
    assert plan["css_pace_s_per_100m"] == "95.0"
    assert plan["target_swim_pace_s_per_100m"] == ""
    assert plan["target_bike_power_w"] == plan["run_kcal"] == plan["fueling_summary"] == ""


def test_plan_csv_of_a_race_you_cannot_see_is_404(world, api_client):
    race = make_race(world.other_athlete)
    response = _signed_in(api_client, world.coach).get(
        reverse("api:race-plan-csv", kwargs={"race_id": race.pk})
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "path", ["/api/race/abc/plan.csv", "/api/race/999999/plan.csv", "/api/athlete/nobody/metrics.csv"]
)
def test_malformed_or_unknown_ids_are_json_404s(world, client, path):
    client.force_login(world.admin)
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
