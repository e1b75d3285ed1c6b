"""Cycling physics: air density, the Martin et al. (1998) power model, speed from power, CdA (science.md §6)."""

from __future__ import annotations

import math

import numpy as np

from trainingmath.errors import InvalidInput, require_between, require_finite, require_positive

GRAVITY = 9.80665
DRY_AIR_GAS_CONSTANT = 287.05
WATER_VAPOUR_GAS_CONSTANT = 461.495
SEA_LEVEL_PRESSURE_PA = 101_325.0

# Martin et al. defaults; the "simple" model drops wheel drag and bearings and assumes a lossless drivetrain.
DRIVETRAIN_EFFICIENCY = 0.976
WHEEL_DRAG_AREA_M2 = 0.0044
MODELS = ("martin", "simple")
# Where the power meter sits decides which losses its reading still includes: a pedal, crank-arm or spider
# meter measures before the chain, so the wheel gets E_c of it (Martin's 0.976); a rear-hub meter or a
# direct-drive trainer measures after the chain, so nothing is lost between the reading and the wheel.
POWER_METER_EFFICIENCY = {
    "pedal": DRIVETRAIN_EFFICIENCY,
    "crank": DRIVETRAIN_EFFICIENCY,
    "spider": DRIVETRAIN_EFFICIENCY,
    "hub": 1.0,
    "trainer": 1.0,
}

# Plausible input ranges; outside them the model is being misused rather than extrapolated.
CDA_RANGE_M2 = (0.1, 0.6)
GRADE_RANGE = (-0.30, 0.30)
CRR_RANGE = (0.001, 0.05)
MASS_RANGE_KG = (20.0, 300.0)
RHO_RANGE = (0.5, 1.6)
EFFICIENCY_RANGE = (0.8, 1.0)
WIND_RANGE_M_PER_S = (-40.0, 40.0)
SPEED_RANGE_M_PER_S = (0.0, 40.0)
MAX_SOLVED_SPEED_M_PER_S = 100.0


def drivetrain_efficiency_for(power_meter: str) -> float:
    """The share of a power meter's reading that reaches the rear wheel, by where the meter sits."""
    if power_meter not in POWER_METER_EFFICIENCY:
        raise InvalidInput(
            "power_meter", f"must be one of {', '.join(POWER_METER_EFFICIENCY)}, got {power_meter!r}"
        )
    return POWER_METER_EFFICIENCY[power_meter]


def saturation_vapour_pressure_pa(temperature_c: float) -> float:
    """Tetens/Magnus: 610.78 · 10^(7.5·T/(T + 237.3)) Pa."""
    return 610.78 * 10 ** (7.5 * temperature_c / (temperature_c + 237.3))


def pressure_at_altitude_pa(altitude_m: float) -> float:
    """ISA barometric pressure at altitude h: 101325 · (1 - 2.25577e-5·h)^5.25588 Pa."""
    altitude = require_between(altitude_m, "altitude_m", -500.0, 9000.0, what="m")
    return SEA_LEVEL_PRESSURE_PA * (1 - 2.25577e-5 * altitude) ** 5.25588


def isa_temperature_c(altitude_m: float) -> float:
    """ISA temperature at altitude h: 15 - 0.0065·h °C."""
    return 15.0 - 0.0065 * require_between(altitude_m, "altitude_m", -500.0, 9000.0, what="m")


def air_density(
    *,
    temperature_c: float | None = None,
    altitude_m: float | None = None,
    pressure_pa: float | None = None,
    relative_humidity_percent: float = 0.0,
) -> float:
    """ρ in kg/m³ from temperature and pressure (or ISA pressure at an altitude) and humidity (§6.2).

    Give `pressure_pa` or `altitude_m` (pressure wins when both are given). Without a temperature the ISA
    temperature at the altitude is used (15 °C when only a pressure is known).
    """
    if pressure_pa is None and altitude_m is None:
        raise InvalidInput("altitude_m", "give an altitude or a pressure to compute air density")
    if pressure_pa is not None:
        pressure = require_between(pressure_pa, "pressure_pa", 30_000.0, 110_000.0, what="Pa")
    else:
        pressure = pressure_at_altitude_pa(altitude_m)
    if temperature_c is None:
        temperature = isa_temperature_c(altitude_m) if altitude_m is not None else 15.0
    else:
        temperature = require_between(temperature_c, "temperature_c", -50.0, 60.0, what="°C")
    humidity = require_between(relative_humidity_percent, "relative_humidity_percent", 0.0, 100.0, what="%")
    kelvin = temperature + 273.15
    vapour = humidity / 100.0 * saturation_vapour_pressure_pa(temperature)
    return (pressure - vapour) / (DRY_AIR_GAS_CONSTANT * kelvin) + vapour / (
        WATER_VAPOUR_GAS_CONSTANT * kelvin
    )


