"""Training load: each activity's load with its method, audited overrides summed everywhere, CTL/ATL/TSB,
the recompute job on a threshold change, best power curves and modeled thresholds (issue 5 §5)."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from trainingmath.load import training_load_series
from vault.activities import load as training_load
from vault.activities.models import Activity
from vault.activities.services import activity_import
from vault.activities.tests.files import START, gpx_bytes, ride_recording
from vault.calculators.models import LoadOverrideChange
from vault.calculators.services import calculator_run
from vault.jobs.models import Job
from vault.metrics.models import MetricHistory
from vault.metrics.services import metric_entry_create

pytestmark = pytest.mark.django_db


def _ftp(world, watts, on=START.date() - dt.timedelta(days=30)):
    return metric_entry_create(
        athlete=world.athlete,
        metric_type="ftp",
        value=watts,
        recorded_on=on,
        source="manual",
        created_by=world.coach,
    )


def _ride(world, *, power=250, start=START, points=600):
    data = gpx_bytes(points=points, power=power, sport="cycling", start=start, step_m=9.0)
    return activity_import(athlete=world.athlete, data=data, filename="ride.gpx").activity


def _with_load(world, loads_by_start: dict) -> None:
    """Activities whose computed load is set directly (the summing is under test, not the formulas)."""
    for index, (start, value) in enumerate(loads_by_start.items()):
        activity = _ride(world, start=start, points=30 + index)
        Activity.objects.filter(pk=activity.pk).update(summary={"load": value, "load_method": "power"})


def test_a_power_ride_gets_a_power_load(world):
    _ftp(world, 250.0)
    activity = _ride(world)
    load = training_load.load_of(activity)
    assert load["method"] == "power" and load["override"] is None
    assert load["load"] == pytest.approx(load["computed"]) and load["load"] > 0


def test_override_is_audited_and_summed(world):
    _ftp(world, 250.0)
    activity = _ride(world)
    computed = training_load.load_of(activity)["computed"]
    day = START.astimezone(world.athlete.tzinfo).date()
    result = training_load.activity_load_set(
        activity=activity, load=80, changed_by=world.coach, note="felt harder"
    )
    assert result["load"] == 80 and result["method"] == "override" and result["computed"] == computed
    assert training_load.daily_loads(world.athlete)[day] == 80
    training_load.activity_load_set(activity=activity, load=None, changed_by=world.athlete.user)
    assert training_load.daily_loads(world.athlete)[day] == pytest.approx(computed)
    changes = list(
        LoadOverrideChange.objects.order_by("id").values_list("old_load", "new_load", "changed_by")
    )
    assert changes == [(None, 80.0, world.coach.pk), (80.0, None, world.athlete.user.pk)]


@pytest.mark.parametrize("bad", [-1, 5000, "lots", float("nan"), True])
def test_override_refuses_bad_loads(world, bad):
    activity = _ride(world)
    with pytest.raises(ValidationError) as refused:
        training_load.activity_load_set(activity=activity, load=bad, changed_by=world.coach)
    assert "load" in refused.value.message_dict
    assert not LoadOverrideChange.objects.exists()


def test_fitness_series_sums_days_and_matches_the_model(world):
    # Europe/Madrid: 23:30 UTC on 1 March is 00:30 on 2 March, so both rides count on 2 March.
    _with_load(
        world,
        {
            dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC): 60.0,
            dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC): 40.0,
            dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC): 120.0,
        },
    )
    rows = training_load.fitness_series(world.athlete, end=dt.date(2026, 3, 10))
    assert rows[0]["date"] == dt.date(2026, 3, 2) and rows[0]["load"] == 100.0
    expected = training_load_series([100, 0, 0, 120, 0, 0, 0, 0, 0])
    assert [row["ctl"] for row in rows] == pytest.approx([row["ctl"] for row in expected])
    assert [row["tsb"] for row in rows] == pytest.approx([row["tsb"] for row in expected])
    later = training_load.fitness_series(world.athlete, start=dt.date(2026, 3, 5), end=dt.date(2026, 3, 10))
    assert later[0]["ctl"] == pytest.approx(expected[3]["ctl"])  # history before `start` still counts


def test_fitness_api_and_today(world, api_client):
    _with_load(world, {dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC): 100.0})
    api_client.force_authenticate(world.coach)
    url = reverse("api:fitness", kwargs={"public_id": world.athlete.public_id})
    body = api_client.get(url, {"start": "2026-03-02", "end": "2026-03-03"}).json()
    assert [day["date"] for day in body["days"]] == ["2026-03-02", "2026-03-03"]
    assert body["today"]["band"] in {"fresh", "neutral", "very_fresh"}
    refused = api_client.get(url, {"start": "yesterday"})
    assert refused.status_code == 400 and "start" in refused.json()["error"]["fields"]


def test_activity_load_api_overrides(world, api_client):
    activity = _ride(world)
    api_client.force_authenticate(world.athlete.user)
    url = reverse("api:activity-load", kwargs={"activity_id": activity.pk})
    assert api_client.put(url, {"load": 42, "note": "race"}, format="json").json()["load"] == 42
    body = api_client.get(url).json()
    assert body["override"] == 42 and body["changes"][0]["changed_by"] == world.athlete.user.username
    refused = api_client.put(url, {"load": -3}, format="json")
    assert refused.status_code == 400 and "load" in refused.json()["error"]["fields"]


def test_a_new_ftp_recomputes_the_activities_it_governs(world, django_capture_on_commit_callbacks):
    activity = _ride(world)
    assert activity.summary.get("load_method") != "power"  # no FTP yet
    with django_capture_on_commit_callbacks(execute=True):
        _ftp(world, 250.0)
    job = Job.objects.get(kind="activities_recompute")
    assert job.status == "done", job.message
    activity.refresh_from_db()
    assert activity.summary["load_method"] == "power" and activity.summary["load"] > 0


def test_a_threshold_after_the_activities_starts_no_job(world, django_capture_on_commit_callbacks):
    _ride(world)
    with django_capture_on_commit_callbacks(execute=True):
        _ftp(world, 250.0, on=START.date() + dt.timedelta(days=10))
        metric_entry_create(
            athlete=world.athlete, metric_type="vdot", value=50, recorded_on=START.date(), source="manual"
        )
    assert not Job.objects.exists()


def _metric(world, metric_type, value, on=START.date() - dt.timedelta(days=30)):
    return metric_entry_create(
        athlete=world.athlete,
        metric_type=metric_type,
        value=value,
        recorded_on=on,
        source="manual",
        created_by=world.coach,
    )


def test_the_recompute_list_is_what_the_summary_reads():
    # Every threshold summarize_activity takes is looked up in the history, and its changes recompute.
    from inspect import signature

    from trainingmath.summary import summarize_activity
    from vault.activities.services import THRESHOLD_METRICS
    from vault.calculators.signals import governing_metrics

    not_thresholds = {
        "streams",
        "sport",
        "lengths",
        "pool_length_m",
        "sex",
        "elevation_hysteresis_m",
        "decoupling_warmup_s",
        "decoupling_measure",
    }
    assert set(signature(summarize_activity).parameters) - not_thresholds == set(THRESHOLD_METRICS)
    assert governing_metrics() >= {"critical_power", "w_prime", "max_hr", "resting_hr", "weight", "ftp"}


def test_a_new_cp_recomputes_the_zones_of_the_activities_it_governs(
    world, django_capture_on_commit_callbacks
):
    _ftp(world, 250.0)
    activity = _ride(world, power=250)
    assert activity.summary["time_above_100_ftp_s"] == 0  # anchored on the FTP: never above 250 W
    with django_capture_on_commit_callbacks(execute=True):
        _metric(world, "critical_power", 220.0)
    job = Job.objects.get(kind="activities_recompute", params__metric_type="critical_power")
    assert job.status == "done", job.message
    activity.refresh_from_db()
    # §11: the zones now rest on CP, so the whole ride is above 100 % of the anchor.
    assert activity.summary["time_above_100_ftp_s"] == pytest.approx(activity.summary["timer_s"], abs=1)


def test_a_new_resting_hr_recomputes_trimp(world, django_capture_on_commit_callbacks):
    _metric(world, "max_hr", 190.0)
    activity = _ride(world)
    assert activity.summary["trimp"] is None  # TRIMP needs resting and maximum HR
    with django_capture_on_commit_callbacks(execute=True):
        _metric(world, "resting_hr", 50.0)
    activity.refresh_from_db()
    assert activity.summary["trimp"] > 0


def test_an_override_is_the_load_on_the_list_page_the_api_and_activities_csv(world, client, api_client):
    _ftp(world, 250.0)
    activity = _ride(world)
    computed = training_load.load_of(activity)["computed"]
    training_load.activity_load_set(activity=activity, load=123, changed_by=world.coach)
    client.force_login(world.coach)
    html = client.get(
        reverse("web:activity-list", kwargs={"public_id": world.athlete.public_id})
    ).content.decode()
    row = html[html.index(activity.display_name) :]
    row = row[: row.index("</tr>")]
    assert "123" in row and "override" in row
    api_client.force_authenticate(world.coach)
    listed = api_client.get(
        reverse("api:activity-list", kwargs={"public_id": world.athlete.public_id})
    ).json()
    assert (listed["results"][0]["load"], listed["results"][0]["load_method"]) == (123, "override")
    assert listed["results"][0]["summary"]["load"] == pytest.approx(
        computed
    )  # the computed one stays beside it
    detail = api_client.get(reverse("api:activity-detail", kwargs={"activity_id": activity.pk})).json()
    assert detail["load"] == 123 and detail["load_method"] == "override"
    response = api_client.get(reverse("api:activities-csv", kwargs={"public_id": world.athlete.public_id}))
    header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))[:2]
    assert (row[header.index("load")], row[header.index("load_method")]) == ("123.0", "override")
    assert float(row[header.index("summary.load")]) == pytest.approx(computed)
    training_load.activity_load_set(activity=activity, load=None, changed_by=world.coach)
    listed = api_client.get(
        reverse("api:activity-list", kwargs={"public_id": world.athlete.public_id})
    ).json()
    assert listed["results"][0]["load_method"] == "power"


def _efforts(world):
    for index, (seconds, watts) in enumerate(((180, 400.0), (480, 330.0), (1200, 290.0))):
        start = START + dt.timedelta(days=index)
        activity_import(
            athlete=world.athlete,
            data=f"ride {index}".encode(),
            filename=f"ride{index}.fit",
            recording=ride_recording(seconds=seconds, power_w=watts, start=start),
        )


def test_best_power_curves_by_period(world):
    _efforts(world)
    curves = training_load.best_power_curves(world.athlete, today=START.date() + dt.timedelta(days=50))
    by_duration = dict((int(d), w) for d, w in curves["all"])
    assert by_duration[180] == pytest.approx(400) and by_duration[1200] == pytest.approx(290)
    assert curves["season"] == curves["all"] and curves["90d"] == curves["all"]
    assert curves["42d"] == []  # every ride is more than 42 days before that day


def test_modeled_thresholds_written_and_reviewed_when_far_off(world, settings):
    settings.MODELED_REVIEW_MARGIN = 0.05
    _ftp(world, 200.0)
    _efforts(world)
    today = START.date() + dt.timedelta(days=10)
    created = training_load.modeled_thresholds_update(athlete=world.athlete, today=today)
    by_type = {entry.metric_type: entry for entry in created}
    assert set(by_type) == {"critical_power", "w_prime", "ftp"}
    assert all(entry.source == "modeled" for entry in created)
    assert 250 < by_type["critical_power"].value < 320 and by_type["w_prime"].value > 0
    assert by_type["ftp"].needs_review  # eFTP far above the FTP of 200 W
    assert not by_type["critical_power"].needs_review  # no CP in force to differ from
    assert training_load.modeled_thresholds_update(athlete=world.athlete, today=today) == []
    assert MetricHistory.objects.filter(source="modeled").count() == 3


def test_fitness_chart_on_athlete_page_and_dashboard_and_roster_columns(world, client):
    today = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    _with_load(world, {today - dt.timedelta(days=3): 90.0, today - dt.timedelta(days=1): 70.0})
    client.force_login(world.athlete.user)
    athlete_page = client.get(reverse("web:athlete-detail", kwargs={"public_id": world.athlete.public_id}))
    html = athlete_page.content.decode()
    assert 'id="fitness-data"' in html and "uPlot.iife.min.js" in html and "Form (TSB)" in html
    assert 'id="fitness-data"' in client.get(reverse("web:dashboard")).content.decode()
    client.force_login(world.coach)
    roster = client.get(reverse("web:dashboard")).content.decode()
    section = roster[roster.index("roster-fitness") :]
    expected_ctl = training_load.fitness_today(world.athlete)["ctl"]
    assert world.athlete.name in section and f"<td>{expected_ctl:.0f}</td>" in section


def test_cp_calculator_picks_efforts_from_the_best_90_day_curve(world):
    _efforts(world)
    result = calculator_run(
        athlete=world.athlete,
        calculator_type="critical_power",
        inputs={"on_date": str(START.date() + dt.timedelta(days=5))},
        save=False,
    )
    assert result.inputs["efforts"] == [
        {"duration_s": 120.0, "power_w": 400.0},
        {"duration_s": 480.0, "power_w": 330.0},
        {"duration_s": 900.0, "power_w": 290.0},
    ]
    assert result.outputs["cp_w"] > 0


def test_load_page_overrides_and_lists_changes(world, client):
    activity = _ride(world)
    client.force_login(world.coach)
    url = reverse("web:activity-load", kwargs={"activity_id": activity.pk})
    refused = client.post(url, {"load": "a lot"})
    assert refused.status_code == 400 and "is not a number" in refused.content.decode()
    client.post(url, {"load": "75", "note": "sick"})
    html = client.get(url).content.decode()
    assert "override" in html and "sick" in html and world.coach.username in html
    assert training_load.load_of(Activity.objects.get(pk=activity.pk))["load"] == 75


def test_cda_from_seconds_of_a_ride(world, api_client):
    metric_entry_create(
        athlete=world.athlete, metric_type="weight", value=70, recorded_on=START.date(), source="manual"
    )
    ride = activity_import(
        athlete=world.athlete,
        data=b"steady ride",
        filename="steady.fit",
        recording=ride_recording(seconds=900, power_w=200.0),
    ).activity
    api_client.force_authenticate(world.coach)
    url = reverse(
        "api:calculator-run", kwargs={"public_id": world.athlete.public_id, "calculator_type": "cda"}
    )
    body = api_client.post(url, {"activity": ride.pk, "from_s": 100, "to_s": 700}, format="json").json()
    assert body["inputs"]["power_w"] == pytest.approx(200.0)
    assert body["inputs"]["time_s"] == pytest.approx(600.0)
    assert body["inputs"]["distance_m"] == pytest.approx(5400.0)
    assert body["inputs"]["total_mass_kg"] == pytest.approx(79.0)
    assert 0.1 <= body["outputs"]["cda_m2"] <= 0.6
    short = api_client.post(url, {"activity": ride.pk, "from_s": 100, "to_s": 110}, format="json")
    assert short.status_code == 400 and "to_s" in short.json()["error"]["fields"]
    theirs = api_client.post(url, {"activity": 999999}, format="json")
    assert theirs.status_code == 400 and "activity" in theirs.json()["error"]["fields"]


def test_power_curves_on_the_athlete_page_and_modeling_from_it(world, client):
    _efforts(world)
    client.force_login(world.coach)
    html = client.get(
        reverse("web:athlete-detail", kwargs={"public_id": world.athlete.public_id})
    ).content.decode()
    assert 'id="power-curve-data"' in html and "Model CP" in html
    url = reverse("web:modeled-thresholds", kwargs={"public_id": world.athlete.public_id})
    # The efforts are in March; model as of a day when they are inside the 90-day window.
    created = training_load.modeled_thresholds_update(
        athlete=world.athlete, today=START.date() + dt.timedelta(days=5)
    )
    assert len(created) == 3
    response = client.post(url, follow=True)
    assert response.status_code == 200  # today the efforts are older than 90 days: nothing new, said so
    assert "Nothing new" in response.content.decode()
