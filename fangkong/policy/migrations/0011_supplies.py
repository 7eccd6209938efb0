"""Stored national rule sets gain ``supplies`` (issue 21 §5–6): the weight of vulnerable
residents and the facilities-first rule of the unified allocation, the days-of-cover window
and shortage threshold, the power tiers in order and the restoration deadlines of incidents at
priority sites, taken from the shipped edition files. Overrides hold partial parameter sets and
are left alone. Idempotent; going back removes the section from national rows."""

from __future__ import annotations

from django.db import migrations

from fangkong.policy.loader import editions_load


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    shipped = {
        edition.key: edition.parameters.supplies.model_dump(mode="json")
        for edition in editions_load()
    }
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        values = shipped.get(row.key)
        if isinstance(parameters, dict) and values is not None and "supplies" not in parameters:
            parameters["supplies"] = values
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "supplies" in parameters:
            del parameters["supplies"]
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0010_community"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