def _check_bike_parameters(
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    grade: float,
    rho_kg_per_m3: float,
    wind_m_per_s: float,
    drivetrain_efficiency: float,
    model: str,
) -> tuple[float, ...]:
    if model not in MODELS:
        raise InvalidInput("model", f"must be one of {', '.join(MODELS)}, got {model!r}")
    return (
        require_between(total_mass_kg, "total_mass_kg", *MASS_RANGE_KG, what="kg"),
        require_between(cda_m2, "cda_m2", *CDA_RANGE_M2, what="m²"),
        require_between(crr, "crr", *CRR_RANGE),
        require_between(grade, "grade", *GRADE_RANGE, what="(as a fraction; ±0.30 is ±30 %)"),
        require_between(rho_kg_per_m3, "rho_kg_per_m3", *RHO_RANGE, what="kg/m³"),
        require_between(wind_m_per_s, "wind_m_per_s", *WIND_RANGE_M_PER_S, what="m/s"),
        require_between(drivetrain_efficiency, "drivetrain_efficiency", *EFFICIENCY_RANGE),
    )


def _resistive_power(
    speed: float, mass: float, cda: float, crr: float, grade: float, rho: float, wind: float, model: str
) -> float:
    """Power at the wheel (before drivetrain losses) to hold `speed` steadily."""
    angle = math.atan(grade)
    air_speed = speed + wind  # head wind positive
    drag_area = cda + (WHEEL_DRAG_AREA_M2 if model == "martin" else 0.0)
    aero = 0.5 * rho * drag_area * air_speed * abs(air_speed) * speed
    rolling = speed * crr * mass * GRAVITY * math.cos(angle)
    bearings = speed * (91 + 8.7 * speed) * 1e-3 if model == "martin" else 0.0
    climbing = speed * mass * GRAVITY * math.sin(angle)
    return aero + rolling + bearings + climbing


def power_from_speed(
    *,
    speed_m_per_s: float,
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    grade: float = 0.0,
    rho_kg_per_m3: float = 1.225,
    wind_m_per_s: float = 0.0,
    drivetrain_efficiency: float = DRIVETRAIN_EFFICIENCY,
    model: str = "martin",
) -> float:
    """Rider power (W) to hold a steady ground speed: (P_aero + P_rolling + P_bearings + P_climb) / E_c.

    `model="simple"` drops wheel drag and bearings and uses efficiency 1 unless one is given.
    Negative on descents where gravity does more than the resistances need.
    """
    speed = require_between(speed_m_per_s, "speed_m_per_s", *SPEED_RANGE_M_PER_S, what="m/s")
    if model == "simple" and drivetrain_efficiency == DRIVETRAIN_EFFICIENCY:
        drivetrain_efficiency = 1.0
    mass, cda, rolling, slope, rho, wind, efficiency = _check_bike_parameters(
        total_mass_kg, cda_m2, crr, grade, rho_kg_per_m3, wind_m_per_s, drivetrain_efficiency, model
    )
    return _resistive_power(speed, mass, cda, rolling, slope, rho, wind, model) / efficiency


