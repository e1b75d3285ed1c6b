"""Energy expenditure per leg and the fuelling plan (science.md §8, §11 "race energy").

Every estimate says which method produced it, so a coach can see where a number comes from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from trainingmath.errors import InvalidInput, require_between, require_non_negative, require_positive
from trainingmath.running import minetti_cost

JOULES_PER_KCAL = 4184.0
GROSS_EFFICIENCY = 0.24
GROSS_EFFICIENCY_RANGE = (0.20, 0.25)
KCAL_PER_LITRE_O2 = 5.0
RESTING_VO2_ML_PER_KG_MIN = 3.5

# Compendium of Physical Activities (Ainsworth 2011), freestyle laps; the swim's IF picks the row.
SWIM_MET_MODERATE = 5.8
SWIM_MET_VIGOROUS = 9.8
SWIM_VIGOROUS_IF = 0.85

KEYTEL = {
    "male": (-55.0969, 0.6309, 0.1988, 0.2017),
    "female": (-20.4022, 0.4472, -0.1263, 0.074),  # the paper's sign for weight (GoldenCheetah's code has +)
}

SPORT_LEGS = {
    "swim": "swim",
    "swimming": "swim",
    "bike": "bike",
    "cycling": "bike",
    "run": "run",
    "running": "run",
}


def cycling_kcal(*, work_kj: float, gross_efficiency: float = GROSS_EFFICIENCY) -> float:
    """Metabolic kcal from mechanical work: kJ / 4.184 / GE (§8.1)."""
    work = require_non_negative(work_kj, "work_kj")
    efficiency = require_between(gross_efficiency, "gross_efficiency", 0.1, 0.35)
    return work / 4.184 / efficiency


def cycling_kcal_range(*, work_kj: float) -> tuple[float, float]:
    """(low, high) kcal for GE 0.25 and 0.20."""
    low_ge, high_ge = GROSS_EFFICIENCY_RANGE
    return cycling_kcal(work_kj=work_kj, gross_efficiency=high_ge), cycling_kcal(
        work_kj=work_kj, gross_efficiency=low_ge
    )


def running_kcal_acsm(
    *, weight_kg: float, distance_m: float, duration_s: float, grade: float = 0.0, net: bool = False
) -> float:
    """ACSM running equation: VO2 = 3.5 + 0.2·v + 0.9·v·G ml/kg/min (v in m/min), 5 kcal per litre O2.

    `net=True` leaves out the resting 3.5 ml/kg/min.
    """
    weight = require_positive(weight_kg, "weight_kg")
    distance = require_non_negative(distance_m, "distance_m")
    minutes = require_positive(duration_s, "duration_s") / 60.0
    slope = require_between(grade, "grade", -0.45, 0.45)
    speed = distance / minutes
    vo2 = 0.2 * speed + 0.9 * speed * slope + (0.0 if net else RESTING_VO2_ML_PER_KG_MIN)
    return vo2 * weight / 1000.0 * KCAL_PER_LITRE_O2 * minutes


def running_kcal_minetti(*, weight_kg: float, distance_m: float, grade: float = 0.0) -> float:
    """Net kcal from Minetti's cost of running: C_r(i) · kg · m / 4184 (§8.2)."""
    weight = require_positive(weight_kg, "weight_kg")
    distance = require_non_negative(distance_m, "distance_m")
    return minetti_cost(grade) * weight * distance / JOULES_PER_KCAL


def swimming_kcal(*, weight_kg: float, duration_s: float, intensity_factor: float | None = None) -> dict:
    """Gross kcal = MET × kg × hours; vigorous (9.8 MET) from IF 0.85 up, else moderate (5.8 MET)."""
    weight = require_positive(weight_kg, "weight_kg")
    hours = require_non_negative(duration_s, "duration_s") / 3600.0
    vigorous = (
        intensity_factor is not None
        and require_positive(intensity_factor, "intensity_factor") >= SWIM_VIGOROUS_IF
    )
    met = SWIM_MET_VIGOROUS if vigorous else SWIM_MET_MODERATE
    return {"kcal": met * weight * hours, "method": f"met_{met:g}"}


def keytel_kcal(*, avg_hr: float, weight_kg: float, age_years: float, sex: str, duration_s: float) -> float:
    """Keytel et al. 2005 heart-rate energy expenditure (any sport, no power needed)."""
    if sex not in KEYTEL:
        raise InvalidInput("sex", f"must be 'male' or 'female', got {sex!r}")
    heart_rate = require_between(avg_hr, "avg_hr", 30, 230, what="bpm")
    weight = require_positive(weight_kg, "weight_kg")
    age = require_between(age_years, "age_years", 5, 110, what="years")
    minutes = require_non_negative(duration_s, "duration_s") / 60.0
    constant, hr_factor, weight_factor, age_factor = KEYTEL[sex]
    per_minute = (constant + hr_factor * heart_rate + weight_factor * weight + age_factor * age) / 4.184
    return max(per_minute, 0.0) * minutes


