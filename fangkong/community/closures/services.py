"""Restricted compounds (issue 21 §3): a risk area (or a local decision) puts a compound,
building or stairwell under closure (封控) or control (管控) with the measures the rule set
gives its level; lifting follows the area's clock; the gate log where the measures ask for
it. Every restriction is a governed change: reason, actor, rule set version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.community.checks import Errors, clean_text, reason_of, refuse_if, require_role
from fangkong.community.choices import (
    GateDirection,
    PlaceUnit,
    RestrictionEventKind,
    RestrictionStatus,
)
from fangkong.community.events import restriction_event_record
from fangkong.community.models import GateEntry, Restriction
from fangkong.community.roles import GATE_ROLES, RESTRICT_ROLES
from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error, field_refusal
from fangkong.people.models import Household
from fangkong.people.validation import require_in_scope
from fangkong.policy.choices import DesignationUnit
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.risk_areas.choices import RiskAreaStatus
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.selectors import lifting_assess

#: The place a restriction covers for each unit a risk area is drawn over.
AREA_PLACE = {
    DesignationUnit.COMPOUND: PlaceUnit.COMPOUND,
    DesignationUnit.WORKPLACE: PlaceUnit.COMPOUND,
    DesignationUnit.BUILDING: PlaceUnit.BUILDING,
    DesignationUnit.UNIT: PlaceUnit.UNIT,
}


@dataclass(frozen=True)
class Place:
    """What is restricted: a node, and optionally one building or one stairwell of it."""

    region: Region
    place: str = PlaceUnit.COMPOUND
    building: str = ""
    unit: str = ""


def _measures_of(rules: EffectiveRules, level: str) -> tuple[str, bool, bool]:
    """(kind, stay_home, gate_log) of ``level`` under ``rules``; 422 naming ``level`` when
    the rules restrict nobody at it."""
    measures = rules.parameters.community.restrictions.get(level)
    if measures is None:
        raise field_refusal(
            "level_restricts_nobody",
            _("The rules in force (%(rules)s) restrict nobody at this level.")
            % {"rules": rules.label},
            field="level",
        )
    return measures.kind, measures.stay_home, measures.gate_log


def _impose(
    actor: AnyActor,
    where: Place,
    *,
    level: str,
    until: date | None,
    why: str,
    area: RiskArea | None,
) -> Restriction:
    rules = rules_for(where.region, timezone.localdate())
    kind, stay_home, gate_log = _measures_of(rules, level)
    try:
        with transaction.atomic():
            restriction = Restriction.objects.create(
                region=where.region,
                place=where.place,
                building=where.building,
                unit=where.unit,
                kind=kind,
                risk_area=area,
                level=level,
                stay_home=stay_home,
                gate_log=gate_log,
                reason=why,
                rule_set=rules.label,
                imposed_at=timezone.now(),
                imposed_by=actor.username,
                until=until,
            )
            restriction_event_record(
                restriction=restriction,
                kind=RestrictionEventKind.IMPOSED,
                actor=actor,
                reason=why,
                rule_set=rules.label,
                detail={"kind": kind, "level": level, "area": str(area.code) if area else ""},
            )
            audit_record(
                actor=actor,
                action="restriction_impose",
                object_type="restriction",
                object_id=restriction.code,
                fields=["region", "place", "kind", "level", "until"],
                reason=why,
                rule_set=rules.label,
            )
    except IntegrityError as clash:
        raise Conflict(_("This place is restricted already."), code="restriction_exists") from clash
    return restriction


def restriction_from_area(*, actor: AnyActor, area: RiskArea, reason: str | None) -> Restriction:
    """Restrict the place of a designated risk area with its level's measures; ``until`` is
    the earliest lifting day of the area's clock (``risk_areas.selectors.lifting_assess``).

    403 without ``RESTRICT_ROLES``; 404 outside scope; 409 when the area is lifted or the
    place restricted already; 422 naming ``level`` when the rules restrict nobody at it, and
    ``area`` when it is drawn over the rest of a county (not a residential place).
    """
    require_role(actor, RESTRICT_ROLES)
    require_in_scope(actor, area.region)
    why = reason_of(reason)
    if area.status != RiskAreaStatus.DESIGNATED:
        raise Conflict(_("The risk area is lifted."), code="area_lifted")
    place = AREA_PLACE.get(DesignationUnit(area.unit)) if area.unit in AREA_PLACE else None
    if place is None:
        raise field_refusal(
            "area_not_residential",
            _("Only a compound, building or stairwell is restricted this way."),
            field="area",
        )
    return _impose(
        actor,
        Place(area.region, place, area.building, area.stairwell),
        level=area.level,
        until=lifting_assess(area).next_possible_on,
        why=why,
        area=area,
    )


def restriction_impose(
    *, actor: AnyActor, where: Place, level: str, until: date | None, reason: str | None
) -> Restriction:
    """A local decision (no risk area): restrict ``where`` with the measures of ``level`` until
    ``until`` (required, today or later: 422 naming ``until``). Checks as
    :func:`restriction_from_area`; a building needs ``building``, a stairwell both."""
    require_role(actor, RESTRICT_ROLES)
    require_in_scope(actor, where.region)
    why = reason_of(reason)
    errors: Errors = []
    if where.place not in PlaceUnit.values:
        errors.append(field_error("place", "invalid_choice", _("Not one of the allowed values.")))
    if where.place in (PlaceUnit.BUILDING, PlaceUnit.UNIT) and not where.building.strip():
        errors.append(field_error("building", "required", _("This field is required.")))
    if where.place == PlaceUnit.UNIT and not where.unit.strip():
        errors.append(field_error("unit", "required", _("This field is required.")))
    if until is None or until < timezone.localdate():
        errors.append(field_error("until", "invalid", _("Give a day from today on.")))
    refuse_if(errors, _("Nothing was restricted."))
    return _impose(actor, where, level=level, until=until, why=why, area=None)


def restriction_lift(
    *, actor: AnyActor, restriction: Restriction, reason: str | None
) -> Restriction:
    """Lift a restriction. One that follows a risk area lifts only when the area is lifted
    (409 ``area_still_designated``: lifting follows the area's clock)."""
    require_role(actor, RESTRICT_ROLES)
    why = reason_of(reason)
    area = restriction.risk_area
    if area is not None:
        area.refresh_from_db(fields=["status"])
        if area.status == RiskAreaStatus.DESIGNATED:
            raise Conflict(
                _("The risk area is still designated; lifting follows its clock."),
                code="area_still_designated",
            )
    return _lift(actor, restriction, why)


def _lift(actor: AnyActor, restriction: Restriction, why: str) -> Restriction:
    rules = rules_for(restriction.region, timezone.localdate())
    with transaction.atomic():
        changed = Restriction.objects.filter(
            pk=restriction.pk, status=RestrictionStatus.ACTIVE
        ).update(status=RestrictionStatus.LIFTED, lifted_at=timezone.now())
        if changed != 1:
            raise Conflict(_("The restriction is lifted already."), code="restriction_lifted")
        restriction_event_record(
            restriction=restriction,
            kind=RestrictionEventKind.LIFTED,
            actor=actor,
            reason=why,
            rule_set=rules.label,
        )
        audit_record(
            actor=actor,
            action="restriction_lift",
            object_type="restriction",
            object_id=restriction.code,
            fields=["status"],
            reason=why,
            rule_set=rules.label,
        )
    restriction.refresh_from_db()
    return restriction


def restrictions_follow_areas() -> tuple[int, int]:
    """The periodic step: restrictions whose risk area was lifted are lifted (as the
    product, reason ``risk area lifted``); the others' ``until`` follows the area's clock.
    Returns (lifted, updated)."""
    lifted = updated = 0
    following = Restriction.objects.select_related("risk_area", "risk_area__region", "region")
    for restriction in following.filter(status=RestrictionStatus.ACTIVE, risk_area__isnull=False):
        area = restriction.risk_area
        assert area is not None
        if area.status != RiskAreaStatus.DESIGNATED:
            _lift(SYSTEM, restriction, "risk area lifted")
            lifted += 1
            continue
        until = lifting_assess(area).next_possible_on
        if until != restriction.until:
            updated += Restriction.objects.filter(pk=restriction.pk).update(until=until)
    return lifted, updated


def gate_record(
    *,
    actor: AnyActor,
    restriction: Restriction,
    direction: str,
    purpose: str | None,
    household: Household | None = None,
) -> GateEntry:
    """One passage through the gate: only where the measures ask for the log (409
    ``no_gate_log``) and while the restriction holds (409); direction and purpose (422)."""
    require_role(actor, GATE_ROLES)
    if restriction.status != RestrictionStatus.ACTIVE:
        raise Conflict(_("The restriction is lifted."), code="restriction_lifted")
    if not restriction.gate_log:
        raise Conflict(_("These measures keep no gate log."), code="no_gate_log")
    errors: Errors = []
    if direction not in GateDirection.values:
        errors.append(
            field_error("direction", "invalid_choice", _("Not one of the allowed values."))
        )
    text = clean_text(purpose, field="purpose", max_length=120, errors=errors, required=True)
    refuse_if(errors, _("The passage was not recorded."))
    with transaction.atomic():
        entry = GateEntry.objects.create(
            restriction=restriction,
            direction=direction,
            household=household,
            purpose=text,
            at=timezone.now(),
            recorded_by=actor.username,
        )
        audit_record(
            actor=actor,
            action="gate_record",
            object_type="restriction",
            object_id=restriction.code,
            fields=["gate"],
            extra={"direction": direction},
        )
    return entry
