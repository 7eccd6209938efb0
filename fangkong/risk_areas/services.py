"""Every change to a risk area: designate, set the level, lift, record an infection or the
last close contact, and the periodic lifting run.

Each is a governed status change (R5, R6): a write role, a reason, the rule set version in
force at the area's node, an audit row and a history row in the same transaction. Levels,
designation units, lifting clocks and what an infection does come from the rule set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.addresses import parse_address
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, NotFound, ValidationFailed, field_error
from fangkong.core.idcard import is_resident_id
from fangkong.people.validation import require_in_scope, text_field
from fangkong.policy.choices import DesignationUnit
from fangkong.policy.rules import EffectiveRules, risk_area_new_infection
from fangkong.policy.schema import RiskLevel
from fangkong.policy.selectors import rules_for
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.risk_areas.access import require_role
from fangkong.risk_areas.choices import RiskAreaEventKind, RiskAreaStatus
from fangkong.risk_areas.events import risk_area_event_record
from fangkong.risk_areas.models import AreaInfection, RiskArea
from fangkong.risk_areas.roles import WRITE_ROLES
from fangkong.risk_areas.selectors import area_today, lifting_assess

MAX_REASON = 500
#: A case or report code: letters, digits and ``._:-``; never a person's identifier.
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_MOBILE = re.compile(r"^\+?(86)?1[3-9][0-9]{9}$")
#: Units drawn inside a compound (the node stands for the compound, the county for the rest).
_SMALL_UNITS = {
    DesignationUnit.COMPOUND,
    DesignationUnit.BUILDING,
    DesignationUnit.UNIT,
    DesignationUnit.WORKPLACE,
}


def _reason(reason: str | None, errors: list[dict[str, Any]]) -> str:
    return text_field(reason, field="reason", max_length=MAX_REASON, errors=errors, required=True)


def _refuse(message: str, errors: list[dict[str, Any]]) -> None:
    if errors:
        raise ValidationFailed(message, errors=errors)


def _rules_with_areas(region: Region, on: date) -> EffectiveRules:
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


def _level_of(
    rules: EffectiveRules, code: str, errors: list[dict[str, Any]], *, field_name: str = "level"
) -> RiskLevel | None:
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


def _place_part(text: str, *, building: bool) -> str:
    """``3号楼`` → ``3``, ``二单元`` → ``2``: the form households store (``core.addresses``)."""
    raw = text.strip()
    if not raw:
        return ""
    parts = parse_address(raw if building else f"1栋{raw}")
    found = parts.building if building else parts.unit
    if found:
        return found
    return raw.upper().lstrip("0") or raw


def _audit(*, actor: AnyActor, action: str, area: RiskArea, fields: list[str], reason: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="risk_area",
        object_id=area.code,
        fields=fields,
        reason=reason,
        rule_set=area.rule_set_version,
    )


def _locked(area: RiskArea) -> RiskArea:
    """The area's row, locked for this transaction (two writers change it one after the
    other, each seeing the other's change)."""
    return RiskArea.objects.select_for_update().select_related("region").get(pk=area.pk)


def _designated(area: RiskArea) -> None:
    if area.status != RiskAreaStatus.DESIGNATED:
        raise Conflict(_("The risk area has been lifted."), code="risk_area_lifted")


# --- designate ------------------------------------------------------------------------------


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
    rules = _rules_with_areas(region, today)
    errors: list[dict[str, Any]] = []
    reason = _reason(reason, errors)
    name = text_field(name, field="name", max_length=120, errors=errors, required=True)
    spec = _level_of(rules, level, errors)
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
    building = _place_part(building_text, building=True)
    stairwell = _place_part(stairwell_text, building=False)
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
    _refuse(_("The risk area cannot be designated."), errors)
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
    _audit(
        actor=actor,
        action="risk_area_designate",
        area=area,
        fields=["level", "status", "unit", "clock_from"],
        reason=reason,
    )
    return area


# --- level ----------------------------------------------------------------------------------


