"""Stored national rule sets gain ``community`` (issue 21 §1–§4, R26–R28): households per
grid member, the sweep's hours, the request deadlines (emergency exit minutes, planned medical
care hours, the daily-needs cut-off and next-morning delivery), the escalation step and the
measures of a restricted compound per risk level, taken from the shipped edition files.
Overrides hold partial parameter sets and are left alone. Idempotent; going back removes the
section from national rows."""

from __future__ import annotations

from django.db import migrations

from fangkong.policy.loader import editions_load


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    shipped = {
        edition.key: edition.parameters.community.model_dump(mode="json")
        for edition in editions_load()
    }
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        values = shipped.get(row.key)
        if isinstance(parameters, dict) and values is not None and "community" not in parameters:
            parameters["community"] = values
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "community" in parameters:
            del parameters["community"]
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0009_transfers"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
