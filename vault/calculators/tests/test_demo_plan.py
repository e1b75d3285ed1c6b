"""The demo's race plans come from the real calculators, chained like the wizard's steps."""

import pytest
from django.core.management import call_command

from vault.calculators.calculators import WIZARD_STEPS
from vault.calculators.models import CalculatorResult, Race
from vault.web.management.commands.demo import ATHLETES

pytestmark = pytest.mark.django_db


def test_demo_race_plans_are_computed(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", password="demo-password")
    for spec in ATHLETES:
        race = Race.objects.get(name=spec.race_name)
        plan = {r.calculator_type: r for r in CalculatorResult.objects.filter(race=race, is_active=True)}
        assert set(plan) == set(WIZARD_STEPS)
        assert plan["css"].outputs["css_pace_s_per_100m"] == pytest.approx(spec.css_s_per_100m, abs=0.2)
        assert plan["cda"].outputs["cda_m2"] == pytest.approx(spec.cda_m2, abs=0.002)
        assert plan["bike_plan"].inputs["cda_m2"] == plan["cda"].outputs["cda_m2"]
        finish = plan["finish_time"].outputs
        assert finish["bike_s"] == pytest.approx(plan["bike_plan"].outputs["bike_time_s"])
        assert len(plan["fueling"].outputs["schedule"]) == int(finish["total_s"] // 3600) + 1
    before = CalculatorResult.objects.count()
    call_command("demo", password="demo-password")
    assert CalculatorResult.objects.count() == before
