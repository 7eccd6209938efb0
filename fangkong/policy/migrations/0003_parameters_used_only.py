"""Stored rule sets follow the schema of issue 17 item 14: every parameter is used by the
code its name describes, or it is gone.

- removed (no feature of the product reads them yet; the app that needs one adds it back):
  ``investigation``, ``positives``, ``pooling.lab_repooling_allowed``,
  ``turnaround.targets.*.goal_hours``, ``screening.stop_after_clean_rounds``,
  ``quarantine.*.min_hours_between_tests``, ``risk_areas.levels[].units`` and
  ``.measures_zh``;
- renamed: ``lift.last_close_contact_min_days`` → ``last_close_contact_more_than_days`` (R6
  says *more than* 14 days; the value stays 14, the comparison became strict);
- added to national rows: ``arrivals.test_within_hours`` (24 from the 9th edition to 二十条,
  null before and from 新十条 on, by effective date).

Overrides hold partial parameter sets: the same keys are dropped or renamed where present.
The transformation is idempotent (a database created after this change loads the new edition
files in 0002 and finds nothing to do here). Going back restores the renamed key only; the
removed values are not recovered.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import migrations

#: Landing tests (落地检) from the 9th edition up to 新十条 ("不再开展落地检").
_LANDING_FROM = date(2022, 6, 28)
_LANDING_UNTIL = date(2022, 12, 7)
_RENAMED = ("last_close_contact_min_days", "last_close_contact_more_than_days")


def _rename_lift(level: dict[str, Any], old: str, new: str) -> bool:
    changed = False
    for key in ("lift", "lift_after_step_down"):
        rule = level.get(key)
        if isinstance(rule, dict) and old in rule:
            rule[new] = rule.pop(old)
            changed = True
    return changed


def parameters_upgrade(
    parameters: dict[str, Any], *, national: bool, effective_from: date
) -> bool:
    """Bring one stored parameter dict to the new shape in place; True when it changed."""
    changed = False
    for key in ("investigation", "positives"):
        if key in parameters:
            del parameters[key]
            changed = True
    pooling = parameters.get("pooling")
    if isinstance(pooling, dict) and "lab_repooling_allowed" in pooling:
        del pooling["lab_repooling_allowed"]
        changed = True
    targets = (parameters.get("turnaround") or {}).get("targets")
    if isinstance(targets, dict):
        for target in targets.values():
            if isinstance(target, dict) and "goal_hours" in target:
                del target["goal_hours"]
                changed = True
    screening = parameters.get("screening")
    if isinstance(screening, dict) and "stop_after_clean_rounds" in screening:
        del screening["stop_after_clean_rounds"]
        changed = True
    quarantine = parameters.get("quarantine")
    if isinstance(quarantine, dict):
        for plan in quarantine.values():
            if isinstance(plan, dict) and "min_hours_between_tests" in plan:
                del plan["min_hours_between_tests"]
                changed = True
    levels = (parameters.get("risk_areas") or {}).get("levels")
    if isinstance(levels, list):
        for level in levels:
            if not isinstance(level, dict):
                continue
            for key in ("units", "measures_zh"):
                if key in level:
                    del level[key]
                    changed = True
            changed = _rename_lift(level, *_RENAMED) or changed
    if national and "arrivals" not in parameters:
        landing = _LANDING_FROM <= effective_from < _LANDING_UNTIL
        parameters["arrivals"] = {"test_within_hours": 24 if landing else None}
        changed = True
    return changed


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.all().iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and parameters_upgrade(
            parameters, national=row.region_id is None, effective_from=row.effective_from
        ):
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.all().iterator():
        parameters = row.parameters
        levels = (parameters.get("risk_areas") or {}).get("levels") or []
        changed = False
        for level in levels:
            changed = _rename_lift(level, *reversed(_RENAMED)) or changed
        if changed:
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0002_load_national_editions"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
