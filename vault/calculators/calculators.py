"""The calculator registry (design.md §6): per type its input and output serializers, how omitted inputs are
prefilled from the metric history (as of `on_date`) or from the race, and how it runs (trainingmath).

Field names carry their unit (`_w`, `_m_per_s`, `_s_per_100m`, ...); `unit_of` reads it back for the
calculator list and the OpenAPI document, so a unit is written down once, in the name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from rest_framework import serializers

from trainingmath import aero, power, race, running, swim
from trainingmath.calculators import run_calculator
from trainingmath.errors import InvalidInput
from trainingmath.units import format_duration
from vault.accounts.models import AthleteProfile
from vault.activities.load import best_power_curves
from vault.calculators.models import CalculatorResult, Race, RaceDistance
from vault.metrics.selectors import metric_entry_on

# Defaults a rider rarely knows; every one is an input that can be overridden.
# Bike and gear (clothing, helmet, shoes, bottles) together make the 9 kg added to the rider's weight.
DEFAULT_BIKE_MASS_KG = 8.0
DEFAULT_GEAR_MASS_KG = 1.0
BIKE_MASS_KG = DEFAULT_BIKE_MASS_KG + DEFAULT_GEAR_MASS_KG
ROAD_CRR = 0.004
STILL_AIR_TEMPERATURE_C = 20.0
CP_TEST_DURATIONS_S = (120, 480, 900)  # science.md §11: the prefilled durations of a CP test
CDA_RANGE_M2 = (0.1, 0.6)
# Race distances of the Race model -> trainingmath's race presets.
PRESET_OF_DISTANCE = {
    RaceDistance.SPRINT: "sprint",
    RaceDistance.OLYMPIC: "olympic",
    RaceDistance.HALF: "70.3",
    RaceDistance.FULL: "full",
}

# Longest suffix first: "_s_per_100m" before "_m" and "_s".
UNIT_SUFFIXES = (
    ("_s_per_100m", "s/100m"),
    ("_s_per_km", "s/km"),
    ("_m_per_s", "m/s"),
    ("_kg_per_m3", "kg/m³"),
    ("_g_per_h", "g/h"),
    ("_ml_per_h", "ml/h"),
    ("_mg_per_h", "mg/h"),
    ("_l_per_h", "L/h"),
    ("_percent", "%"),
    ("_years", "years"),
    ("_kcal", "kcal"),
    ("_m2", "m²"),
    ("_kg", "kg"),
    ("_pa", "Pa"),
    ("_kj", "kJ"),
    ("_w", "W"),
    ("_j", "J"),
    ("_c", "°C"),
    ("_m", "m"),
    ("_s", "s"),
    ("_bpm", "bpm"),
)
# Names that say which fit or variant a value comes from, after its unit: cp_w_inverse_time is in W.
QUALIFIER_SUFFIXES = ("_inverse_time", "_3p")
# Names whose unit is not in a suffix.
NAMED_UNITS = {"avg_hr": "bpm", "threshold_hr": "bpm", "paces": "s/km"}
DIMENSIONLESS = {
    "grade": "fraction (0.05 is 5 %)",
    "crr": "rolling-resistance coefficient",
    "target_if": "fraction of FTP",
    "intensity_factor": "ratio to the threshold (1.0 is threshold intensity)",
    "vdot": "VDOT points",
    "tss": "TSS points",
    "drivetrain_efficiency": "fraction",
    "r2": "coefficient of determination",
    "r2_inverse_time": "coefficient of determination",
}


def unit_of(name: str) -> str:
    """The unit a field's value is in, read from its name (dimensionless ones: what the number is)."""
    if name in DIMENSIONLESS:
        return DIMENSIONLESS[name]
    if name in NAMED_UNITS:
        return NAMED_UNITS[name]
    for qualifier in QUALIFIER_SUFFIXES:
        if name.endswith(qualifier):
            return unit_of(name.removesuffix(qualifier))
    return next((unit for suffix, unit in UNIT_SUFFIXES if name.endswith(suffix)), "")


def unit_note(name: str, serializer_field=None) -> str:
    """What the OpenAPI description says about a field's unit: its unit, or that it has none (a list or
    object of values says where its entries' units are)."""
    unit = unit_of(name)
    if name in DIMENSIONLESS:
        return f"Unitless: {unit}."
    if unit:
        return f"Unit: {unit}."
    if isinstance(serializer_field, serializers.ListField | serializers.DictField):
        return "Unitless: a collection; the units of its entries are given with them."
    return "Unitless."


class UnitSerializer(serializers.Serializer):
    """A serializer whose fields' descriptions end with their unit (read from the name), so the OpenAPI
    document and `GET /api/calculators/` say it once, where the name already does; `plain_help` keeps the
    text without it for the pages, which show the unit beside the field."""

    def get_fields(self):
        fields = super().get_fields()
        for name, serializer_field in fields.items():
            plain = str(serializer_field.help_text or "")
            serializer_field.plain_help = plain
            note = unit_note(name, serializer_field)
            serializer_field.help_text = f"{plain} · {note}" if plain else note
        return fields


def _number(help_text: str, **kwargs) -> serializers.FloatField:
    return serializers.FloatField(required=False, allow_null=True, help_text=help_text, **kwargs)


