"""Stored national rule sets gain ``command`` (issue 22 §3, §6, R31): the minutes a duty
check is answered in and the local hour a day's report is due, taken from the shipped edition
files. Overrides hold partial parameter sets and are left alone. Idempotent; going back
removes the section from national rows."""

from __future__ import annotations

from django.db import migrations

from fangkong.policy.loader import editions_load


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    shipped = {
        edition.key: edition.parameters.command.model_dump(mode="json")
        for edition in editions_load()
    }
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        values = shipped.get(row.key)
        if isinstance(parameters, dict) and values is not None and "command" not in parameters:
            parameters["command"] = values
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "command" in parameters:
            del parameters["command"]
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0012_treatment"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
