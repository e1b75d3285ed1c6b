import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainingmath import InvalidInput, aero

RIDER = {"total_mass_kg": 80, "cda_m2": 0.30, "crr": 0.004, "rho_kg_per_m3": 1.225}


def test_air_density_worked_examples():
    assert aero.air_density(temperature_c=20, pressure_pa=101_325) == pytest.approx(1.20412, abs=5e-6)
    # science.md prints 1.19883; the formula as written gives 1.198867 (within the 5th decimal's rounding).
    humid = aero.air_density(temperature_c=20, pressure_pa=101_325, relative_humidity_percent=50)
    assert humid == pytest.approx(1.19883, abs=5e-5)
    assert aero.pressure_at_altitude_pa(1000) == pytest.approx(89_874.6, abs=0.05)
    assert aero.air_density(altitude_m=1000) == pytest.approx(1.11165, abs=5e-6)
    assert aero.air_density(altitude_m=0) == pytest.approx(1.225, abs=5e-4)


def test_humid_air_is_less_dense_and_pressure_wins_over_altitude():
    dry = aero.air_density(temperature_c=25, altitude_m=500)
    assert aero.air_density(temperature_c=25, altitude_m=500, relative_humidity_percent=80) < dry
    assert aero.air_density(temperature_c=20, pressure_pa=101_325, altitude_m=3000) == pytest.approx(
        1.20412, abs=5e-6
    )


def test_power_from_speed_worked_example():
    assert aero.power_from_speed(speed_m_per_s=10, **RIDER) == pytest.approx(225.01, abs=0.005)
    assert aero.power_from_speed(speed_m_per_s=10, model="simple", **RIDER) == pytest.approx(
        215.13, abs=0.005
    )


def test_speed_from_power_worked_examples():
    assert aero.speed_from_power(power_w=250, **RIDER) == pytest.approx(10.3961, abs=5e-5)
    assert aero.speed_from_power(power_w=250, grade=0.05, **RIDER) == pytest.approx(5.1487, abs=5e-5)
    assert aero.speed_from_power_cardano(power_w=250, **RIDER) == pytest.approx(10.5674, abs=5e-5)
    assert aero.speed_from_power(power_w=250, model="simple", **RIDER) == pytest.approx(10.5674, abs=5e-5)


def test_speed_on_steep_descent_and_in_wind():
    descending = aero.speed_from_power(power_w=10, grade=-0.30, **RIDER)
    assert aero.power_from_speed(speed_m_per_s=descending, grade=-0.30, **RIDER) == pytest.approx(
        10, abs=1e-6
    )
    headwind = aero.speed_from_power(power_w=250, wind_m_per_s=5, **RIDER)
    tailwind = aero.speed_from_power(power_w=250, wind_m_per_s=-5, **RIDER)
    assert headwind < aero.speed_from_power(power_w=250, **RIDER) < tailwind


def test_cda_worked_example():
    assert aero.cda_from_power_speed(
        power_w=250, speed_m_per_s=10.5, total_mass_kg=80, crr=0.004
    ) == pytest.approx(0.29055, abs=5e-6)
    simple = aero.cda_from_power_speed(
        power_w=250, speed_m_per_s=10.5, total_mass_kg=80, crr=0.004, model="simple"
    )
    assert simple == pytest.approx(0.30612, abs=5e-6)


def test_cda_from_segment_matches_the_pair():
    segment = aero.cda_from_segment(power_w=250, distance_m=10_500, time_s=1000, total_mass_kg=80, crr=0.004)
    assert segment == pytest.approx(0.29055, abs=5e-6)
    climbing = aero.cda_from_segment(
        power_w=300, distance_m=5000, time_s=600, elevation_gain_m=50, total_mass_kg=80, crr=0.004
    )
    assert aero.power_from_speed(
        speed_m_per_s=5000 / 600, grade=0.01, total_mass_kg=80, cda_m2=climbing, crr=0.004
    ) == pytest.approx(300)


speeds = st.floats(min_value=0.5, max_value=25)
grades = st.floats(min_value=-0.1, max_value=0.3)
cdas = st.floats(min_value=0.1, max_value=0.6)


@given(speed=speeds, grade=grades, cda=cdas, wind=st.floats(min_value=-3, max_value=10))
def test_speed_power_round_trip(speed, grade, cda, wind):
    rider = {**RIDER, "cda_m2": cda}
    power = aero.power_from_speed(speed_m_per_s=speed, grade=grade, wind_m_per_s=wind, **rider)
    if power <= 0:
        return  # coasting downhill: no positive power to invert
    assert aero.speed_from_power(power_w=power, grade=grade, wind_m_per_s=wind, **rider) == pytest.approx(
        speed, abs=1e-7
    )


