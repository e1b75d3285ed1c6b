"""Critical power: the 2-parameter model with both regressions, Morton's 3-parameter model, W' balance,
FTP from tests and eFTP from a power curve (science.md §2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from trainingmath.errors import InvalidInput, require_finite, require_positive
from trainingmath.power import as_power_array

# The 2-parameter model holds for efforts of about 2-30 min; outside this the fit is biased (§2.1).
MODEL_VALID_DURATIONS_S = (120.0, 1800.0)
# eFTP: fit CP on the best curve between 3 and 30 min and read the modelled 60-min power (§2.4).
EFTP_DURATIONS_S = (180, 1800)
EFTP_HORIZON_S = 3600.0


def _efforts_arrays(efforts: Sequence[Mapping[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    if not efforts:
        raise InvalidInput("efforts", "needs at least two maximal efforts")
    durations, powers = [], []
    for index, effort in enumerate(efforts):
        try:
            duration, watts = effort["duration_s"], effort["power_w"]
        except (KeyError, TypeError):
            raise InvalidInput("efforts", f"effort {index + 1} needs duration_s and power_w") from None
        durations.append(require_positive(duration, "efforts"))
        powers.append(require_positive(watts, "efforts"))
    times, watts = np.array(durations), np.array(powers)
    if np.unique(times).size < 2:
        raise InvalidInput("efforts", "needs at least two efforts of different duration")
    return times, watts


def _ordinary_least_squares(x: np.ndarray, y: np.ndarray) -> dict:
    """Slope, intercept, R² and their standard errors (None where n = 2 leaves no residual freedom)."""
    n = x.size
    x_mean, y_mean = x.mean(), y.mean()
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum() / sxx)
    intercept = float(y_mean - slope * x_mean)
    residual = float(((y - (intercept + slope * x)) ** 2).sum())
    total = float(((y - y_mean) ** 2).sum())
    fit = {
        "slope": slope,
        "intercept": intercept,
        "r2": None if total == 0 else 1.0 - residual / total,
        "slope_se": None,
        "intercept_se": None,
    }
    if n > 2:
        variance = residual / (n - 2)
        fit["slope_se"] = math.sqrt(variance / sxx)
        fit["intercept_se"] = math.sqrt(variance * (1.0 / n + x_mean**2 / sxx))
    return fit


def critical_power_2p(efforts: Sequence[Mapping[str, float]]) -> dict:
    """CP and W' from maximal efforts [{duration_s, power_w}, ...] by both 2-parameter regressions (§2.1).

    Returns `cp_w`, `w_prime_j` (work-time fit, the default), `cp_w_inverse_time`, `w_prime_j_inverse_time`
    (power on 1/t), each fit's `r2` and standard errors (`*_se`, None with two efforts), and `warnings`.
    Efforts that give CP or W' <= 0 were not maximal and are refused.
    """
    times, watts = _efforts_arrays(efforts)
    work = _ordinary_least_squares(times, watts * times)  # W = CP·t + W'
    inverse = _ordinary_least_squares(1.0 / times, watts)  # P = CP + W'·(1/t)
    fits = {
        "work-time": (work["slope"], work["intercept"]),
        "inverse-time": (inverse["intercept"], inverse["slope"]),
    }
    for name, (cp, w_prime) in fits.items():
        if cp <= 0 or w_prime <= 0:
            raise InvalidInput(
                "efforts",
                f"the {name} fit gives CP {cp:.0f} W and W' {w_prime:.0f} J; CP and W' must be positive, so the "
                "efforts were not all maximal (a longer effort must be at lower power)",
            )
    warnings = []
    low, high = MODEL_VALID_DURATIONS_S
    outside = [f"{t:g} s" for t in times if not low <= t <= high]
    if outside:
        warnings.append(
            f"efforts outside {low:g}-{high:g} s ({', '.join(outside)}) bias the model: short ones inflate W', "
            "long ones break it"
        )
    if times.size == 2:
        warnings.append("two efforts fit the line exactly; W' is less certain than with three")
    return {
        "cp_w": work["slope"],
        "w_prime_j": work["intercept"],
        "r2": work["r2"],
        "cp_se_w": work["slope_se"],
        "w_prime_se_j": work["intercept_se"],
        "cp_w_inverse_time": inverse["intercept"],
        "w_prime_j_inverse_time": inverse["slope"],
        "r2_inverse_time": inverse["r2"],
        "cp_se_w_inverse_time": inverse["intercept_se"],
        "w_prime_se_j_inverse_time": inverse["slope_se"],
        "method": "work-time",
        "warnings": warnings,
    }


def power_for_duration_2p(*, duration_s: float, cp_w: float, w_prime_j: float) -> float:
    """P(t) = CP + W'/t."""
    return require_positive(cp_w, "cp_w") + require_positive(w_prime_j, "w_prime_j") / require_positive(
        duration_s, "duration_s"
    )