# --- input serializers ---------------------------------------------------------------------------------------


class CalculatorInput(UnitSerializer):
    """Inputs every calculator takes besides its own: the race it is for and the date its prefills are as of."""

    race = serializers.IntegerField(
        required=False, allow_null=True, help_text="id of one of the athlete's races"
    )
    on_date = serializers.DateField(
        required=False, allow_null=True, help_text="metric history as of this date (default today)"
    )


class CssInput(CalculatorInput):
    d1_m = _number("shorter trial distance (default 200 m)")
    t1_s = _number("shorter trial time")
    d2_m = _number("longer trial distance (default 400 m)")
    t2_s = _number("longer trial time")


class EffortSerializer(UnitSerializer):
    duration_s = serializers.FloatField(help_text="effort duration")
    power_w = serializers.FloatField(help_text="mean power over the effort")


CURVE_PERIODS = ("42d", "90d", "season", "all")


class CriticalPowerInput(CalculatorInput):
    efforts = serializers.ListField(
        child=EffortSerializer(),
        required=False,
        help_text="two or three maximal efforts, each {duration_s (s), power_w (W)} (three by default: "
        "120 s, 480 s, 900 s); default: the best powers of power_curve_period at those durations",
    )
    power_curve_period = serializers.ChoiceField(
        choices=CURVE_PERIODS,
        required=False,
        allow_null=True,
        help_text="which best power curve prefills the efforts: the last 42 or 90 days, the season (since "
        "1 January) or all time (default 90d)",
    )


class FtpTestInput(CalculatorInput):
    power_20min_w = _number("mean power of a 20-minute all-out test")


class AirDensityInput(CalculatorInput):
    temperature_c = _number("air temperature (default: the race's expected temperature)")
    altitude_m = _number("altitude (default: the race's altitude, else sea level)")
    pressure_pa = _number("measured air pressure; overrides the altitude")
    relative_humidity_percent = _number("relative humidity")


class BikeSpeedInput(CalculatorInput):
    power_w = _number("power at the pedals; give this or speed_m_per_s")
    speed_m_per_s = _number("speed; give this or power_w")
    total_mass_kg = _number("rider + bike + gear (default: weight + 9 kg)")
    cda_m2 = _number("drag area (default: current CdA)")
    crr = _number("rolling resistance (default 0.004)")
    grade = _number("road grade as a fraction")
    wind_m_per_s = _number("headwind (negative: tailwind)")
    rho_kg_per_m3 = _number("air density (default: from the race's altitude and temperature, else 1.225)")


class CdaInput(CalculatorInput):
    power_w = _number("average power")
    speed_m_per_s = _number("steady speed; or give distance_m and time_s")
    distance_m = _number("segment distance")
    time_s = _number("segment time")
    total_mass_kg = _number("rider + gear + bike; or give those three (default: their sum)")
    rider_mass_kg = _number("the rider's body mass (default: current weight)")
    gear_mass_kg = _number(f"clothing, helmet, shoes, bottles (default {DEFAULT_GEAR_MASS_KG:g} kg)")
    bike_mass_kg = _number(f"the bike as ridden in the test (default {DEFAULT_BIKE_MASS_KG:g} kg)")
    crr = _number("rolling resistance (default 0.004)")
    grade = _number("road grade as a fraction")
    elevation_gain_m = _number("net climb of the segment")
    wind_m_per_s = _number("mean wind along the road during the test: head wind positive, tail wind negative")
    rho_kg_per_m3 = _number("air density (default: from the race, else 1.225)")
    power_meter = serializers.ChoiceField(
        choices=list(aero.POWER_METER_EFFICIENCY),
        required=False,
        allow_null=True,
        help_text="where the power meter sits: pedal, crank or spider lose the chain's 2.4 % before the wheel "
        "(efficiency 0.976), hub or trainer measure after it (1.0); default crank",
    )
    drivetrain_efficiency = _number("share of the measured power reaching the wheel; overrides power_meter")
    activity = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="id of one of the athlete's rides: power, distance, time, climb, temperature and altitude "
        "come from its seconds from_s..to_s",
    )
    from_s = _number("start of the steady segment, seconds after the ride's start")
    to_s = _number("end of the steady segment")
    temperature_c = _number("air temperature; with altitude or pressure gives the air density")
    altitude_m = _number("altitude of the test")
    pressure_pa = _number("measured air pressure; overrides the altitude")
    relative_humidity_percent = _number("relative humidity")


class BikePlanInput(CalculatorInput):
    distance_m = _number("bike course distance (default: the race's bike leg)")
    elevation_gain_m = _number("course climbing (default: the race's)")
    target_if = _number("target intensity factor (default: the race preset's)")
    power_w = _number("target power; overrides target_if")
    ftp_w = _number("FTP (default: current FTP, else CP)")
    total_mass_kg = _number("rider + bike + gear (default: weight + 9 kg)")
    cda_m2 = _number("drag area (default: the race's CdA step, else current CdA)")
    crr = _number("rolling resistance (default 0.004)")
    rho_kg_per_m3 = _number("air density (default: from the race, else 1.225)")