@given(st.floats(min_value=1, max_value=1500), st.floats(min_value=1, max_value=1500), grades, cdas)
def test_more_power_more_speed(power_a, power_b, grade, cda):
    low, high = sorted((power_a, power_b))
    rider = {**RIDER, "cda_m2": cda}
    assert (
        aero.speed_from_power(power_w=high, grade=grade, **rider)
        >= aero.speed_from_power(power_w=low, grade=grade, **rider) - 1e-9
    )


@given(speed=st.floats(min_value=3, max_value=20), cda=cdas)
def test_cda_round_trip(speed, cda):
    power = aero.power_from_speed(speed_m_per_s=speed, **{**RIDER, "cda_m2": cda})
    assert aero.cda_from_power_speed(
        power_w=power, speed_m_per_s=speed, total_mass_kg=80, crr=0.004
    ) == pytest.approx(cda, abs=1e-9)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: aero.air_density(temperature_c=20), "altitude_m"),
        (lambda: aero.air_density(temperature_c=200, altitude_m=0), "temperature_c"),
        (lambda: aero.air_density(altitude_m=0, relative_humidity_percent=120), "relative_humidity_percent"),
        (lambda: aero.air_density(pressure_pa=5), "pressure_pa"),
        (lambda: aero.air_density(altitude_m=20_000), "altitude_m"),
        (lambda: aero.speed_from_power(power_w=0, **RIDER), "power_w"),
        (lambda: aero.speed_from_power(power_w=-100, **RIDER), "power_w"),
        (lambda: aero.speed_from_power(power_w=200, **{**RIDER, "cda_m2": 0.05}), "cda_m2"),
        (lambda: aero.speed_from_power(power_w=200, **{**RIDER, "cda_m2": 0.7}), "cda_m2"),
        (lambda: aero.speed_from_power(power_w=200, grade=0.35, **RIDER), "grade"),
        (lambda: aero.speed_from_power(power_w=200, grade=-0.31, **RIDER), "grade"),
        (lambda: aero.speed_from_power(power_w=200, **{**RIDER, "total_mass_kg": 0}), "total_mass_kg"),
        (lambda: aero.speed_from_power(power_w=200, **{**RIDER, "crr": -0.01}), "crr"),
        (lambda: aero.speed_from_power(power_w=200, **{**RIDER, "rho_kg_per_m3": 3}), "rho_kg_per_m3"),
        (
            lambda: aero.speed_from_power(power_w=200, drivetrain_efficiency=1.5, **RIDER),
            "drivetrain_efficiency",
        ),
        (lambda: aero.speed_from_power(power_w=200, model="magic", **RIDER), "model"),
        (lambda: aero.speed_from_power(power_w=1_000_000, grade=-0.3, **RIDER), "power_w"),
        (lambda: aero.power_from_speed(speed_m_per_s=-1, **RIDER), "speed_m_per_s"),
        (
            lambda: aero.cda_from_power_speed(power_w=30, speed_m_per_s=12, total_mass_kg=80, crr=0.004),
            "power_w",
        ),
        (
            lambda: aero.cda_from_power_speed(power_w=250, speed_m_per_s=0, total_mass_kg=80, crr=0.004),
            "speed_m_per_s",
        ),
        (
            lambda: aero.cda_from_segment(
                power_w=250, distance_m=1000, time_s=100, elevation_gain_m=400, total_mass_kg=80, crr=0.004
            ),
            "elevation_gain_m",
        ),
        (
            lambda: aero.cda_from_segment(
                power_w=250, distance_m=1000, time_s=0, total_mass_kg=80, crr=0.004
            ),
            "time_s",
        ),
        (lambda: aero.speed_from_power_cardano(power_w=250, grade=-0.1, **RIDER), "grade"),
    ],
)
def test_invalid_inputs(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field


def test_cda_and_crr_together_from_several_points():
    points = [
        {
            "power_w": aero.power_from_speed(speed_m_per_s=speed, grade=grade, **RIDER),
            "speed_m_per_s": speed,
            "grade": grade,
        }
        for speed, grade in ((6, 0.02), (8, 0.0), (10, 0.0), (12, -0.01))
    ]
    fit = aero.cda_crr_from_points(points, total_mass_kg=80)
    assert fit["cda_m2"] == pytest.approx(0.30, abs=1e-9)
    assert fit["crr"] == pytest.approx(0.004, abs=1e-12)
    assert fit["cda_se_m2"] == pytest.approx(0, abs=1e-9)
    with pytest.raises(InvalidInput) as error:
        aero.cda_crr_from_points(points[1:2] * 3, total_mass_kg=80)
    assert error.value.field == "points"
    with pytest.raises(InvalidInput) as error:
        aero.cda_crr_from_points(
            [{"power_w": 300, "speed_m_per_s": 5}, {"power_w": 100, "speed_m_per_s": 12}], total_mass_kg=80
        )
    assert error.value.field == "points"
