"""Infections found in an area and the area's last close contact: what resets the clock,
raises the level (R6: 管控区 → 封控区) or holds the legacy zones' third condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.core.idcard import is_resident_id
from fangkong.policy.rules import risk_area_new_infection
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.risk_areas.access import require_role
from fangkong.risk_areas.choices import RiskAreaEventKind
from fangkong.risk_areas.events import risk_area_event_record
from fangkong.risk_areas.governance import (
    area_locked,
    area_step,
    level_of,
    reason_checked,
    refuse_if,
    require_designated,
    rules_with_areas,
)
from fangkong.risk_areas.models import AreaInfection, RiskArea
from fangkong.risk_areas.roles import WRITE_ROLES
from fangkong.risk_areas.selectors import area_today, risk_areas_covering

#: A case or report code: letters, digits and ``._:-``; never a person's identifier.
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_MOBILE = re.compile(r"^\+?(86)?1[3-9][0-9]{9}$")


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
    return _infection_write(
        actor=actor,
        area=area,
        reference=reference,
        found_on=found_on,
        reason=reason,
        in_isolated_person=in_isolated_person,
        community_risk_excluded=community_risk_excluded,
    )


def _infection_write(
    *,
    actor: AnyActor,
    area: RiskArea,
    reference: str,
    found_on: date,
    reason: str,
    in_isolated_person: bool = False,
    community_risk_excluded: bool = False,
) -> InfectionRecorded:
    """:func:`area_infection_record` after its role check (steps 1 to 4 without the role)."""
    area = area_locked(area)
    errors: list[dict[str, Any]] = []
    reason = reason_checked(reason, errors)
    reference = _reference(reference, errors)
    today = area_today(area.region)
    if found_on > today:
        errors.append(field_error("found_on", "in_the_future", _("This date is in the future.")))
    refuse_if(_("The infection cannot be recorded."), errors)
    existing = AreaInfection.objects.filter(area=area, reference=reference).first()
    if existing is not None:
        if existing.found_on != found_on:
            raise Conflict(
                _("This reference is already recorded in the area with another date."),
                code="infection_reference_reused",
            )
        return InfectionRecorded(existing, created=False)
    require_designated(area)
    rules = rules_with_areas(area.region, today)
    level_errors: list[dict[str, Any]] = []
    if level_of(rules, area.level, level_errors) is None:
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
        area_step(
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


#: Refusals that skip one area in the case feed rather than fail the case's classification: a
#: level of an earlier edition, an area lifted meanwhile, the case's code already recorded
#: with its first day (the first record stands).
_SKIPPED = ("level_not_in_rules", "risk_area_lifted", "infection_reference_reused")


@transaction.atomic
def area_infections_at_residence(
    *,
    actor: AnyActor,
    region: Region,
    building: str,
    unit: str,
    reference: str,
    found_on: date,
    reason: str,
) -> list[InfectionRecorded]:
    """Record an infection in every open area a residence lies in (the case feed, issue 19
    §8): ``cases`` calls it when a case becomes confirmed or asymptomatic, with the case's
    code as ``reference``.

    1. The areas: :func:`~fangkong.risk_areas.selectors.risk_areas_covering` the residence
       (node ``region``, ``building``, ``unit``), locked in id order.
    2. Each through :func:`area_infection_record`'s steps without its role check: the
       caller's own governed step (classifying a case, a role of its own) is what makes the
       infection known; ``actor`` and ``reason`` go into each area's history and audit row
       with the rule set version. Idempotent by reference: classifying an asymptomatic case
       as confirmed later records nothing new. An area whose level is not in the rules in
       force (``level_not_in_rules``) is skipped, never blocking the case.
    """
    recorded: list[InfectionRecorded] = []
    areas = list(risk_areas_covering(region, building=building, unit=unit).order_by("id"))
    for area in areas:
        try:
            with transaction.atomic():
                recorded.append(
                    _infection_write(
                        actor=actor,
                        area=area,
                        reference=reference,
                        found_on=found_on,
                        reason=reason,
                    )
                )
        except Conflict as refusal:
            if refusal.code not in _SKIPPED:
                raise
    return recorded


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
    area = area_locked(area)
    require_designated(area)
    errors: list[dict[str, Any]] = []
    reason = reason_checked(reason, errors)
    today = area_today(area.region)
    if last_exposure_on > today:
        errors.append(
            field_error("last_exposure_on", "in_the_future", _("This date is in the future."))
        )
    refuse_if(_("The last close contact cannot be recorded."), errors)
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