def leg_calories(leg: Mapping, *, weight_kg: float) -> dict:
    """kcal and method for one leg: {sport, duration_s, and work_kj | distance_m or pace | avg_hr (+age, sex)}.

    Bike from work (GE 0.24), run from the ACSM equation (gross, with `grade`), swim from METs by
    `intensity_factor`; heart rate (Keytel) when the leg has no work or pace. No usable input -> kcal None.
    """
    sport = SPORT_LEGS.get(str(leg.get("sport", "")).lower())
    if sport is None:
        raise InvalidInput("legs", f"each leg needs a sport of swim, bike or run, got {leg.get('sport')!r}")
    duration = require_positive(leg.get("duration_s"), "duration_s")
    if sport == "bike" and leg.get("work_kj") is not None:
        return {"kcal": cycling_kcal(work_kj=leg["work_kj"]), "method": "work"}
    if sport == "bike" and leg.get("power_w") is not None:
        work = require_positive(leg["power_w"], "power_w") * duration / 1000.0
        return {"kcal": cycling_kcal(work_kj=work), "method": "work"}
    if sport == "run":
        distance = leg.get("distance_m")
        if distance is None and leg.get("pace_s_per_km") is not None:
            distance = duration / require_positive(leg["pace_s_per_km"], "pace_s_per_km") * 1000.0
        if distance is not None:
            kcal = running_kcal_acsm(
                weight_kg=weight_kg, distance_m=distance, duration_s=duration, grade=leg.get("grade", 0.0)
            )
            return {"kcal": kcal, "method": "acsm"}
    if sport == "swim" and leg.get("avg_hr") is None:
        return swimming_kcal(
            weight_kg=weight_kg, duration_s=duration, intensity_factor=leg.get("intensity_factor")
        )
    if leg.get("avg_hr") is not None:
        # Heart rate is this leg's only usable input; Keytel's equation cannot run without age and sex, and a
        # silent "unknown" would hide which input is missing.
        for name in ("age_years", "sex"):
            if leg.get(name) is None:
                raise InvalidInput(name, f"is needed to estimate a {sport} leg's energy from heart rate")
        kcal = keytel_kcal(
            avg_hr=leg["avg_hr"],
            weight_kg=weight_kg,
            age_years=leg["age_years"],
            sex=leg["sex"],
            duration_s=duration,
        )
        return {"kcal": kcal, "method": "heart_rate"}
    if sport == "swim":
        return swimming_kcal(
            weight_kg=weight_kg, duration_s=duration, intensity_factor=leg.get("intensity_factor")
        )
    return {"kcal": None, "method": None}


def race_calories(legs: Sequence[Mapping], *, weight_kg: float) -> dict:
    """The `calories` calculator: per leg `kcal` and `method`, and `total_kcal` (None if any leg is unknown)."""
    require_positive(weight_kg, "weight_kg")
    if not legs:
        raise InvalidInput("legs", "the race has no legs")
    results = [{"sport": leg.get("sport"), **leg_calories(leg, weight_kg=weight_kg)} for leg in legs]
    known = [result["kcal"] for result in results]
    return {"legs": results, "total_kcal": None if None in known else sum(known)}


# --- fuelling ------------------------------------------------------------------------------------------------

# (session longer than, carbohydrate g/h, note) from Jeukendrup 2014 / ACSM 2016, longest first.
CARB_BANDS = (
    (
        2.5 * 3600,
        90.0,
        "up to 90 g/h from multiple transportable carbohydrates (glucose:fructose), practised in training",
    ),
    (2 * 3600, 60.0, "up to 60 g/h; a single source such as glucose or maltodextrin is fine"),
    (75 * 60, 30.0, "up to 30 g/h"),
    (30 * 60, 0.0, "small amounts or a carbohydrate mouth rinse"),
    (0, 0.0, "no carbohydrate needed"),
)
FLUID_RANGE_L_PER_H = (0.4, 0.8)
SODIUM_MG_PER_L = 750.0  # maps 0.4-0.8 L/h onto the 300-600 mg/h plan range
SODIUM_FROM_S = 3600.0
FEED_INTERVAL_S = 20 * 60
PRE_EXERCISE_ML_PER_KG = (5.0, 7.0)  # at least 4 h before (ACSM 2007)