def speed_from_power(
    *,
    power_w: float,
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    grade: float = 0.0,
    rho_kg_per_m3: float = 1.225,
    wind_m_per_s: float = 0.0,
    drivetrain_efficiency: float = DRIVETRAIN_EFFICIENCY,
    model: str = "martin",
) -> float:
    """Steady ground speed (m/s) for a rider power, by bisection on P_model(v) - P over (0, 40] m/s (§6.3).

    For P > 0 there is exactly one root: the model power is negative or small near 0 and rises without bound.
    The bracket widens to 100 m/s for steep descents; beyond that the input is refused.
    """
    power = require_positive(power_w, "power_w")
    if model == "simple" and drivetrain_efficiency == DRIVETRAIN_EFFICIENCY:
        drivetrain_efficiency = 1.0
    mass, cda, rolling, slope, rho, wind, efficiency = _check_bike_parameters(
        total_mass_kg, cda_m2, crr, grade, rho_kg_per_m3, wind_m_per_s, drivetrain_efficiency, model
    )

    def excess(speed: float) -> float:
        return _resistive_power(speed, mass, cda, rolling, slope, rho, wind, model) / efficiency - power

    low, high = 0.0, SPEED_RANGE_M_PER_S[1]
    while excess(high) < 0:
        if high >= MAX_SOLVED_SPEED_M_PER_S:
            raise InvalidInput("power_w", f"{power:g} W gives no steady speed below {high:g} m/s")
        low, high = high, min(high * 1.5, MAX_SOLVED_SPEED_M_PER_S)
    # The excess can dip below zero again between 0 and its minimum on descents, but never crosses zero
    # there (P > 0), so the sign change [low, high] brackets the one root.
    while high - low > 1e-10:
        middle = (low + high) / 2
        if excess(middle) < 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def speed_from_power_cardano(
    *,
    power_w: float,
    total_mass_kg: float,
    cda_m2: float,
    crr: float,
    grade: float = 0.0,
    rho_kg_per_m3: float = 1.225,
    drivetrain_efficiency: float = 1.0,
) -> float:
    """Closed form for the simple model without wind: a·v³ + b·v = P (Cardano). Needs b >= 0 (not steep
    descents, where `speed_from_power` must be used).
    """
    power = require_positive(power_w, "power_w")
    mass, cda, rolling, slope, rho, _, efficiency = _check_bike_parameters(
        total_mass_kg, cda_m2, crr, grade, rho_kg_per_m3, 0.0, drivetrain_efficiency, "simple"
    )
    angle = math.atan(slope)
    a = 0.5 * rho * cda / efficiency
    b = (rolling * mass * GRAVITY * math.cos(angle) + mass * GRAVITY * math.sin(angle)) / efficiency
    if b < 0:
        raise InvalidInput(
            "grade",
            "the closed form needs a grade where climbing and rolling do not cancel; "
            "use the numeric solver on descents",
        )
    q = b / (3 * a)
    r = power / (2 * a)
    root = math.sqrt(r * r + q**3)
    return math.cbrt(r + root) - math.cbrt(root - r)


def cda_from_power_speed(
    *,
    power_w: float,
    speed_m_per_s: float,
    total_mass_kg: float,
    crr: float,
    grade: float = 0.0,
    rho_kg_per_m3: float = 1.225,
    wind_m_per_s: float = 0.0,
    drivetrain_efficiency: float = DRIVETRAIN_EFFICIENCY,
    model: str = "martin",
) -> float:
    """CdA (m²) from a steady power-speed pair (§6.4): [E_c·P - P_RR - P_WB - P_PE] / (½ρ·v_a²·v_g) - F_w."""
    power = require_positive(power_w, "power_w")
    speed = require_between(speed_m_per_s, "speed_m_per_s", *SPEED_RANGE_M_PER_S, what="m/s")
    if speed == 0:
        raise InvalidInput("speed_m_per_s", "must be greater than zero")
    if model == "simple" and drivetrain_efficiency == DRIVETRAIN_EFFICIENCY:
        drivetrain_efficiency = 1.0
    # CdA is the unknown; any in-range placeholder passes the shared checks.
    mass, _, rolling, slope, rho, wind, efficiency = _check_bike_parameters(
        total_mass_kg, 0.3, crr, grade, rho_kg_per_m3, wind_m_per_s, drivetrain_efficiency, model
    )
    air_speed = speed + wind
    if air_speed <= 0:
        raise InvalidInput("wind_m_per_s", "the tail wind is as fast as the rider; CdA cannot be measured")
    non_aero = _resistive_power(speed, mass, 0.0, rolling, slope, rho, wind, model)
    non_aero -= 0.5 * rho * (WHEEL_DRAG_AREA_M2 if model == "martin" else 0.0) * air_speed**2 * speed
    cda = (efficiency * power - non_aero) / (0.5 * rho * air_speed**2 * speed)
    cda -= WHEEL_DRAG_AREA_M2 if model == "martin" else 0.0
    if cda <= 0:
        raise InvalidInput(
            "power_w",
            f"{power:g} W is too little for {speed:g} m/s here: the drag area comes out {cda:.3f} m²",
        )
    return cda