class FinishTimeInput(CalculatorInput):
    preset = serializers.ChoiceField(
        choices=list(race.RACE_PRESETS),
        required=False,
        allow_null=True,
        help_text="standard distances, with the swim offset, run factor and transitions the prefills use "
        "(default: the race's distance)",
    )
    swim_m = _number("swim distance (default: the preset's or the race's)")
    bike_m = _number("bike distance")
    run_m = _number("run distance")
    swim_pace_s_per_100m = _number("race swim pace (default: CSS pace + the preset's offset)")
    bike_speed_m_per_s = _number("average bike speed; or bike_time_s")
    bike_time_s = _number("bike time (default: the race's bike-plan step)")
    run_pace_s_per_km = _number("race run pace (default: threshold pace / the preset's run factor)")
    t1_s = _number("swim-to-bike transition")
    t2_s = _number("bike-to-run transition")
    cutoffs_s = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        allow_null=True,
        help_text="elapsed-time cut-offs at up to three points: {swim, bike, finish: seconds from the start}",
    )


class RunPredictionInput(CalculatorInput):
    distance_m = _number("a recent race's distance")
    time_s = _number("its time")
    target_distance_m = _number("the distance to predict")


class TrainingPacesInput(CalculatorInput):
    vdot = _number("VDOT (default: current VDOT)")


class ZonesInput(CalculatorInput):
    cp_w = _number("critical power, the bike anchor when known (default: current CP)")
    w_prime_j = _number("W′, splits the eight-band top zones (default: current W′)")
    ftp_w = _number("FTP, the anchor without CP (default: current FTP)")
    threshold_hr = _number("lactate-threshold heart rate (default: current)")
    threshold_pace_s_per_km = _number("threshold run pace (default: current)")
    css_pace_s_per_100m = _number("CSS pace (default: current)")


SEXES = ("male", "female")  # the two tables Keytel's heart-rate equation has


class RaceLegInput(UnitSerializer):
    sport = serializers.ChoiceField(choices=["swim", "bike", "run"], help_text="swim, bike or run")
    duration_s = serializers.FloatField(help_text="leg duration")
    power_w = serializers.FloatField(required=False, help_text="bike: average power")
    work_kj = serializers.FloatField(required=False, help_text="bike: work")
    distance_m = serializers.FloatField(required=False, help_text="run: distance")
    pace_s_per_km = serializers.FloatField(required=False, help_text="run: pace")
    avg_hr = serializers.FloatField(
        required=False, help_text="average heart rate; used when the leg has no work or pace"
    )
    intensity_factor = serializers.FloatField(required=False, help_text="swim: speed relative to CSS")
    age_years = serializers.FloatField(
        required=False, help_text="age for the heart-rate estimate (default: the calculator's age_years)"
    )
    sex = serializers.ChoiceField(
        choices=SEXES, required=False, help_text="for the heart-rate estimate (default: the calculator's sex)"
    )


LEGS_HELP = (
    "each {sport, duration_s (s), and power_w (W) or work_kj (kJ), distance_m (m) or pace_s_per_km (s/km), "
    "avg_hr (bpm)}; default: the race's legs timed by its finish-time step"
)


class CaloriesInput(CalculatorInput):
    legs = serializers.ListField(child=RaceLegInput(), required=False, help_text=LEGS_HELP)
    weight_kg = _number("body weight (default: current weight)")
    age_years = _number(
        "age, for heart-rate legs (Keytel); default: from the profile's birth date as of the race or on_date"
    )
    sex = serializers.ChoiceField(
        choices=SEXES,
        required=False,
        allow_null=True,
        help_text="for heart-rate legs (Keytel); default: the profile's",
    )


class FuelingInput(CalculatorInput):
    legs = serializers.ListField(child=RaceLegInput(), required=False, help_text=LEGS_HELP)
    weight_kg = _number("body weight (default: current weight)")
    temperature_c = _number("expected temperature (default: the race's, else 20 °C)")
    sweat_rate_l_per_h = _number("measured sweat rate; replaces the heat-based fluid estimate")


# --- output serializers (the OpenAPI document) ---------------------------------------------------------------