def _step(
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
    area = _locked(area)
    _designated(area)
    today = area_today(area.region)
    rules = _rules_with_areas(area.region, today)
    errors: list[dict[str, Any]] = []
    reason = _reason(reason, errors)
    spec = _level_of(rules, level, errors)
    _refuse(_("The level cannot be set."), errors)
    assert spec is not None
    if spec.code == area.level:
        raise Conflict(_("The area is already at this level."), code="level_unchanged")
    _step(
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


# --- lift -----------------------------------------------------------------------------------


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
    area = _locked(area)
    _designated(area)
    errors: list[dict[str, Any]] = []
    reason = _reason(reason, errors)
    _refuse(_("The area cannot be lifted."), errors)
    _lift_step(area=area, actor=actor, reason=reason)
    _audit(
        actor=actor, action="risk_area_lift", area=area, fields=["level", "status"], reason=reason
    )
    return area


def _lift_step(*, area: RiskArea, actor: AnyActor, reason: str) -> None:
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
    _step(
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


# --- infections and contacts ----------------------------------------------------------------


def _reference(value: str, errors: list[dict[str, Any]]) -> str:
    text = (value or "").strip()
    if not _REFERENCE.match(text):
        errors.append(
            field_error(
                "reference",
                "reference_invalid",
                _("A case or report code: 1 to 64 letters, digits or . _ : -"),
            )
        )
    elif is_resident_id(text) or _MOBILE.match(text):
        errors.append(
            field_error(
                "reference",
                "reference_personal",
                _("Use the case or report code, never an identity or phone number."),
            )
        )
    return text


@dataclass
class InfectionRecorded:
    """The infection row, whether this call wrote it (``False``: the reference was already
    recorded) and what it did to the area."""

    infection: AreaInfection
    created: bool
    clock_reset: bool = False
    level_before: str = ""
    level_after: str = ""
    events: list[str] = field(default_factory=list)


@transaction.atomic
def area_infection_record(
    *,
    actor: AnyActor,
    area: RiskArea,
    reference: str,
    found_on: date,
    reason: str,
    in_isolated_person: bool = False,
    community_risk_excluded: bool = False,
) -> InfectionRecorded:
    """Record an infection found in a designated area, once per reference.

    1. Write role (403); ``reason`` required; ``reference`` a case or report code, never an
       identity or phone number; ``found_on`` not in the future (``ValidationFailed``).
    2. The same reference again: nothing is written and the first record is returned
       (``created`` false); with another date it is a ``Conflict``
       (``infection_reference_reused``).
    3. A lifted area is a 409 (``risk_area_lifted``: designate it anew).
    4. The rules say what follows (``policy.rules.risk_area_new_infection``): the clock
       resets to ``found_on`` (if later than where it stands) unless, under 新十条, the
       person was already under strict home isolation or a close contact and community
       risk is excluded; a level with ``new_infection_becomes`` turns into that level (R6:
       管控区 → 封控区). A reset area is no longer "stepped down": its level's full clock
       runs again.
    """
    require_role(actor, WRITE_ROLES)
    area = _locked(area)
    errors: list[dict[str, Any]] = []
    reason = _reason(reason, errors)
    reference = _reference(reference, errors)
    today = area_today(area.region)
    if found_on > today:
        errors.append(field_error("found_on", "in_the_future", _("This date is in the future.")))
    _refuse(_("The infection cannot be recorded."), errors)
    existing = AreaInfection.objects.filter(area=area, reference=reference).first()
    if existing is not None:
        if existing.found_on != found_on:
            raise Conflict(
                _("This reference is already recorded in the area with another date."),
                code="infection_reference_reused",
            )
        return InfectionRecorded(existing, created=False)
    _designated(area)
    rules = _rules_with_areas(area.region, today)
    level_errors: list[dict[str, Any]] = []
    if _level_of(rules, area.level, level_errors) is None:
        raise Conflict(
            _("The area's level is not one of the rules in force; set its level first."),
            code="level_not_in_rules",
        )
    new_level, reset = risk_area_new_infection(
        rules,
        area.level,
        in_isolated_person=in_isolated_person,
        community_risk_excluded=community_risk_excluded,
    )
    now = timezone.now()
    infection = AreaInfection.objects.create(
        area=area,
        reference=reference,
        found_on=found_on,
        in_isolated_person=in_isolated_person,
        community_risk_excluded=community_risk_excluded,
        reset_clock=reset,
        recorded_at=now,
        recorded_by=actor.username,
        rule_set_version=rules.label,
    )
    outcome = InfectionRecorded(infection, created=True, level_before=area.level)
    risk_area_event_record(
        area=area,
        kind=RiskAreaEventKind.INFECTION_RECORDED,
        actor=actor,
        reason=reason,
        rule_set_version=rules.label,
        at=now,
        level_before=area.level,
        level_after=area.level,
        detail={"reference": reference, "found_on": found_on.isoformat(), "resets": reset},
    )
    outcome.events.append(RiskAreaEventKind.INFECTION_RECORDED)
    fields = ["updated_at"]
    if area.last_infection_on is None or found_on > area.last_infection_on:
        area.last_infection_on = found_on
        fields.append("last_infection_on")
    if reset:
        area.clock_from = max(area.clock_from, found_on)
        area.stepped_down = False
        area.rule_set_version = rules.label
        fields += ["clock_from", "stepped_down", "rule_set_version"]
        outcome.clock_reset = True
    area.save(update_fields=fields)
    if reset:
        risk_area_event_record(
            area=area,
            kind=RiskAreaEventKind.CLOCK_RESET,
            actor=actor,
            reason=reason,
            rule_set_version=rules.label,
            at=now,
            level_before=area.level,
            level_after=area.level,
            detail={"clock_from": area.clock_from.isoformat()},
        )
        outcome.events.append(RiskAreaEventKind.CLOCK_RESET)
    clock_from = area.clock_from
    if new_level != area.level:
        _step(
            area=area,
            actor=actor,
            reason=reason,
            rules=rules,
            target=new_level,
            today=today,
            kind=RiskAreaEventKind.LEVEL_CHANGED,
            detail={"reference": reference},
        )
        # the new level's clock counts from this infection, as the old one did
        area.clock_from = clock_from
        area.save(update_fields=["clock_from"])
        outcome.events.append(RiskAreaEventKind.LEVEL_CHANGED)
    outcome.level_after = area.level
    audit_record(
        actor=actor,
        action="area_infection_record",
        object_type="risk_area",
        object_id=area.code,
        fields=["infections", *fields[1:]],
        reason=reason,
        rule_set=rules.label,
        extra={"reference": reference},
    )
    return outcome


@transaction.atomic
def risk_area_contacts_record(
    *,
    actor: AnyActor,
    area: RiskArea,
    last_exposure_on: date,
    all_negative: bool,
    reason: str,
) -> RiskArea:
    """Record the last close contact's exposure in the area and whether the close contacts
    tested negative: the legacy zones' third lifting condition (R6, "more than 14 days").

    Write role (403); ``reason`` required and ``last_exposure_on`` not in the future
    (``ValidationFailed``); a lifted area is a 409.
    """
    require_role(actor, WRITE_ROLES)
    area = _locked(area)
    _designated(area)
    errors: list[dict[str, Any]] = []
    reason = _reason(reason, errors)
    today = area_today(area.region)
    if last_exposure_on > today:
        errors.append(
            field_error("last_exposure_on", "in_the_future", _("This date is in the future."))
        )
    _refuse(_("The last close contact cannot be recorded."), errors)
    rules = rules_for(area.region, today)
    area.last_contact_exposure_on = last_exposure_on
    area.last_contact_negative = all_negative
    area.rule_set_version = rules.label
    area.save(
        update_fields=[
            "last_contact_exposure_on",
            "last_contact_negative",
            "rule_set_version",
            "updated_at",
        ]
    )
    risk_area_event_record(
        area=area,
        kind=RiskAreaEventKind.CONTACTS_RECORDED,
        actor=actor,
        reason=reason,
        rule_set_version=rules.label,
        at=timezone.now(),
        level_before=area.level,
        level_after=area.level,
        detail={"last_exposure_on": last_exposure_on.isoformat(), "all_negative": all_negative},
    )
    _audit(
        actor=actor,
        action="risk_area_contacts_record",
        area=area,
        fields=["last_contact_exposure_on", "last_contact_negative"],
        reason=reason,
    )
    return area


# --- the periodic run -----------------------------------------------------------------------


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
                locked = _locked(area)
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
                _lift_step(area=locked, actor=SYSTEM, reason=str(reason))
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