def cda_from_segment(
    *,
    power_w: float,
    distance_m: float,
    time_s: float,
    total_mass_kg: float,
    crr: float,
    elevation_gain_m: float = 0.0,
    rho_kg_per_m3: float = 1.225,
    wind_m_per_s: float = 0.0,
    drivetrain_efficiency: float = DRIVETRAIN_EFFICIENCY,
    model: str = "martin",
) -> float:
    """CdA from a steady-state segment: mean power over `distance_m` in `time_s`, climbing `elevation_gain_m`
    (negative for a net descent). Speed is distance/time and the grade is net elevation change/distance.
    `wind_m_per_s` is the mean along-road wind, head wind positive (§6.1); on an out-and-back it averages out.
    """
    distance = require_positive(distance_m, "distance_m")
    time = require_positive(time_s, "time_s")
    gain = require_finite(elevation_gain_m, "elevation_gain_m")
    grade = gain / distance
    if not GRADE_RANGE[0] <= grade <= GRADE_RANGE[1]:
        raise InvalidInput(
            "elevation_gain_m", f"gives a grade of {grade * 100:.1f} % over the segment; ±30 % is the limit"
        )
    return cda_from_power_speed(
        power_w=power_w,
        speed_m_per_s=distance / time,
        total_mass_kg=total_mass_kg,
        crr=crr,
        grade=grade,
        rho_kg_per_m3=rho_kg_per_m3,
        wind_m_per_s=wind_m_per_s,
        drivetrain_efficiency=drivetrain_efficiency,
        model=model,
    )


def cda_crr_from_points(
    points: list[dict],
    *,
    total_mass_kg: float,
    rho_kg_per_m3: float = 1.225,
    drivetrain_efficiency: float = DRIVETRAIN_EFFICIENCY,
) -> dict:
    """CdA and Crr together from several steady (power, speed, grade) points, windless (§6.4).

    Dividing the Martin equation by v leaves E_c·P/v - P_WB/v - m·g·sin θ = (CdA + F_w)·½ρv² + Crr·m·g·cos θ,
    linear in the two unknowns; least squares over the points gives both, with standard errors when there
    are more than two points. The two trade off against each other, so the points need a spread of speeds.
    """
    mass = require_between(total_mass_kg, "total_mass_kg", *MASS_RANGE_KG, what="kg")
    rho = require_between(rho_kg_per_m3, "rho_kg_per_m3", *RHO_RANGE, what="kg/m³")
    efficiency = require_between(drivetrain_efficiency, "drivetrain_efficiency", *EFFICIENCY_RANGE)
    rows, targets = [], []
    for point in points:
        watts = require_positive(point.get("power_w"), "points")
        speed = require_positive(point.get("speed_m_per_s"), "points")
        angle = math.atan(require_between(point.get("grade", 0.0), "points", *GRADE_RANGE, what="grade"))
        bearings = speed * (91 + 8.7 * speed) * 1e-3
        rows.append((0.5 * rho * speed**2, mass * GRAVITY * math.cos(angle)))
        targets.append((efficiency * watts - bearings) / speed - mass * GRAVITY * math.sin(angle))
    if len({round(row[0], 9) for row in rows}) < 2:
        raise InvalidInput("points", "needs steady points at two or more different speeds")
    design, observed = np.array(rows), np.array(targets)
    solution, _, _, _ = np.linalg.lstsq(design, observed, rcond=None)
    drag_area, crr = float(solution[0]) - WHEEL_DRAG_AREA_M2, float(solution[1])
    if drag_area <= 0 or crr <= 0:
        raise InvalidInput(
            "points",
            f"the fit gives CdA {drag_area:.3f} m² and Crr {crr:.4f}; the points are not steady or consistent",
        )
    errors = {"cda_se_m2": None, "crr_se": None}
    if len(rows) > 2:
        residual = observed - design @ solution
        variance = float(residual @ residual) / (len(rows) - 2)
        covariance = variance * np.linalg.inv(design.T @ design)
        errors = {"cda_se_m2": math.sqrt(covariance[0, 0]), "crr_se": math.sqrt(covariance[1, 1])}
    return {"cda_m2": drag_area, "crr": crr, **errors}