def fluid_l_per_h(*, temperature_c: float, weight_kg: float) -> float:
    """Starting fluid rate inside 0.4-0.8 L/h (ACSM 2007): rises with heat (10-30 °C) and body mass (vs 70 kg).

    A convention to start from; a measured sweat rate should replace it, and never drink more than you sweat.
    """
    temperature = require_between(temperature_c, "temperature_c", -30, 50, what="°C")
    weight = require_positive(weight_kg, "weight_kg")
    low, high = FLUID_RANGE_L_PER_H
    heat = min(max((temperature - 10.0) / 20.0, 0.0), 1.0)
    rate = (low + (high - low) * heat) * weight / 70.0
    return min(max(rate, low), high)


def sweat_rate_l_per_h(
    *, pre_mass_kg: float, post_mass_kg: float, fluid_drunk_l: float, urine_l: float = 0.0, duration_s: float
) -> float:
    """Sweat rate = (pre-mass - post-mass + fluid drunk - urine) / hours (1 kg of mass lost = 1 L)."""
    lost = require_positive(pre_mass_kg, "pre_mass_kg") - require_positive(post_mass_kg, "post_mass_kg")
    drunk = require_non_negative(fluid_drunk_l, "fluid_drunk_l")
    urine = require_non_negative(urine_l, "urine_l")
    rate = (lost + drunk - urine) / (require_positive(duration_s, "duration_s") / 3600.0)
    if rate <= 0:
        raise InvalidInput("post_mass_kg", "the masses and fluids give no sweat loss; check the weighings")
    return rate


def fueling_plan(
    *,
    legs: Sequence[Mapping],
    weight_kg: float,
    temperature_c: float = 20.0,
    sweat_rate_l_per_h: float | None = None,
) -> dict:
    """The `fueling` calculator: hourly carbohydrate, fluid and sodium targets and an hour-by-hour schedule.

    `legs` are [{sport, duration_s}, ...] in race order; nothing is taken in during swim legs. Each hour of
    the schedule gives its intake (pro rata for time on the bike or run in that hour) and the per-feed
    amounts at one feed every 20 min. Guidance, not prescription.

    With a measured `sweat_rate_l_per_h` fluid replaces that loss, inside 0.4-0.8 L/h and never above the
    sweat rate itself (drinking more than you sweat risks hyponatraemia).
    """
    if not legs:
        raise InvalidInput("legs", "the session has no legs")
    durations = [require_positive(leg.get("duration_s"), "duration_s") for leg in legs]
    sports = [SPORT_LEGS.get(str(leg.get("sport", "")).lower()) for leg in legs]
    if None in sports:
        raise InvalidInput("legs", "each leg needs a sport of swim, bike or run")
    total = sum(durations)
    carbs, note = next((rate, text) for floor, rate, text in CARB_BANDS if total > floor or floor == 0)
    fluid = fluid_l_per_h(temperature_c=temperature_c, weight_kg=weight_kg)
    if sweat_rate_l_per_h is not None:
        sweat = require_between(sweat_rate_l_per_h, "sweat_rate_l_per_h", 0.05, 4.0, what="L/h")
        fluid = min(max(sweat, FLUID_RANGE_L_PER_H[0]), FLUID_RANGE_L_PER_H[1], sweat)
    sodium = fluid * SODIUM_MG_PER_L if total > SODIUM_FROM_S else 0.0
    schedule = []
    hours = math.ceil(total / 3600.0)
    for hour in range(hours):
        start, end = hour * 3600.0, min((hour + 1) * 3600.0, total)
        feeding = 0.0  # seconds of this hour spent on legs where one can eat and drink
        leg_start = 0.0
        for sport, duration in zip(sports, durations):
            overlap = max(0.0, min(end, leg_start + duration) - max(start, leg_start))
            if sport != "swim":
                feeding += overlap
            leg_start += duration
        share = feeding / 3600.0
        feeds = math.floor(feeding / FEED_INTERVAL_S)
        row = {
            "hour": hour + 1,
            "carbs_g": carbs * share,
            "fluid_ml": fluid * 1000.0 * share,
            "sodium_mg": sodium * share,
            "feeds": feeds,
        }
        row["carbs_g_per_feed"] = row["carbs_g"] / feeds if feeds else None
        row["fluid_ml_per_feed"] = row["fluid_ml"] / feeds if feeds else None
        schedule.append(row)
    return {
        "carbs_g_per_h": carbs,
        "fluid_ml_per_h": fluid * 1000.0,
        "sodium_mg_per_h": sodium,
        "fluid_ml_per_h_range": [value * 1000.0 for value in FLUID_RANGE_L_PER_H],
        "sodium_mg_per_h_range": [value * SODIUM_MG_PER_L for value in FLUID_RANGE_L_PER_H]
        if sodium
        else [0.0, 0.0],
        "carbs_note": note,
        "pre_exercise_fluid_ml": [
            PRE_EXERCISE_ML_PER_KG[0] * weight_kg,
            PRE_EXERCISE_ML_PER_KG[1] * weight_kg,
        ],
        "schedule": schedule,
    }