def time_to_exhaustion_2p(*, power_w: float, cp_w: float, w_prime_j: float) -> float | None:
    """t_lim = W' / (P - CP); None (no limit in the model) at or below CP."""
    watts = require_positive(power_w, "power_w")
    cp = require_positive(cp_w, "cp_w")
    w_prime = require_positive(w_prime_j, "w_prime_j")
    return None if watts <= cp else w_prime / (watts - cp)


# --- Morton's 3-parameter model ------------------------------------------------------------------------------


def power_for_duration_3p(*, duration_s: float, cp_w: float, w_prime_j: float, pmax_w: float) -> float:
    """P(t) = CP + W'/(t + k), k = W'/(Pmax - CP) (Morton 1996)."""
    t = require_positive(duration_s, "duration_s")
    cp, w_prime, pmax = _check_3p(cp_w, w_prime_j, pmax_w)
    return cp + w_prime / (t + w_prime / (pmax - cp))


def time_to_exhaustion_3p(*, power_w: float, cp_w: float, w_prime_j: float, pmax_w: float) -> float | None:
    """t_lim = W'/(P - CP) - W'/(Pmax - CP); None at or below CP, 0 at or above Pmax."""
    watts = require_positive(power_w, "power_w")
    cp, w_prime, pmax = _check_3p(cp_w, w_prime_j, pmax_w)
    if watts <= cp:
        return None
    if watts >= pmax:
        return 0.0
    return w_prime / (watts - cp) - w_prime / (pmax - cp)


def _check_3p(cp_w: float, w_prime_j: float, pmax_w: float) -> tuple[float, float, float]:
    cp = require_positive(cp_w, "cp_w")
    w_prime = require_positive(w_prime_j, "w_prime_j")
    pmax = require_positive(pmax_w, "pmax_w")
    if pmax <= cp:
        raise InvalidInput("pmax_w", f"maximal power must exceed CP ({pmax:g} W <= {cp:g} W)")
    return cp, w_prime, pmax


def critical_power_3p(efforts: Sequence[Mapping[str, float]]) -> dict:
    """Morton's 3-parameter fit by least squares on power: `cp_w`, `w_prime_j`, `pmax_w`, `k_s`, `rmse_w`.

    For a fixed k the model is linear in CP and W', so the fit is a 1-D search for the k that minimises the
    squared power error (bracketed on a log grid, then golden-section refined); no nonlinear solver needed.
    """
    times, watts = _efforts_arrays(efforts)
    if np.unique(times).size < 3:
        raise InvalidInput(
            "efforts", "the 3-parameter model needs at least three efforts of different duration"
        )

    def fit_for(k: float) -> tuple[float, float, float]:
        line = _ordinary_least_squares(1.0 / (times + k), watts)
        cp, w_prime = line["intercept"], line["slope"]
        error = float(((cp + w_prime / (times + k) - watts) ** 2).sum())
        if cp <= 0 or w_prime <= 0:
            error = math.inf
        return error, cp, w_prime

    grid = np.geomspace(1e-3, 10 * times.max(), 200)
    errors = [fit_for(k)[0] for k in grid]
    best = int(np.argmin(errors))
    if not math.isfinite(errors[best]):
        raise InvalidInput("efforts", "no positive CP and W' fit these efforts; they were not all maximal")
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(100):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if fit_for(a)[0] <= fit_for(b)[0]:
            high = b
        else:
            low = a
    k = float((low + high) / 2)
    error, cp, w_prime = fit_for(k)
    return {
        "cp_w": cp,
        "w_prime_j": w_prime,
        "k_s": k,
        "pmax_w": cp + w_prime / k,
        "rmse_w": math.sqrt(error / times.size),
        "method": "morton-3p",
    }


# --- W' balance ----------------------------------------------------------------------------------------------


def w_prime_recovery_time_constant(*, cp_w: float, mean_power_below_cp_w: float | None) -> float:
    """Skiba 2012: τ = 546·exp(-0.01·(CP - mean power of the samples below CP)) + 316 s; D̄ = CP when none."""
    cp = require_positive(cp_w, "cp_w")
    below = (
        0.0
        if mean_power_below_cp_w is None
        else require_finite(mean_power_below_cp_w, "mean_power_below_cp_w")
    )
    return 546.0 * math.exp(-0.01 * (cp - below)) + 316.0


