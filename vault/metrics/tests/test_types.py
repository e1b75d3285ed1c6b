import pytest

from vault.metrics.types import METRIC_TYPES, THRESHOLD_TYPES, age_text, format_value

REQUIRED = (
    "css_pace",
    "critical_power",
    "w_prime",
    "ftp",
    "threshold_hr",
    "max_hr",
    "resting_hr",
    "threshold_run_pace",
    "vdot",
    "weight",
    "body_fat",
    "cda",
    "hrv_rmssd",
    "lean_mass",
)


def test_every_design_type_is_registered_with_a_sane_range():
    for key in REQUIRED:
        info = METRIC_TYPES[key]
        assert info.key == key
        assert 0 < info.min_value < info.max_value
    assert set(THRESHOLD_TYPES) <= set(METRIC_TYPES)


@pytest.mark.parametrize(
    ("metric_type", "value", "shown"),
    [
        ("css_pace", 100 / 92, "1:32/100m"),
        ("critical_power", 285.0, "285 W"),
        ("w_prime", 20500.0, "20.5 kJ"),
        ("ftp", 251.4, "251 W"),
        ("threshold_hr", 168.0, "168 bpm"),
        ("threshold_run_pace", 1000 / 245, "4:05/km"),
        ("vdot", 52.34, "52.3"),
        ("weight", 68.4, "68.4 kg"),
        ("body_fat", 12.5, "12.5 %"),
        ("cda", 0.25, "0.250 m²"),
        ("hrv_rmssd", 61.6, "62 ms"),
    ],
)
def test_display_formats(metric_type, value, shown):
    assert format_value(metric_type, value) == shown


@pytest.mark.parametrize(
    ("metric_type", "typed", "stored"),
    [
        ("css_pace", "1:32", 100 / 92),
        ("threshold_run_pace", "4:05", 1000 / 245),
        ("w_prime", "20.5", 20500.0),
        ("weight", "68,4", 68.4),
        ("ftp", " 250 ", 250.0),
    ],
)
def test_form_input_is_parsed_to_the_stored_unit(metric_type, typed, stored):
    assert METRIC_TYPES[metric_type].parse_input(typed) == pytest.approx(stored)


@pytest.mark.parametrize(
    ("metric_type", "typed", "message"),
    [
        ("css_pace", "fast", "expected a pace as m:ss"),
        ("css_pace", "0:00", "longer than zero"),
        ("threshold_run_pace", "4:75", "expected a pace as m:ss"),
        ("ftp", "two fifty", "expected a number"),
        ("weight", "nan", "finite"),
    ],
)
def test_bad_form_input_says_what_is_wrong(metric_type, typed, message):
    with pytest.raises(ValueError, match=message):
        METRIC_TYPES[metric_type].parse_input(typed)


def test_pace_range_reads_fast_to_slow_and_plots_in_seconds():
    css = METRIC_TYPES["css_pace"]
    assert css.range_text() == "0:50/100m to 4:00/100m"
    assert css.plot(100 / 92) == pytest.approx(92.0)
    assert css.lower_is_better


@pytest.mark.parametrize(
    ("days", "text"),
    [(0, "today"), (1, "1 day"), (9, "9 days"), (20, "2 weeks"), (90, "3 months"), (800, "2 years")],
)
def test_age_text(days, text):
    assert age_text(days) == text


@pytest.mark.parametrize(
    ("metric_type", "value", "typed"),
    [
        ("css_pace", 100 / 92, "1:32"),
        ("threshold_run_pace", 1000 / 245, "4:05"),
        ("w_prime", 20500, "20.5"),
        ("weight", 68.4, "68.4"),
    ],
)
def test_input_text_is_what_the_form_parses_back(metric_type, value, typed):
    info = METRIC_TYPES[metric_type]
    assert info.input_text(value) == typed
    assert info.parse_input(typed) == pytest.approx(value)
