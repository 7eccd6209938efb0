"""Stored national rule sets gain ``isolation_sites`` (issue 20 §1, R23): the staged targets a
reserve site's activation is measured against and the reserve of isolation rooms per 10,000
residents, taken from the shipped edition files (8th, 9th and 20 measures: the Henan practice;
new 10 and 10th: none). Overrides hold partial parameter sets and are left alone. Idempotent;
going back removes the section from national rows."""

from __future__ import annotations

from django.db import migrations

from fangkong.policy.loader import editions_load


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    shipped = {
        edition.key: edition.parameters.isolation_sites.model_dump(mode="json")
        for edition in editions_load()
    }
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        values = shipped.get(row.key)
        if isinstance(parameters, dict) and values is not None and "isolation_sites" not in parameters:
            parameters["isolation_sites"] = values
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        if isinstance(parameters, dict) and "isolation_sites" in parameters:
            del parameters["isolation_sites"]
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0007_companions_leads"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