def w_prime_balance_integral(
    power: Sequence[float] | np.ndarray,
    *,
    cp_w: float | None,
    w_prime_j: float | None,
    sample_interval_s: float = 1.0,
    truncate_tau: bool = False,
) -> np.ndarray | None:
    """Skiba 2012 integral W'bal per sample, as the O(n) recursion S(t) = S(t-1)·e^(-Δt/τ) + W'exp(t).

    τ comes from the mean of all samples below CP over the whole activity (`truncate_tau` rounds it down to
    whole seconds like GoldenCheetah). Drop-outs (NaN) count as 0 W, i.e. recovery. Not clamped at 0: a
    negative balance means CP or W' is wrong. None when CP or W' is unknown.
    """
    if cp_w is None or w_prime_j is None:
        return None
    cp = require_positive(cp_w, "cp_w")
    w_prime = require_positive(w_prime_j, "w_prime_j")
    interval = require_positive(sample_interval_s, "sample_interval_s")
    values = as_power_array(power)
    below = values[values < cp]
    tau = w_prime_recovery_time_constant(cp_w=cp, mean_power_below_cp_w=below.mean() if below.size else None)
    if truncate_tau:
        tau = math.floor(tau)
    decay = math.exp(-interval / tau)
    expended = np.maximum(values - cp, 0.0) * interval
    balance = np.empty(values.size)
    spent = 0.0
    for index, joules in enumerate(expended.tolist()):
        spent = spent * decay + joules
        balance[index] = w_prime - spent
    return balance


def w_prime_balance_differential(
    power: Sequence[float] | np.ndarray,
    *,
    cp_w: float | None,
    w_prime_j: float | None,
    sample_interval_s: float = 1.0,
    exact: bool = True,
    initial_balance_j: float | None = None,
) -> np.ndarray | None:
    """Skiba 2014/15 (Froncioni-Clarke) W'bal per sample.

    At or above CP the balance falls by (P - CP)·Δt; below CP it recovers towards W' with τ = W'/(CP - P):
    exactly, W'bal = W' - (W' - W'bal)·exp(-(CP - P)·Δt/W') (default), or with GoldenCheetah's Euler step
    (`exact=False`). Drop-outs (NaN) count as 0 W. Not clamped. None when CP or W' is unknown.
    """
    if cp_w is None or w_prime_j is None:
        return None
    cp = require_positive(cp_w, "cp_w")
    w_prime = require_positive(w_prime_j, "w_prime_j")
    interval = require_positive(sample_interval_s, "sample_interval_s")
    values = as_power_array(power)
    current = w_prime if initial_balance_j is None else require_finite(initial_balance_j, "initial_balance_j")
    balance = np.empty(values.size)
    for index, watts in enumerate(values.tolist()):
        if watts >= cp:
            current -= (watts - cp) * interval
        elif exact:
            current = w_prime - (w_prime - current) * math.exp(-(cp - watts) * interval / w_prime)
        else:
            current += (cp - watts) * interval * (w_prime - current) / w_prime
        balance[index] = current
    return balance


# --- FTP -----------------------------------------------------------------------------------------------------


def ftp_from_20min_test(power_20min_w: float) -> float:
    """FTP = 0.95 × best 20-min mean power (Allen & Coggan; §2.4)."""
    return 0.95 * require_positive(power_20min_w, "power_20min_w")


def ftp_from_8min_test(power_8min_w: float) -> float:
    """Convention (Carmichael/CTS): 0.90 × the better of two 8-min efforts."""
    return 0.90 * require_positive(power_8min_w, "power_8min_w")


def ftp_from_ramp_test(power_1min_w: float) -> float:
    """Convention (TrainerRoad/Zwift style): 0.75 × best 1-min power of a ramp test."""
    return 0.75 * require_positive(power_1min_w, "power_1min_w")


def model_cp_from_curve(curve: Sequence[Sequence[float]]) -> dict | None:
    """Modelled CP, W' and eFTP from a best power curve [[duration_s, watts], ...] (§2.4, idea 1).

    Fits the 2-parameter work-time model to the curve points between 3 and 30 min; eFTP is the modelled
    60-min power CP + W'/3600. None when the curve has fewer than two points in that range or the fit is
    not physical (the curve's efforts there were not maximal).
    """
    low, high = EFTP_DURATIONS_S
    efforts = [
        {"duration_s": float(duration), "power_w": float(watts)}
        for duration, watts in curve
        if low <= duration <= high and watts is not None and watts > 0
    ]
    try:
        fit = critical_power_2p(efforts)
    except InvalidInput:
        return None
    return {
        "cp_w": fit["cp_w"],
        "w_prime_j": fit["w_prime_j"],
        "eftp_w": fit["cp_w"] + fit["w_prime_j"] / EFTP_HORIZON_S,
        "r2": fit["r2"],
        "points_used": len(efforts),
    }
