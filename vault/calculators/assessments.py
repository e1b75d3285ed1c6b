"""Threshold tests (issue 5 §3): record a test's raw inputs and computed outputs, and write the thresholds it
gives to the metric history with source `assessment` and the test as source detail.

An athlete's own test waits in the coach's review queue (when they have a coach); a coach's does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from trainingmath import running
from trainingmath.errors import InvalidInput
from vault.accounts.models import AthleteProfile
from vault.calculators.calculators import (
    CALCULATORS,
    CriticalPowerInput,
    CssInput,
    FtpTestInput,
)
from vault.calculators.models import Assessment, AssessmentKind
from vault.calculators.services import field_errors
from vault.metrics.models import Source
from vault.metrics.services import has_active_coach, metric_entry_create


class RunThresholdInput(serializers.Serializer):
    distance_m = serializers.FloatField(help_text="distance covered in a 30-minute solo time trial (m)")
    avg_hr_last_20min_bpm = serializers.FloatField(
        required=False, allow_null=True, help_text="average heart rate of the last 20 minutes (bpm)"
    )


def _run_threshold(inputs: dict) -> dict:
    speed = running.threshold_speed_from_30min_test(inputs.get("distance_m"))
    outputs = {"threshold_speed_m_per_s": speed, "threshold_pace_s_per_km": 1000.0 / speed}
    if inputs.get("avg_hr_last_20min_bpm") is not None:
        outputs["threshold_hr_bpm"] = inputs["avg_hr_last_20min_bpm"]
    return outputs


@dataclass(frozen=True)
class AssessmentType:
    inputs: type[serializers.Serializer]
    run: Callable[[dict], dict]
    # metric type -> output that holds its value (in the metric's stored unit)
    metrics: dict[str, str]


ASSESSMENTS = {
    AssessmentKind.CSS_TEST: AssessmentType(
        CssInput, CALCULATORS["css"].execute, {"css_pace": "css_m_per_s"}
    ),
    AssessmentKind.FTP_TEST: AssessmentType(FtpTestInput, CALCULATORS["ftp_test"].execute, {"ftp": "ftp_w"}),
    AssessmentKind.CP_TEST: AssessmentType(
        CriticalPowerInput,
        CALCULATORS["critical_power"].execute,
        {"critical_power": "cp_w", "w_prime": "w_prime_j"},
    ),
    AssessmentKind.RUN_THRESHOLD_TEST: AssessmentType(
        RunThresholdInput,
        _run_threshold,
        {"threshold_run_pace": "threshold_speed_m_per_s", "threshold_hr": "threshold_hr_bpm"},
    ),
}


@transaction.atomic
def assessment_record(
    *,
    athlete: AthleteProfile,
    kind: str,
    inputs: dict,
    tested_on: dt.date | None = None,
    notes: str = "",
    created_by=None,
) -> Assessment:
    """Compute the test, store it, and write its thresholds to the metric history. Refused input raises
    ValidationError naming the field; nothing is stored then (one transaction)."""
    assessment_type = ASSESSMENTS.get(kind)
    if assessment_type is None:
        raise ValidationError(
            {"kind": [f"{kind!r} is not a test; use one of {', '.join(AssessmentKind.values)}."]}
        )
    if not isinstance(inputs, dict):
        raise ValidationError({"inputs": ["Inputs must be an object of named values."]})
    allowed = set(assessment_type.inputs().fields) - {"race", "on_date"}
    unknown = sorted(set(inputs) - allowed)
    if unknown:
        raise ValidationError({name: [f"is not an input of the {kind}."] for name in unknown})
    serializer = assessment_type.inputs(data=inputs)
    if not serializer.is_valid():
        raise ValidationError(field_errors(serializer.errors))
    given = {name: value for name, value in serializer.validated_data.items() if value is not None}
    if kind == AssessmentKind.CSS_TEST:
        given = {"d1_m": 200.0, "d2_m": 400.0, **given}
    try:
        outputs = assessment_type.run(dict(given))
    except InvalidInput as error:
        raise ValidationError({error.field: [error.message]}) from None
    tested_on = tested_on or timezone.localdate(timezone=athlete.tzinfo)
    assessment = Assessment.objects.create(
        athlete=athlete,
        kind=kind,
        tested_on=tested_on,
        inputs=given,
        outputs=outputs,
        notes=notes or "",
        created_by=created_by,
    )
    own_entry = created_by is not None and created_by.pk == athlete.user_id and has_active_coach(athlete)
    for metric_type, output in assessment_type.metrics.items():
        if outputs.get(output) is None:
            continue
        try:
            metric_entry_create(
                athlete=athlete,
                metric_type=metric_type,
                value=outputs[output],
                recorded_on=tested_on,
                source=Source.ASSESSMENT,
                source_detail=assessment.source_detail,
                needs_review=own_entry,
                created_by=created_by,
            )
        except ValidationError as error:
            raise ValidationError(
                {
                    name if name != "value" else output: problems
                    for name, problems in error.message_dict.items()
                }
            ) from None
    return assessment
