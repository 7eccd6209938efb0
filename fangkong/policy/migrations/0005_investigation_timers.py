"""Stored national rule sets get the investigation timers (R18, issue 19): the ``cases`` app
reads ``investigation.report_hours``, ``core_facts_hours`` and ``full_hours`` when it opens a
case. Migration 0003 removed the section while nothing read it; this one puts it back, by
effective date: "2+4+24" up to 新十条, none from the 10th edition (乙类乙管, 8 Jan 2023) on.

Overrides are partial and are left alone. Idempotent: a row that has the section keeps it.
Going back removes the section from national rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import migrations

#: The 10th edition: no case-by-case investigation, so no timers.
_TENTH = date(2023, 1, 8)


def investigation_for(effective_from: date) -> dict[str, Any]:
    if effective_from >= _TENTH:
        return {"report_hours": None, "core_facts_hours": None, "full_hours": None}
    return {"report_hours": 2, "core_facts_hours": 4, "full_hours": 24}


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "investigation" not in parameters:
            parameters["investigation"] = investigation_for(row.effective_from)
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "investigation" in parameters:
            del parameters["investigation"]
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0004_risk_levels_designation_units"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
