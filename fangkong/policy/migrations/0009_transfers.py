"""Stored national rule sets gain ``monitoring`` (R24: check hours, the missed-check grace, the
fever threshold of 37.3 ℃) and ``transfers`` (the pickup windows of generated transfer tasks,
issue 20 §4, §5), taken from the shipped edition files. Overrides hold partial parameter sets
and are left alone. Idempotent; going back removes the sections from national rows."""

from __future__ import annotations

from django.db import migrations

from fangkong.policy.loader import editions_load

SECTIONS = ("monitoring", "transfers")


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    shipped = {
        edition.key: {
            section: getattr(edition.parameters, section).model_dump(mode="json")
            for section in SECTIONS
        }
        for edition in editions_load()
    }
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        values = shipped.get(row.key)
        if not isinstance(parameters, dict) or values is None:
            continue
        missing = {key: value for key, value in values.items() if key not in parameters}
        if missing:
            parameters.update(missing)
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and any(key in parameters for key in SECTIONS):
            for key in SECTIONS:
                parameters.pop(key, None)
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0008_isolation_sites"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
