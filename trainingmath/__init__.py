"""trainingmath: pure training-science functions, SI units in and out. Never imports Django.

Formulas, defaults and worked examples follow the project's science reference; where sources disagree the
default is the one it marks, with the alternative behind a keyword argument.

Modules:
    units        pace <-> speed, display formats ("1:32/100m", "4:05/km", "2:19:21")
    swim         CSS from two or more trials, SDI, CSS zones, sTSS
    power        NP, IF, TSS, VI, work, Coggan and eight-band zones, time in zone, mean-maximal power
    cp           2-parameter CP (work-time and 1/t fits), Morton 3P, W' balance, FTP tests, eFTP from a curve
    running      Riegel, VDOT and Daniels paces, threshold pace, Minetti GAP, NGP/rTSS, TRIMP/hrTSS, Friel zones,
                 best efforts
    load         CTL/ATL/TSB/ramp rate, form bands, which load an activity gets
    aero         air density, Martin power model, speed from power, CdA (and Crr) from rides
    race         triathlon presets, leg splits, finish time and cut-offs, whole race plan
    energy       kcal per leg with its method, fuelling plan hour by hour
    summary      summarize_activity (the import pipeline's metrics), power-curve helpers
    wellness     wellness flags against 14-day baselines
    readiness    threshold freshness windows and the race readiness score
    calculators  one function per HTTP calculator, with the API's field names

Every function raises `InvalidInput` (a ValueError carrying `field`, the input's API name, and `message`) for
input the formula cannot accept.
"""

from trainingmath.errors import InvalidInput

__all__ = ["InvalidInput"]
