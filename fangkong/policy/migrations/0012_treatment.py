"""Stored national rule sets gain ``positives`` (issue 20 §6, R25: the day count, the N and
ORF1ab Ct thresholds, the number and spacing of release tests, home health monitoring after
discharge; ``null`` in the 10th edition) and ``care`` (issue 20 §7: the answer deadline of each
category of care request), taken from the shipped edition files. Overrides hold partial
parameter sets and are left alone. Idempotent; going back removes both sections from national
rows."""

from __future__ import annotations

from django.db import migrations

from fangkong.policy.loader import editions_load

SECTIONS = ("positives", "care")


def shipped_sections() -> dict[str, dict[str, object]]:
    """``positives`` and ``care`` of each shipped edition, by edition key."""
    return {
        edition.key: edition.parameters.model_dump(mode="json", include=set(SECTIONS))
        for edition in editions_load()
    }


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    shipped = shipped_sections()
    for row in RuleSet.objects.filter(region__isnull=True).iterator():
        parameters = row.parameters
        values = shipped.get(row.key)
        if not isinstance(parameters, dict) or values is None:
            continue
        missing = {key: values[key] for key in SECTIONS if key not in parameters}
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
        ("policy", "0011_supplies"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
