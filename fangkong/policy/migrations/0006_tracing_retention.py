"""Stored national rule sets gain ``tracing`` (issue 19 §3): how many days of venue-code scans
and cell dwell intervals are kept (14 and 14 in every shipped edition; the edition files say
why). Overrides hold partial parameter sets and are left alone. Idempotent; going back
removes the section from national rows."""

from __future__ import annotations

from django.db import migrations

_TRACING = {"scan_retention_days": 14, "dwell_retention_days": 14}


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "tracing" not in parameters:
            parameters["tracing"] = dict(_TRACING)
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "tracing" in parameters:
            del parameters["tracing"]
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0005_investigation_timers"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
