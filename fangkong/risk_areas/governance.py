"""What every governed change to a risk area shares: the reason and the rules in force
checked, the row locked, the step to another level (or out) with its history row, the
audit row. The services (``risk_areas.services``) call these in their transaction and write
their own audit rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.addresses import parse_address
from fangkong.core.errors import Conflict, ValidationFailed, field_error
from fangkong.lab.zones import zones_changed
from fangkong.people.validation import text_field
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.schema import RiskLevel
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.risk_areas.choices import RiskAreaEventKind, RiskAreaStatus
from fangkong.risk_areas.events import risk_area_event_record
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.selectors import area_today, lifting_assess

MAX_REASON = 500


def reason_checked(reason: str | None, errors: list[dict[str, Any]]) -> str:
    """The reason, trimmed; a missing, too long or unclean one appends an error naming
    ``reason`` to ``errors``."""
    return text_field(reason, field="reason", max_length=MAX_REASON, errors=errors, required=True)


def refuse_if(message: str, errors: list[dict[str, Any]]) -> None:
    """``ValidationFailed`` listing every error collected, if any."""
    if errors:
        raise ValidationFailed(message, errors=errors)


def rules_with_areas(region: Region, on: date) -> EffectiveRules:
    """The rules in force at ``region``; ``Conflict`` (``risk_areas_disabled``) when they
    have no risk areas (10th edition)."""
    rules = rules_for(region, on)
    if not rules.parameters.risk_areas.enabled:
        raise Conflict(
            _("The rules in force (%(rules)s) have no risk areas; none can be designated.")
            % {"rules": rules.label},
            code="risk_areas_disabled",
            detail={"rule_set": rules.label, "parameter": "risk_areas.enabled"},
        )
    return rules


def level_of(
    rules: EffectiveRules, code: str, errors: list[dict[str, Any]], *, field_name: str = "level"
) -> RiskLevel | None:
    """The level ``code`` of ``rules``; ``None`` with an error naming ``field_name`` and the
    codes these rules have when it is not one of them."""
    try:
        return rules.parameters.risk_areas.level(code)
    except KeyError:
        codes = ", ".join(level.code for level in rules.parameters.risk_areas.levels)
        errors.append(
            field_error(
                field_name,
                "level_not_in_rules",
                _("Not a risk level of the rules in force (%(rules)s): use one of %(codes)s.")
                % {"rules": rules.label, "codes": codes},
            )
        )
        return None


def place_part(text: str, *, building: bool) -> str:
    """``3号楼`` → ``3``, ``二单元`` → ``2``: the form households store (``core.addresses``)."""
    raw = text.strip()
    if not raw:
        return ""
    parts = parse_address(raw if building else f"1栋{raw}")
    found = parts.building if building else parts.unit
    if found:
        return found
    return raw.upper().lstrip("0") or raw


def area_locked(area: RiskArea) -> RiskArea:
    """The area's row, locked for this transaction (two writers change it one after the
    other, each seeing the other's change)."""
    return RiskArea.objects.select_for_update().select_related("region").get(pk=area.pk)


def require_designated(area: RiskArea) -> None:
    """``Conflict`` (``risk_area_lifted``) once the area is lifted: designate it anew."""
    if area.status != RiskAreaStatus.DESIGNATED:
        raise Conflict(_("The risk area has been lifted."), code="risk_area_lifted")


def area_step(
    *,
    area: RiskArea,
    actor: AnyActor,
    reason: str,
    rules: EffectiveRules,
    target: str | None,
    today: date,
    kind: str,
    detail: dict[str, Any] | None = None,
) -> RiskArea:
    """Move ``area`` (locked) to ``target`` (``None``: lifted), restarting the clock for the
    new level, with its history row."""
    now = timezone.now()
    before = area.level
    codes = [level.code for level in rules.parameters.risk_areas.levels]
    area.rule_set_key = rules.national_label.split("@")[0]
    area.rule_set_version = rules.label
    fields = ["rule_set_key", "rule_set_version", "updated_at"]
    if target is None:
        area.status = RiskAreaStatus.LIFTED
        area.lifted_at = now
        fields += ["status", "lifted_at"]
    else:
        lower = before in codes and codes.index(target) > codes.index(before)
        area.level = target
        area.stepped_down = lower
        area.level_since = now
        area.clock_from = today
        fields += ["level", "stepped_down", "level_since", "clock_from"]
    area.save(update_fields=fields)
    risk_area_event_record(
        area=area,
        kind=kind,
        actor=actor,
        reason=reason,
        rule_set_version=rules.label,
        at=now,
        level_before=before,
        level_after=target or "",
        detail=detail,
    )
    zones_changed()  # the lab's zone of the grids inside follows the new level
    return area


def lift_step(*, area: RiskArea, actor: AnyActor, reason: str) -> None:
    """Take the lifting step of ``area`` (locked) that its assessment allows today, with its
    history row; ``Conflict`` (``lifting_conditions_unmet``, naming each unmet condition,
    the days clean and the next possible date) when a condition does not hold."""
    today = area_today(area.region)
    assessment = lifting_assess(area, today=today)
    if assessment.unmet:
        raise Conflict(
            _("The lifting conditions do not hold yet: %(unmet)s.")
            % {"unmet": ", ".join(assessment.unmet)},
            code="lifting_conditions_unmet",
            detail={
                "unmet": list(assessment.unmet),
                "days_clean": assessment.days_clean,
                "next_possible_on": (
                    assessment.next_possible_on.isoformat() if assessment.next_possible_on else None
                ),
                "rule_set": assessment.rules_label,
            },
        )
    rules = rules_for(area.region, today)
    detail: dict[str, Any] = {"days_clean": assessment.days_clean}
    if assessment.round is not None and assessment.round_all_negative:
        detail["round"] = assessment.round.round_code
    area_step(
        area=area,
        actor=actor,
        reason=reason,
        rules=rules,
        target=assessment.target,
        today=today,
        kind=RiskAreaEventKind.LIFTED
        if assessment.target is None
        else RiskAreaEventKind.LEVEL_CHANGED,
        detail=detail,
    )
