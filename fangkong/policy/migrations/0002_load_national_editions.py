"""Load the five shipped national editions (8th, 9th, 20 measures, new 10, 10th) as revision 1.

The files are parsed and validated against ``fangkong.policy.schema`` here, so a bad file
stops the migration instead of landing half-checked data.
"""

from django.db import migrations

from fangkong.policy.loader import editions_load
from fangkong.policy.schema import parameters_dump


def load(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for edition in editions_load():
        if RuleSet.objects.filter(key=edition.key).exists():
            continue
        RuleSet.objects.create(
            key=edition.key,
            revision=1,
            name_zh=edition.name_zh,
            name_en=edition.name_en,
            effective_from=edition.effective_from,
            region=None,
            base_key="",
            parameters=parameters_dump(edition.parameters),
            source_notes=[note.model_dump(mode="json") for note in edition.source_notes],
            reason="Shipped national edition.",
            status="published",
            created_by=None,
        )


def unload(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    keys = [edition.key for edition in editions_load()]
    RuleSet.objects.filter(key__in=keys, revision=1, region__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("policy", "0001_rule_set"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