def _out(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(help_text=help_text, allow_null=True)


class Warnings(UnitSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="notes on the inputs or the model's limits"
    )


class CssOutput(Warnings):
    css_m_per_s = _out("critical swim speed")
    css_pace_s_per_100m = _out("CSS pace")
    sdi_percent = _out("speed drop-off index")
    zones = serializers.ListField(
        child=serializers.DictField(),
        help_text="swim zones, each {zone, name, min_speed_m_per_s and max_speed_m_per_s (m/s), "
        "slow_pace_s_per_100m and fast_pace_s_per_100m (s/100m)}",
    )


class CriticalPowerOutput(Warnings):
    cp_w = _out("CP, work-time fit (the default)")
    w_prime_j = _out("W′, work-time fit")
    w_prime_kj = _out("W′, work-time fit")
    r2 = _out("R² of the work-time fit")
    cp_se_w = _out("standard error of CP, work-time fit (null with two efforts)")
    w_prime_se_j = _out("standard error of W′, work-time fit (null with two efforts)")
    cp_w_inverse_time = _out("CP, power on 1/time fit")
    w_prime_j_inverse_time = _out("W′, power on 1/time fit")
    r2_inverse_time = _out("R² of the 1/time fit")
    cp_w_3p = _out("CP, Morton's three-parameter fit (null with fewer than three durations)")
    w_prime_j_3p = _out("W′, three-parameter fit")
    pmax_w_3p = _out("maximal instantaneous power, three-parameter fit")
    k_s_3p = _out("k = W′ / (Pmax − CP), three-parameter fit")
    rmse_w_3p = _out("root-mean-square power error of the three-parameter fit")


class FtpTestOutput(UnitSerializer):
    ftp_w = _out("FTP = 95 % of the 20-minute power")


class AirDensityOutput(UnitSerializer):
    rho_kg_per_m3 = _out("air density")


class BikeSpeedOutput(Warnings):
    speed_m_per_s = _out("speed")
    power_w = _out("power")


class CdaOutput(UnitSerializer):
    cda_m2 = _out("drag area")
    total_mass_kg = _out("the total mass the calculation used")
    drivetrain_efficiency = _out("the drivetrain efficiency the calculation used")


class BikePlanOutput(Warnings):
    bike_time_s = _out("projected bike time")
    power_w = _out("target power")
    np_w = _out("normalized power")
    tss = _out("training stress score (null without FTP)")
    intensity_factor = _out("NP / FTP (null without FTP)")
    work_kj = _out("work")
    avg_speed_m_per_s = _out("average speed")


class FinishTimeOutput(UnitSerializer):
    swim_s = _out("swim time")
    t1_s = _out("T1")
    bike_s = _out("bike time")
    t2_s = _out("T2")
    run_s = _out("run time")
    total_s = _out("finish time")
    swim_pace_s_per_100m = _out("swim pace used")
    run_pace_s_per_km = _out("run pace used")
    cutoffs = serializers.ListField(
        child=serializers.DictField(),
        help_text="per cut-off {point (swim, bike or finish), cutoff_s, predicted_s and margin_s (s), "
        "status (safe or exceeded)}",
    )


class RunPredictionOutput(Warnings):
    riegel_time_s = _out("Riegel prediction")
    vdot = _out("VDOT of the race")
    vdot_time_s = _out("VDOT prediction")


class TrainingPacesOutput(UnitSerializer):
    paces = serializers.DictField(
        child=serializers.FloatField(), help_text="easy, marathon, threshold, interval and repetition pace"
    )


class ZonesOutput(UnitSerializer):
    power_anchor = serializers.CharField(allow_null=True, help_text="cp or ftp: what the power zones rest on")
    power_zones = serializers.ListField(
        child=serializers.DictField(), help_text="Coggan levels, each {zone, name, min_w and max_w (W)}"
    )
    power_zones_eight_band = serializers.ListField(
        child=serializers.DictField(), help_text="the eight bands, each {zone, name, min_w and max_w (W)}"
    )
    hr_zones = serializers.ListField(
        child=serializers.DictField(),
        help_text="Friel LTHR zones, each {zone, name, min_bpm and max_bpm (bpm)}",
    )
    run_pace_zones = serializers.ListField(
        child=serializers.DictField(),
        help_text="pace bands, each {zone, name, slow_pace_s_per_km and fast_pace_s_per_km (s/km)}",
    )
    swim_zones = serializers.ListField(
        child=serializers.DictField(),
        help_text="CSS zones, each {zone, name, min_speed_m_per_s and max_speed_m_per_s (m/s), "
        "slow_pace_s_per_100m and fast_pace_s_per_100m (s/100m)}",
    )


class CaloriesOutput(UnitSerializer):
    legs = serializers.ListField(
        child=serializers.DictField(),
        help_text="per leg {sport, kcal (kcal), method (work, acsm, met_…, heart_rate)}",
    )
    total_kcal = _out("total")


class FuelingOutput(UnitSerializer):
    carbs_g_per_h = _out("carbohydrate")
    fluid_ml_per_h = _out("fluid")
    sodium_mg_per_h = _out("sodium")
    schedule = serializers.ListField(
        child=serializers.DictField(),
        help_text="hour by hour {hour, carbs_g (g), fluid_ml (ml), sodium_mg (mg), feeds (count), "
        "carbs_g_per_feed (g), fluid_ml_per_feed (ml)}",
    )


# --- prefill -------------------------------------------------------------------------------------------------


@dataclass
class Context:
    """What prefills read: the athlete's metric history as of `on_date`, and the race with its active steps."""

    athlete: AthleteProfile
    on_date: dt.date
    race: Race | None = None
    given: dict = field(default_factory=dict)  # the inputs typed in (some prefills depend on them)
    # What the prefill actually used, so readiness can judge exactly those values (and not, say, a stale CdA
    # in the history when the race's own CdA step supplied the number): metric type -> the history entry,
    # calculator type -> the race's active result.
    metrics_used: dict = field(default_factory=dict)
    steps_used: dict = field(default_factory=dict)
    _plan: dict | None = field(default=None, repr=False)

    def metric(self, metric_type: str) -> float | None:
        entry = metric_entry_on(self.athlete, metric_type, self.on_date)
        if entry is None:
            return None
        self.metrics_used[metric_type] = entry
        return entry.value

    def step(self, calculator_type: str) -> dict:
        """Outputs of the race's active result of that type ({} without a race or result)."""
        if self.race is None:
            return {}
        if self._plan is None:
            self._plan = {
                result.calculator_type: result
                for result in CalculatorResult.objects.filter(race=self.race, is_active=True)
            }
        result = self._plan.get(calculator_type)
        if result is None:
            return {}
        self.steps_used[calculator_type] = result
        return result.outputs

    def preset(self) -> dict:
        """The targets of the chosen `preset` input, else of the race's distance ({} for neither)."""
        name = self.given.get("preset") or (PRESET_OF_DISTANCE.get(self.race.distance) if self.race else None)
        return race.race_preset(name) if name else {}

    def age_years(self) -> float | None:
        """The athlete's age in whole years on the race day (else on `on_date`), from the profile."""
        born = self.athlete.birth_date
        if born is None:
            return None
        day = self.race.date if self.race else self.on_date
        return float(day.year - born.year - ((day.month, day.day) < (born.month, born.day)))

    def sex(self) -> str | None:
        return self.athlete.sex if self.athlete.sex in SEXES else None

    def leg_m(self, sport: str) -> float | None:
        return self.race.leg_distance_m(sport) if self.race else None

    def total_mass_kg(self) -> float | None:
        weight = self.metric("weight")
        return None if weight is None else weight + BIKE_MASS_KG

    def rho_kg_per_m3(self) -> float | None:
        if self.race is None or (self.race.altitude_m is None and self.race.expected_temperature_c is None):
            return None
        return aero.air_density(
            temperature_c=self.race.expected_temperature_c, altitude_m=self.race.altitude_m or 0.0
        )

    def css_pace_s_per_100m(self) -> float | None:
        pace = self.step("css").get("css_pace_s_per_100m")
        if pace is not None:
            return pace
        speed = self.metric("css_pace")  # only read when used, so readiness sees what the prefill took
        return 100.0 / speed if speed else None

    def threshold_pace_s_per_km(self) -> float | None:
        speed = self.metric("threshold_run_pace")
        return 1000.0 / speed if speed else None

    def ftp_w(self) -> float | None:
        ftp = self.metric("ftp")
        return (
            ftp
            if ftp is not None
            else self.step("critical_power").get("cp_w") or self.metric("critical_power")
        )

    def race_legs(self) -> list[dict] | None:
        """The race's legs timed by its finish-time step (None when either is missing)."""
        finish = self.step("finish_time")
        if self.race is None or not finish:
            return None
        bike_power = self.step("bike_plan").get("power_w")
        seconds = {"swim": finish.get("swim_s"), "bike": finish.get("bike_s"), "run": finish.get("run_s")}
        legs = []
        for leg in self.race.legs:
            sport = leg["sport"]
            same_sport = [other for other in self.race.legs if other["sport"] == sport]
            # A sport with two legs (duathlon runs) shares its time by distance.
            share = leg["distance_m"] / sum(other["distance_m"] for other in same_sport)
            if not seconds.get(sport):
                continue
            entry = {"sport": sport, "duration_s": seconds[sport] * share}
            if sport == "bike" and bike_power:
                entry["power_w"] = bike_power
            if sport == "run":
                entry["distance_m"] = leg["distance_m"]
            legs.append(entry)
        return legs or None


def _bike_rider(ctx: Context) -> dict:
    return {
        "total_mass_kg": None if ctx.given.get("total_mass_kg") is not None else ctx.total_mass_kg(),
        "crr": ROAD_CRR,
        "rho_kg_per_m3": ctx.rho_kg_per_m3(),
    }


def _prefill_css(ctx: Context) -> dict:
    return {"d1_m": 200.0, "d2_m": 400.0}


def _prefill_critical_power(ctx: Context) -> dict:
    """The test's three durations at the athlete's best powers of `power_curve_period` (default the last 90
    days), where the curve has them."""
    if ctx.given.get("efforts"):
        return {}  # typed efforts win; no need to read every ride's curve
    period = ctx.given.get("power_curve_period") or "90d"
    curve = dict(
        (int(duration), watts)
        for duration, watts in best_power_curves(ctx.athlete, today=ctx.on_date)[period]
    )
    efforts = [
        {"duration_s": float(duration), "power_w": round(curve[duration], 1)}
        for duration in CP_TEST_DURATIONS_S
        if curve.get(duration)
    ]
    return {"efforts": efforts} if len(efforts) >= 2 else {}


def _prefill_air_density(ctx: Context) -> dict:
    altitude = ctx.race.altitude_m if ctx.race else None
    temperature = ctx.race.expected_temperature_c if ctx.race else None
    return {"altitude_m": altitude if altitude is not None else 0.0, "temperature_c": temperature}


def _given_or(ctx: Context, name: str, default: float) -> float:
    value = ctx.given.get(name)
    return default if value is None else value


MIN_SEGMENT_S = 30.0
RIDE_SEGMENT_INPUTS = ("activity", "from_s", "to_s")
AIR_INPUTS = ("temperature_c", "altitude_m", "pressure_pa", "relative_humidity_percent")


def _prefill_cda(ctx: Context) -> dict:
    """The rider, gear and bike masses and their total, Crr, and, with a ride chosen, the segment's power,
    distance, time, net climb and the air density from its temperature and altitude."""
    values = {"crr": ROAD_CRR, "rho_kg_per_m3": ctx.rho_kg_per_m3()}
    if ctx.given.get("total_mass_kg") is None:
        # The parts are prefilled only when no total is typed: a typed total stands for all three.
        rider = ctx.given.get("rider_mass_kg")
        parts = {
            "rider_mass_kg": rider if rider is not None else ctx.metric("weight"),
            "gear_mass_kg": _given_or(ctx, "gear_mass_kg", DEFAULT_GEAR_MASS_KG),
            "bike_mass_kg": _given_or(ctx, "bike_mass_kg", DEFAULT_BIKE_MASS_KG),
        }
        values.update(parts)
        if parts["rider_mass_kg"] is not None:
            values["total_mass_kg"] = sum(parts.values())
    if ctx.given.get("activity") is not None:
        values.update(_ride_segment(ctx))
    air = {name: ctx.given[name] for name in AIR_INPUTS if ctx.given.get(name) is not None}
    if air:  # the test's own weather wins over the ride's and the race's (an explicit density wins over all)
        values["rho_kg_per_m3"] = aero.air_density(**{"altitude_m": 0.0, **air})
    return values


def _ride_segment(ctx: Context) -> dict:
    import numpy as np

    from vault.activities import storage
    from vault.activities.models import Activity

    activity = Activity.objects.filter(pk=ctx.given["activity"], athlete=ctx.athlete).first()
    if activity is None or not activity.streams_file:
        raise InvalidInput("activity", f"{ctx.given['activity']} is not a ride of this athlete")
    streams = storage.streams_read(activity.streams_file)
    timestamps, power = streams.get("timestamp"), streams.get("power")
    if timestamps is None or power is None or not np.isfinite(power).any():
        raise InvalidInput("activity", "this ride has no power, so it cannot give a CdA")
    elapsed = timestamps - timestamps[0]
    start = ctx.given.get("from_s") or 0.0
    end = ctx.given.get("to_s") if ctx.given.get("to_s") is not None else float(elapsed[-1])
    inside = np.flatnonzero((elapsed >= start) & (elapsed <= end))
    if inside.size < 2 or elapsed[inside[-1]] - elapsed[inside[0]] < MIN_SEGMENT_S:
        raise InvalidInput("to_s", f"the segment must hold at least {MIN_SEGMENT_S:g} s of the ride")
    first, last = inside[0], inside[-1]
    values = {"power_w": float(np.nanmean(power[inside])), "time_s": float(elapsed[last] - elapsed[first])}
    distance = streams.get("distance")
    if distance is not None and np.isfinite(distance[[first, last]]).all():
        values["distance_m"] = float(distance[last] - distance[first])
    altitude = streams.get("altitude")
    temperature = streams.get("temperature")
    mean_altitude = None
    if altitude is not None and np.isfinite(altitude[[first, last]]).all():
        values["elevation_gain_m"] = float(altitude[last] - altitude[first])
        mean_altitude = float(np.nanmean(altitude[inside]))
    mean_temperature = (
        float(np.nanmean(temperature[inside]))
        if temperature is not None and np.isfinite(temperature[inside]).any()
        else None
    )
    if mean_altitude is not None or mean_temperature is not None:
        values["rho_kg_per_m3"] = aero.air_density(
            temperature_c=mean_temperature, altitude_m=mean_altitude if mean_altitude is not None else 0.0
        )
    return values


def _prefill_bike_speed(ctx: Context) -> dict:
    return {**_bike_rider(ctx), "cda_m2": ctx.step("cda").get("cda_m2") or ctx.metric("cda")}


def _prefill_bike_plan(ctx: Context) -> dict:
    return {
        **_prefill_bike_speed(ctx),
        "distance_m": ctx.leg_m("bike"),
        "elevation_gain_m": ctx.race.elevation_gain_m if ctx.race else None,
        "target_if": ctx.preset().get("bike_if"),
        "ftp_w": ctx.ftp_w(),
    }


def _prefill_finish_time(ctx: Context) -> dict:
    preset = ctx.preset()
    css_pace = ctx.css_pace_s_per_100m()
    threshold = ctx.threshold_pace_s_per_km()
    values = {
        "swim_m": ctx.leg_m("swim") or 0.0 if ctx.race else None,
        "bike_m": ctx.leg_m("bike") or 0.0 if ctx.race else None,
        "run_m": ctx.leg_m("run") or 0.0 if ctx.race else None,
        "t1_s": preset.get("t1_s"),
        "t2_s": preset.get("t2_s"),
        "swim_pace_s_per_100m": css_pace + preset.get("swim_offset_s_per_100m", 0.0) if css_pace else None,
        "run_pace_s_per_km": threshold / preset.get("run_factor", 1.0) if threshold else None,
        # A typed speed must not lose to the bike-plan step's time (the finish-time formula prefers a time).
        "bike_time_s": None
        if ctx.given.get("bike_speed_m_per_s") is not None
        else ctx.step("bike_plan").get("bike_time_s"),
    }
    return values


def _prefill_training_paces(ctx: Context) -> dict:
    return {"vdot": ctx.metric("vdot")}


def _prefill_zones(ctx: Context) -> dict:
    return {
        "cp_w": ctx.metric("critical_power"),
        "w_prime_j": ctx.metric("w_prime"),
        "ftp_w": ctx.metric("ftp"),
        "threshold_hr": ctx.metric("threshold_hr"),
        "threshold_pace_s_per_km": ctx.threshold_pace_s_per_km(),
        "css_pace_s_per_100m": ctx.css_pace_s_per_100m(),
    }


def _prefill_calories(ctx: Context) -> dict:
    return {
        "legs": ctx.race_legs(),
        "weight_kg": ctx.metric("weight"),
        "age_years": ctx.age_years(),
        "sex": ctx.sex(),
    }


def _prefill_fueling(ctx: Context) -> dict:
    temperature = ctx.race.expected_temperature_c if ctx.race else None
    return {
        "legs": ctx.race_legs(),
        "weight_kg": ctx.metric("weight"),
        "temperature_c": temperature if temperature is not None else STILL_AIR_TEMPERATURE_C,
    }


def _no_prefill(ctx: Context) -> dict:
    return {}


# --- running -------------------------------------------------------------------------------------------------


def _run_css(inputs: dict) -> dict:
    # Either trial may be entered first; the formula wants the shorter one as trial 1.
    if None not in (inputs.get("d1_m"), inputs.get("d2_m")) and inputs["d1_m"] > inputs["d2_m"]:
        inputs = {
            "d1_m": inputs["d2_m"],
            "t1_s": inputs.get("t2_s"),
            "d2_m": inputs["d1_m"],
            "t2_s": inputs.get("t1_s"),
        }
    return run_calculator("css", inputs)


def _run_critical_power(inputs: dict) -> dict:
    # The period only chose the prefilled efforts. trainingmath already notes that two efforts leave W′ less
    # certain (science.md §11), so the note is not added again here.
    inputs = {name: value for name, value in inputs.items() if name != "power_curve_period"}
    outputs = run_calculator("critical_power", inputs)
    outputs["w_prime_kj"] = outputs["w_prime_j"] / 1000.0
    return outputs


def _run_cda(inputs: dict) -> dict:
    # The ride, its segment and the weather were turned into numbers by the prefill; the formula takes those.
    inputs = {name: value for name, value in inputs.items() if name not in RIDE_SEGMENT_INPUTS + AIR_INPUTS}
    outputs = run_calculator("cda", inputs)
    low, high = CDA_RANGE_M2
    if not low <= outputs["cda_m2"] <= high:
        raise InvalidInput(
            "cda_m2",
            f"these inputs give a CdA of {outputs['cda_m2']:.3f} m², outside the {low:g}-{high:g} m² a rider "
            "can have; check the power, speed and grade",
        )
    return outputs


def _run_finish_time(inputs: dict) -> dict:
    outputs = run_calculator("finish_time", inputs)
    swim_m, run_m = inputs.get("swim_m"), inputs.get("run_m")
    outputs["swim_pace_s_per_100m"] = inputs.get("swim_pace_s_per_100m") if swim_m != 0 else None
    outputs["run_pace_s_per_km"] = inputs.get("run_pace_s_per_km") if run_m != 0 else None
    return outputs


def _run_zones(inputs: dict) -> dict:
    cp_w, ftp_w = inputs.get("cp_w"), inputs.get("ftp_w")
    anchor, anchor_name = (cp_w, "cp") if cp_w else (ftp_w, "ftp") if ftp_w else (None, None)
    threshold_pace = inputs.get("threshold_pace_s_per_km")
    css_pace = inputs.get("css_pace_s_per_100m")
    if anchor is None and not inputs.get("threshold_hr") and not threshold_pace and not css_pace:
        raise InvalidInput(
            "ftp_w", "give at least one anchor: cp_w, ftp_w, threshold_hr, a threshold or CSS pace"
        )
    outputs = {
        "power_anchor": anchor_name,
        "power_zones": power.coggan_power_zones(anchor) if anchor else [],
        "power_zones_eight_band": power.eight_band_power_zones(anchor, w_prime_j=inputs.get("w_prime_j"))
        if anchor
        else [],
        "hr_zones": running.friel_hr_zones(inputs["threshold_hr"]) if inputs.get("threshold_hr") else [],
        "run_pace_zones": _run_pace_zones(threshold_pace) if threshold_pace else [],
        "swim_zones": swim.swim_zones(100.0 / _positive(css_pace, "css_pace_s_per_100m")) if css_pace else [],
    }
    return outputs


# Run pace bands as fractions of threshold speed. science.md gives no run pace zones, so these reuse the
# boundaries of Friel's run LTHR zones (science.md §4.7: <85, 85-89, 90-94, 95-99, 100-102, 103-106, >106 %)
# applied to speed: a convention, documented here, not a published pace table.
RUN_PACE_BANDS = (
    ("Z1", "Recovery", None, 0.85),
    ("Z2", "Aerobic", 0.85, 0.90),
    ("Z3", "Tempo", 0.90, 0.95),
    ("Z4", "Sub-threshold", 0.95, 1.0),
    ("Z5a", "Super-threshold", 1.0, 1.03),
    ("Z5b", "Aerobic capacity", 1.03, 1.07),
    ("Z5c", "Anaerobic capacity", 1.07, None),
)


def _positive(value: float, field_name: str) -> float:
    if value <= 0:
        raise InvalidInput(field_name, f"must be greater than zero, got {value:g}")
    return value


def _run_pace_zones(threshold_pace_s_per_km: float) -> list[dict]:
    speed = 1000.0 / _positive(threshold_pace_s_per_km, "threshold_pace_s_per_km")
    return [
        {
            "zone": zone,
            "name": name,
            "slow_pace_s_per_km": 1000.0 / (speed * low) if low else None,
            "fast_pace_s_per_km": 1000.0 / (speed * high) if high else None,
        }
        for zone, name, low, high in RUN_PACE_BANDS
    ]


@dataclass(frozen=True)
class Calculator:
    key: str
    label: str
    inputs: type[CalculatorInput]
    outputs: type[serializers.Serializer]
    prefill: Callable[[Context], dict] = _no_prefill
    run: Callable[[dict], dict] | None = None
    key_outputs: tuple[str, ...] = ()

    def execute(self, inputs: dict) -> dict:
        return self.run(inputs) if self.run else run_calculator(self.key, inputs)


CALCULATORS: dict[str, Calculator] = {
    calculator.key: calculator
    for calculator in (
        Calculator(
            "css",
            "Critical swim speed",
            CssInput,
            CssOutput,
            _prefill_css,
            _run_css,
            ("css_pace_s_per_100m", "sdi_percent"),
        ),
        Calculator(
            "critical_power",
            "Critical power",
            CriticalPowerInput,
            CriticalPowerOutput,
            _prefill_critical_power,
            _run_critical_power,
            ("cp_w", "w_prime_j"),
        ),
        Calculator("ftp_test", "FTP test", FtpTestInput, FtpTestOutput, key_outputs=("ftp_w",)),
        Calculator(
            "air_density",
            "Air density",
            AirDensityInput,
            AirDensityOutput,
            _prefill_air_density,
            key_outputs=("rho_kg_per_m3",),
        ),
        Calculator(
            "bike_speed",
            "Bike speed and power",
            BikeSpeedInput,
            BikeSpeedOutput,
            _prefill_bike_speed,
            key_outputs=("speed_m_per_s", "power_w"),
        ),
        Calculator("cda", "CdA", CdaInput, CdaOutput, _prefill_cda, _run_cda, ("cda_m2",)),
        Calculator(
            "bike_plan",
            "Bike plan",
            BikePlanInput,
            BikePlanOutput,
            _prefill_bike_plan,
            key_outputs=("power_w", "bike_time_s", "tss"),
        ),
        Calculator(
            "finish_time",
            "Finish time",
            FinishTimeInput,
            FinishTimeOutput,
            _prefill_finish_time,
            _run_finish_time,
            ("swim_s", "bike_s", "run_s", "total_s"),
        ),
        Calculator(
            "run_prediction",
            "Run prediction",
            RunPredictionInput,
            RunPredictionOutput,
            key_outputs=("riegel_time_s", "vdot"),
        ),
        Calculator(
            "training_paces",
            "Training paces",
            TrainingPacesInput,
            TrainingPacesOutput,
            _prefill_training_paces,
            key_outputs=("paces",),
        ),
        Calculator("zones", "Zones", ZonesInput, ZonesOutput, _prefill_zones, _run_zones, ("power_anchor",)),
        Calculator(
            "calories",
            "Calories",
            CaloriesInput,
            CaloriesOutput,
            _prefill_calories,
            key_outputs=("total_kcal",),
        ),
        Calculator(
            "fueling",
            "Fueling",
            FuelingInput,
            FuelingOutput,
            _prefill_fueling,
            key_outputs=("carbs_g_per_h", "fluid_ml_per_h", "sodium_mg_per_h"),
        ),
    )
}

# The design's seven race-plan steps, in wizard order.
WIZARD_STEPS = ("css", "critical_power", "cda", "bike_plan", "finish_time", "calories", "fueling")


def describe(calculator: Calculator) -> dict:
    """A calculator's inputs and outputs with units, for `GET /api/calculators/`."""

    def fields_of(serializer_class, skip=()) -> list[dict]:
        return [
            {
                "name": name,
                "unit": unit_of(name),
                "description": str(serializer_field.help_text or ""),
                "required": bool(serializer_field.required),
            }
            for name, serializer_field in serializer_class().fields.items()
            if name not in skip
        ]

    return {
        "calculator_type": calculator.key,
        "label": calculator.label,
        "inputs": fields_of(calculator.inputs),
        "outputs": fields_of(calculator.outputs, skip=("warnings",)),
    }


def display_value(name: str, value) -> str:
    """One output or input as a person reads it: times and paces as h:mm:ss, other numbers to 3 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    # A nested value's unit is in its own name (zones.0.min_w), else in its parent's (paces.easy is s/km).
    unit = unit_of(name.rsplit(".", 1)[-1]) or unit_of(name.split(".", 1)[0])
    if unit in ("s", "s/100m", "s/km") and value >= 0:
        suffix = "" if unit == "s" else unit[1:].replace("s/", "/")
        return f"{format_duration(value)}{suffix}"
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit and len(unit) < 8 else text
