"""Stored rule sets gain ``risk_areas.levels[].designation_units`` (issue 19 §8): what an area
at each level may be drawn over, read by the risk-area designation.

National rows take the values of their shipped edition; a level of any other row (an
override listing its own levels, a national row of an unknown key) takes them by level code:
the county remainder for the lowest zones, building or unit for high areas from 二十条 on,
compound, building, unit or work place otherwise. Idempotent: a level that has the key keeps
it. Going back removes the key.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

_SMALL_AREAS = ["compound", "building", "unit", "workplace"]
_BY_EDITION: dict[str, dict[str, list[str]]] = {
    "nhc-8": {
        "lockdown": _SMALL_AREAS,
        "controlled": _SMALL_AREAS,
        "prevention": ["county_remainder"],
    },
    "nhc-9": {"high": _SMALL_AREAS, "medium": _SMALL_AREAS, "low": ["county_remainder"]},
    "measures-20": {"high": ["building", "unit"], "low": ["county_remainder"]},
    "measures-new-10": {"high": ["building", "unit"], "low": ["county_remainder"]},
}
_LOWEST = {"prevention", "low"}


def _units(edition: str, code: str) -> list[str]:
    known = _BY_EDITION.get(edition, {}).get(code)
    if known is not None:
        return list(known)
    return ["county_remainder"] if code in _LOWEST else list(_SMALL_AREAS)


def parameters_upgrade(parameters: dict[str, Any], *, edition: str) -> bool:
    """Add the designation units to each level of one stored parameter dict in place; True
    when it changed. ``edition`` is the national key the row is (or is laid over)."""
    levels = (parameters.get("risk_areas") or {}).get("levels")
    changed = False
    if isinstance(levels, list):
        for level in levels:
            if isinstance(level, dict) and "designation_units" not in level:
                level["designation_units"] = _units(edition, str(level.get("code", "")))
                changed = True
    return changed


def upgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.all().iterator():
        parameters = row.parameters
        edition = row.key if row.region_id is None else row.base_key
        if isinstance(parameters, dict) and parameters_upgrade(parameters, edition=edition):
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


def downgrade(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for row in RuleSet.objects.all().iterator():
        parameters = row.parameters
        levels = (parameters.get("risk_areas") or {}).get("levels") or []
        changed = False
        for level in levels:
            if isinstance(level, dict) and level.pop("designation_units", None) is not None:
                changed = True
        if changed:
            RuleSet.objects.filter(pk=row.pk).update(parameters=parameters)


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0003_parameters_used_only"),
    ]

    operations = [
        migrations.RunPython(upgrade, downgrade),
    ]
