"""The periodic lifting run: every designated area whose lifting conditions hold takes
its step, as the system actor."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import NotFound
from fangkong.policy.selectors import rules_for
from fangkong.risk_areas.choices import RiskAreaStatus
from fangkong.risk_areas.governance import area_locked, lift_step
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.selectors import area_today, lifting_assess


def _audit(*, actor: AnyActor, action: str, area: RiskArea, fields: list[str], reason: str) -> None:
    """The service's audit row: the area's code, the fields changed, the reason and the rule
    set version the change was made under."""
    audit_record(
        actor=actor,
        action=action,
        object_type="risk_area",
        object_id=area.code,
        fields=fields,
        reason=reason,
        rule_set=area.rule_set_version,
    )


@dataclass
class LiftingRun:
    """What one run did: areas checked, stepped down, lifted, left for a level to be set
    (designated under rules whose levels no longer hold) and failed (logged, left as they
    were)."""

    checked: int = 0
    stepped_down: int = 0
    lifted: int = 0
    needs_level: int = 0
    failed: list[str] = field(default_factory=list)


def risk_area_lifting_run() -> LiftingRun:
    """As the system actor, take every designated area whose lifting conditions hold one
    step down (or lift it), each in its own transaction with its history and audit rows.

    Higher levels go first, so a low area whose county's last high area lifts in this run
    lifts in the same run. Under rules without risk areas (10th edition) every area is
    lifted. An area whose level is not one of the rules in force is counted in
    ``needs_level`` and left for a person to set. Idempotent: a second run on the same day
    finds nothing due (a step restarts the clock).
    """
    run = LiftingRun()
    areas = list(
        RiskArea.objects.filter(status=RiskAreaStatus.DESIGNATED)
        .select_related("region")
        .order_by("id")
    )

    def rank(area: RiskArea) -> int:
        try:
            rules = rules_for(area.region, area_today(area.region))
        except NotFound:  # a node without rules in force sorts last (and fails below)
            return 99
        codes = [level.code for level in rules.parameters.risk_areas.levels]
        return codes.index(area.level) if area.level in codes else 99

    for area in sorted(areas, key=rank):
        run.checked += 1
        try:
            with transaction.atomic():
                locked = area_locked(area)
                if locked.status != RiskAreaStatus.DESIGNATED:
                    continue
                assessment = lifting_assess(locked)
                if "level_not_in_rules" in assessment.unmet:
                    run.needs_level += 1
                    continue
                if assessment.unmet:
                    continue
                reason = (
                    _("Lifting conditions met under %(rules)s")
                    if assessment.enabled
                    else _("No risk areas under %(rules)s")
                ) % {"rules": assessment.rules_label}
                lift_step(area=locked, actor=SYSTEM, reason=str(reason))
                _audit(
                    actor=SYSTEM,
                    action="risk_area_lift",
                    area=locked,
                    fields=["level", "status"],
                    reason=str(reason),
                )
                if locked.status == RiskAreaStatus.LIFTED:
                    run.lifted += 1
                else:
                    run.stepped_down += 1
        # one area's failure (logged in the outcome) must not stop the others
        except Exception as exc:
            run.failed.append(f"{area.code}: {type(exc).__name__}")
    return run
