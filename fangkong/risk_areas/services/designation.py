"""Designate an area, set its level, take its lifting step (R5, R6).

Each is a governed status change: a write role, a reason, the rule set version in force at
the area's node, an audit row and a history row in the same transaction. Levels,
designation units and lifting conditions come from the rule set.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.lab.zones import zones_changed
from fangkong.people.validation import require_in_scope, text_field
from fangkong.policy.choices import DesignationUnit
from fangkong.policy.schema import RiskLevel
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.risk_areas.access import require_role
from fangkong.risk_areas.choices import RiskAreaEventKind, RiskAreaStatus
from fangkong.risk_areas.events import risk_area_event_record
from fangkong.risk_areas.governance import (
    area_locked,
    area_step,
    level_of,
    lift_step,
    place_part,
    reason_checked,
    refuse_if,
    require_designated,
    rules_with_areas,
)
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.roles import WRITE_ROLES
from fangkong.risk_areas.selectors import area_today

#: Units drawn inside a compound (the node stands for the compound, the county for the rest).
_SMALL_UNITS = {
    DesignationUnit.COMPOUND,
    DesignationUnit.BUILDING,
    DesignationUnit.UNIT,
    DesignationUnit.WORKPLACE,
}


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


@transaction.atomic
def risk_area_designate(
    *,
    actor: AnyActor,
    region: Region,
    unit: str,
    name: str,
    level: str,
    reason: str,
    building: str = "",
    stairwell: str = "",
    last_infection_on: date | None = None,
) -> RiskArea:
    """Designate a risk area at ``level`` over a compound, building, stairwell unit or work
    place at ``region`` (or the rest of a county, at a county node).

    1. A write role (403) and a node in the actor's subtree (404 like a missing node).
    2. The rules in force at the node must have risk areas (``risk_areas_disabled``, 409).
    3. Fields: ``reason`` and ``name`` required; ``level`` one of the rules' levels; ``unit``
       one the level may be drawn over (``unit_not_allowed``: 二十条 high areas by building or
       unit only); a building for a building or unit and a stairwell for a unit; the rest of
       a county at a county node, anything smaller at a community or grid
       (``region_level``); ``last_infection_on`` not in the future. All errors at once
       (``ValidationFailed``).
    4. One open area per place (``risk_area_exists``, 409).
    5. The clock starts at the last infection (when given) or today; history row and audit
       row carry the reason and the rule set version.
    """
    require_role(actor, WRITE_ROLES)
    require_in_scope(actor, region)
    today = area_today(region)
    rules = rules_with_areas(region, today)
    errors: list[dict[str, Any]] = []
    reason = reason_checked(reason, errors)
    name = text_field(name, field="name", max_length=120, errors=errors, required=True)
    spec: RiskLevel | None = level_of(rules, level, errors)
    if unit not in DesignationUnit.values:
        errors.append(field_error("unit", "invalid_choice", _("Unknown designation unit.")))
    elif spec is not None and unit not in spec.designation_units:
        errors.append(
            field_error(
                "unit",
                "unit_not_allowed",
                _("Under %(rules)s a %(level)s area is drawn over: %(units)s.")
                % {
                    "rules": rules.label,
                    "level": spec.name_en,
                    "units": ", ".join(
                        str(DesignationUnit(code).label) for code in spec.designation_units
                    ),
                },
            )
        )
    building_text = text_field(building, field="building", max_length=20, errors=errors)
    stairwell_text = text_field(stairwell, field="stairwell", max_length=20, errors=errors)
    building = place_part(building_text, building=True)
    stairwell = place_part(stairwell_text, building=False)
    if unit in (DesignationUnit.BUILDING, DesignationUnit.UNIT) and not building:
        errors.append(field_error("building", "required", _("Name the building.")))
    if unit == DesignationUnit.UNIT and not stairwell:
        errors.append(field_error("stairwell", "required", _("Name the stairwell unit.")))
    if unit not in (DesignationUnit.BUILDING, DesignationUnit.UNIT):
        building = ""
    if unit != DesignationUnit.UNIT:
        stairwell = ""
    if unit == DesignationUnit.COUNTY_REMAINDER and region.level != RegionLevel.COUNTY:
        errors.append(
            field_error(
                "region_code", "region_level", _("The rest of a county is drawn at its county.")
            )
        )
    if unit in _SMALL_UNITS and region.level < RegionLevel.COMMUNITY:
        errors.append(
            field_error(
                "region_code",
                "region_level",
                _("A compound, building, unit or work place is drawn at a community or grid."),
            )
        )
    if last_infection_on is not None and last_infection_on > today:
        errors.append(
            field_error("last_infection_on", "in_the_future", _("This date is in the future."))
        )
    refuse_if(_("The risk area cannot be designated."), errors)
    assert spec is not None
    open_here = RiskArea.objects.filter(
        region=region,
        unit=unit,
        building=building,
        stairwell=stairwell,
        status=RiskAreaStatus.DESIGNATED,
    ).exists()
    if open_here:
        raise Conflict(
            _("This place is already a designated risk area; change its level instead."),
            code="risk_area_exists",
        )
    now = timezone.now()
    area = RiskArea.objects.create(
        region=region,
        unit=unit,
        building=building,
        stairwell=stairwell,
        name=name,
        level=spec.code,
        designated_at=now,
        level_since=now,
        clock_from=last_infection_on or today,
        last_infection_on=last_infection_on,
        rule_set_key=rules.national_label.split("@")[0],
        rule_set_version=rules.label,
        designated_by=actor.username,
    )
    risk_area_event_record(
        area=area,
        kind=RiskAreaEventKind.DESIGNATED,
        actor=actor,
        reason=reason,
        rule_set_version=rules.label,
        at=now,
        level_after=spec.code,
        detail={"clock_from": area.clock_from.isoformat()},
    )
    zones_changed()  # the lab's zone of the grids inside follows the new area
    _audit(
        actor=actor,
        action="risk_area_designate",
        area=area,
        fields=["level", "status", "unit", "clock_from"],
        reason=reason,
    )
    return area


@transaction.atomic
def risk_area_level_set(*, actor: AnyActor, area: RiskArea, level: str, reason: str) -> RiskArea:
    """Raise or lower a designated area to ``level`` of the rules in force (also to bring an
    area designated under an earlier edition onto this one's levels).

    Write role (403); rules with risk areas (409 ``risk_areas_disabled``); ``reason``
    required and ``level`` one of the rules' levels (``ValidationFailed``); a lifted area
    (``risk_area_lifted``) or the same level (``level_unchanged``) is a 409. The clock
    restarts for the new level; stepping down marks the area as stepped down.
    """
    require_role(actor, WRITE_ROLES)
    area = area_locked(area)
    require_designated(area)
    today = area_today(area.region)
    rules = rules_with_areas(area.region, today)
    errors: list[dict[str, Any]] = []
    reason = reason_checked(reason, errors)
    spec = level_of(rules, level, errors)
    refuse_if(_("The level cannot be set."), errors)
    assert spec is not None
    if spec.code == area.level:
        raise Conflict(_("The area is already at this level."), code="level_unchanged")
    area_step(
        area=area,
        actor=actor,
        reason=reason,
        rules=rules,
        target=spec.code,
        today=today,
        kind=RiskAreaEventKind.LEVEL_CHANGED,
    )
    _audit(
        actor=actor,
        action="risk_area_level_set",
        area=area,
        fields=["level", "clock_from"],
        reason=reason,
    )
    return area


@transaction.atomic
def risk_area_lift(*, actor: AnyActor, area: RiskArea, reason: str) -> RiskArea:
    """Take the lifting step the rules allow today: down to the rule's next level (9th
    edition high → medium → low) or back to routine control.

    Write role (403); ``reason`` required (``ValidationFailed``); a lifted area is a 409.
    Refused (``lifting_conditions_unmet``, 409, ``detail.unmet`` naming each condition)
    unless every condition of the rule holds: the days without new infection, the
    all-negative round over the area, the last close contact (legacy zones, more than N
    days) and no higher level left in the county (see ``selectors.lifting_assess``). Under
    rules without risk areas the area is lifted outright.
    """
    require_role(actor, WRITE_ROLES)
    area = area_locked(area)
    require_designated(area)
    errors: list[dict[str, Any]] = []
    reason = reason_checked(reason, errors)
    refuse_if(_("The area cannot be lifted."), errors)
    lift_step(area=area, actor=actor, reason=reason)
    _audit(
        actor=actor, action="risk_area_lift", area=area, fields=["level", "status"], reason=reason
    )
    return area
