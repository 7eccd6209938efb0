"""Stored national rule sets gain ``companions`` (R20: more than 10 minutes in one cell within
14 days, no cumulative-stay filter; none under the 10th edition) and ``leads`` (R21: 24 hours
to check a pushed person), as the edition files state them (their source notes are in the
files).
Overrides hold partial parameter sets and are left alone. Idempotent; going back removes the
sections from national rows."""

from __future__ import annotations

from django.db import migrations

_COMPANIONS = {"overlap_minutes": 10, "window_days": 14, "cumulative_stay_hours": None}
_LEADS = {"deadline_hours": 24}
_WITHOUT_COMPANIONS = {"nhc-10"}


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if not isinstance(parameters, dict):
            continue
        changed = False
        if "companions" not in parameters:
            parameters["companions"] = (
                None if row.key in _WITHOUT_COMPANIONS else dict(_COMPANIONS)
            )
            changed = True
        if "leads" not in parameters:
            parameters["leads"] = dict(_LEADS)
            changed = True
        if changed:
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and ("companions" in parameters or "leads" in parameters):
            parameters.pop("companions", None)
            parameters.pop("leads", None)
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0006_tracing_retention"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
