"""One function per calculator of the HTTP API (design.md §6), taking and returning exactly the field names
of the calculators table, so the Django layer only prefills inputs and stores the dict it gets back.

Every function is keyword-only; an invalid or missing input raises InvalidInput naming that field.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence

from trainingmath import aero, cp, energy, race, running, swim
from trainingmath.errors import InvalidInput

SLOW_BIKE_SPEED_M_PER_S = 1.0
MASS_TOLERANCE_KG = 0.05  # a total typed beside its parts may be rounded; more than this is a contradiction


def css(*, d1_m: float, t1_s: float, d2_m: float, t2_s: float) -> dict:
    return swim.css_test(d1_m=d1_m, t1_s=t1_s, d2_m=d2_m, t2_s=t2_s)


def critical_power(*, efforts: Sequence[Mapping[str, float]]) -> dict:
    """Both two-parameter fits, and Morton's three-parameter fit beside them (science.md §2.2) when there are
    three or more efforts of different duration (`*_3p`, None otherwise). The 3-parameter model needs efforts
    spanning short, medium and long durations; when it has no physical fit the 2-parameter answer stands
    and a warning says so, because the test itself is fine."""
    outputs = cp.critical_power_2p(efforts)
    three = {"cp_w_3p": None, "w_prime_j_3p": None, "pmax_w_3p": None, "k_s_3p": None, "rmse_w_3p": None}
    if len({float(effort["duration_s"]) for effort in efforts}) >= 3:
        try:
            fit = cp.critical_power_3p(efforts)
        except InvalidInput as error:
            outputs["warnings"].append(f"no three-parameter fit: {error.message}")
        else:
            three = {f"{name}_3p": fit[name] for name in ("cp_w", "w_prime_j", "pmax_w", "k_s", "rmse_w")}
    return {**outputs, **three}


def ftp_test(*, power_20min_w: float) -> dict:
    return {"ftp_w": cp.ftp_from_20min_test(power_20min_w)}


def air_density(
    *,
    temperature_c: float | None = None,
    altitude_m: float | None = None,
    pressure_pa: float | None = None,
    relative_humidity_percent: float = 0.0,
) -> dict:
    rho = aero.air_density(
        temperature_c=temperature_c,
        altitude_m=altitude_m,
        pressure_pa=pressure_pa,
        relative_humidity_percent=relative_humidity_percent,
    )
    return {"rho_kg_per_m3": rho}


def bike_speed(
    *,
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    power_w: float | None = None,
    speed_m_per_s: float | None = None,
    grade: float = 0.0,
    wind_m_per_s: float = 0.0,
    rho_kg_per_m3: float = 1.225,
) -> dict:
    """Speed from power, or power from speed when no power is given; answers both."""
    rider = {
        "total_mass_kg": total_mass_kg,
        "cda_m2": cda_m2,
        "crr": crr,
        "grade": grade,
        "wind_m_per_s": wind_m_per_s,
        "rho_kg_per_m3": rho_kg_per_m3,
    }
    if power_w is not None:
        speed = aero.speed_from_power(power_w=power_w, **rider)
        watts = float(power_w)
    elif speed_m_per_s is not None:
        speed = float(speed_m_per_s)
        watts = aero.power_from_speed(speed_m_per_s=speed_m_per_s, **rider)
    else:
        raise InvalidInput("power_w", "give a power or a speed")
    warnings = []
    if speed < SLOW_BIKE_SPEED_M_PER_S:
        warnings.append(f"{speed:.2f} m/s is slower than anyone rides; check the grade and power")  # §6.3
    return {"speed_m_per_s": speed, "power_w": watts, "warnings": warnings}


def _total_mass(
    total_mass_kg: float | None,
    rider_mass_kg: float | None,
    gear_mass_kg: float | None,
    bike_mass_kg: float | None,
) -> float:
    """Total mass from its parts (rider + gear + bike), or as given; both given must agree."""
    parts = {"rider_mass_kg": rider_mass_kg, "gear_mass_kg": gear_mass_kg, "bike_mass_kg": bike_mass_kg}
    for name, value in parts.items():
        if value is not None and value < 0:
            raise InvalidInput(name, f"must not be negative, got {value:g}")
    given_parts = [value for value in parts.values() if value is not None]
    if total_mass_kg is None:
        if rider_mass_kg is None:
            raise InvalidInput("rider_mass_kg", "give the rider's mass (with gear and bike) or total_mass_kg")
        return float(sum(given_parts))
    if given_parts and abs(sum(given_parts) - total_mass_kg) > MASS_TOLERANCE_KG:
        raise InvalidInput(
            "total_mass_kg",
            f"is {total_mass_kg:g} kg but rider + gear + bike make {sum(given_parts):g} kg; give one or the other",
        )
    return float(total_mass_kg)


def cda(
    *,
    power_w: float,
    crr: float,
    total_mass_kg: float | None = None,
    rider_mass_kg: float | None = None,
    gear_mass_kg: float | None = None,
    bike_mass_kg: float | None = None,
    speed_m_per_s: float | None = None,
    distance_m: float | None = None,
    time_s: float | None = None,
    grade: float | None = None,
    elevation_gain_m: float | None = None,
    wind_m_per_s: float = 0.0,
    rho_kg_per_m3: float = 1.225,
    power_meter: str | None = None,
    drivetrain_efficiency: float | None = None,
) -> dict:
    """CdA from a steady speed and grade, or from a segment's distance, time and elevation change.

    Mass is `total_mass_kg` or the sum of rider, gear and bike. `wind_m_per_s` is head wind positive. The
    drivetrain loss follows `power_meter` (pedal, crank, spider: 0.976; hub, trainer: 1); an explicit
    `drivetrain_efficiency` overrides it. Answers `cda_m2`, and the mass and efficiency it used.
    """
    if drivetrain_efficiency is None:
        drivetrain_efficiency = (
            aero.DRIVETRAIN_EFFICIENCY if power_meter is None else aero.drivetrain_efficiency_for(power_meter)
        )
    elif power_meter is not None:
        aero.drivetrain_efficiency_for(power_meter)  # still refuse an unknown location
    mass = _total_mass(total_mass_kg, rider_mass_kg, gear_mass_kg, bike_mass_kg)
    common = {
        "power_w": power_w,
        "total_mass_kg": mass,
        "crr": crr,
        "rho_kg_per_m3": rho_kg_per_m3,
        "wind_m_per_s": wind_m_per_s,
        "drivetrain_efficiency": drivetrain_efficiency,
    }
    used = {"total_mass_kg": mass, "drivetrain_efficiency": drivetrain_efficiency}
    if speed_m_per_s is not None:
        if elevation_gain_m is not None and grade is None:
            raise InvalidInput(
                "grade", "with a speed give the grade; an elevation gain needs distance_m and time_s"
            )
        value = aero.cda_from_power_speed(speed_m_per_s=speed_m_per_s, grade=grade or 0.0, **common)
        return {"cda_m2": value, **used}
    if distance_m is None or time_s is None:
        raise InvalidInput("speed_m_per_s", "give a speed, or a distance and a time")
    if grade is not None and elevation_gain_m is None:
        elevation_gain_m = grade * float(distance_m)
    value = aero.cda_from_segment(
        distance_m=distance_m, time_s=time_s, elevation_gain_m=elevation_gain_m or 0.0, **common
    )
    return {"cda_m2": value, **used}


def bike_plan(
    *,
    distance_m: float,
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    ftp_w: float | None = None,  # only a target IF needs it; an explicit power_w plans without one
    elevation_gain_m: float = 0.0,
    target_if: float | None = None,
    power_w: float | None = None,
    rho_kg_per_m3: float = 1.225,
) -> dict:
    return race.bike_plan(
        distance_m=distance_m,
        ftp_w=ftp_w,
        total_mass_kg=total_mass_kg,
        cda_m2=cda_m2,
        crr=crr,
        elevation_gain_m=elevation_gain_m,
        target_if=target_if,
        power_w=power_w,
        rho_kg_per_m3=rho_kg_per_m3,
    )


def run_prediction(*, distance_m: float, time_s: float, target_distance_m: float) -> dict:
    return running.run_prediction(distance_m=distance_m, time_s=time_s, target_distance_m=target_distance_m)


def training_paces(*, vdot: float) -> dict:
    return {"paces": running.training_paces(vdot)}


def calories(
    *, legs: Sequence[Mapping], weight_kg: float, age_years: float | None = None, sex: str | None = None
) -> dict:
    """Per-leg energy; `age_years` and `sex` (Keytel's heart-rate estimate needs both) apply to every leg
    that does not carry its own."""
    athlete = {"age_years": age_years, "sex": sex}
    legs = [
        {
            **leg,
            **{key: value for key, value in athlete.items() if value is not None and leg.get(key) is None},
        }
        for leg in legs
    ]
    return energy.race_calories(legs, weight_kg=weight_kg)


def fueling(
    *,
    legs: Sequence[Mapping],
    weight_kg: float,
    temperature_c: float = 20.0,
    sweat_rate_l_per_h: float | None = None,
) -> dict:
    return energy.fueling_plan(
        legs=legs, weight_kg=weight_kg, temperature_c=temperature_c, sweat_rate_l_per_h=sweat_rate_l_per_h
    )


CALCULATORS = {
    "css": css,
    "critical_power": critical_power,
    "ftp_test": ftp_test,
    "air_density": air_density,
    "bike_speed": bike_speed,
    "cda": cda,
    "bike_plan": bike_plan,
    "finish_time": race.finish_time,
    "run_prediction": run_prediction,
    "training_paces": training_paces,
    "calories": calories,
    "fueling": fueling,
}


def run_calculator(kind: str, inputs: Mapping[str, object]) -> dict:
    """Run the calculator `kind` on `inputs`; unknown kinds, unknown inputs and missing ones raise InvalidInput."""
    function = CALCULATORS.get(kind)
    if function is None:
        raise InvalidInput("type", f"unknown calculator {kind!r}; known: {', '.join(CALCULATORS)}")
    parameters = inspect.signature(function).parameters
    for name in inputs:
        if name not in parameters:
            raise InvalidInput(name, f"is not an input of the {kind} calculator")
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in inputs:
            raise InvalidInput(name, "is required")
    return function(**inputs)
