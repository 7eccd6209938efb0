"""Essential services and orderly power use (有序用电; issue 21 §6): priority users with their
tier, shortage plans that cut from the lowest tier up, and outage or supply incidents at
priority sites as alerts with an owner and a deadline from the rule set."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.engine.curtailment import curtailment_plan
from fangkong.people.validation import require_in_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.checks import Errors, clean_text, reason_checked, refuse_if, require_role
from fangkong.supplies.choices import IncidentKind, IncidentStatus, PowerTier, SupplyEventKind
from fangkong.supplies.events import supply_event_record
from fangkong.supplies.models import (
    PriorityUser,
    ServiceIncident,
    ShortagePlan,
    ShortagePlanLine,
)
from fangkong.supplies.power.selectors import priority_user_scope
from fangkong.supplies.roles import INCIDENT_ROLES, SERVICES_WRITE_ROLES

#: The largest demand or deficit one entry may give, in kW (a large city's whole load).
MAX_KW = 100_000_000


def _kw_check(value: int, *, field: str, errors: Errors) -> None:
    if not 0 < value <= MAX_KW:
        errors.append(
            field_error(field, "out_of_range", _("From 1 to %(most)d kW.") % {"most": MAX_KW})
        )


def priority_user_register(
    *, actor: AnyActor, region: Region, name: str, tier: str, demand_kw: int, address: str
) -> PriorityUser:
    """Register a priority user at ``region`` (in the actor's subtree) with its tier and
    demand. Refused naming the field; a history and an audit row."""
    require_role(actor, SERVICES_WRITE_ROLES)
    require_in_scope(actor, region)
    errors: Errors = []
    cleaned = clean_text(name, field="name", max_length=120, errors=errors)
    cleaned_address = clean_text(address, field="address", max_length=255, errors=errors)
    if tier not in PowerTier.values:
        errors.append(field_error("tier", "invalid_choice", _("Not one of the allowed values.")))
    _kw_check(demand_kw, field="demand_kw", errors=errors)
    refuse_if(errors, _("The priority user was not registered."))
    with transaction.atomic():
        user = PriorityUser.objects.create(
            name=cleaned,
            region=region,
            tier=tier,
            demand_kw=demand_kw,
            address=cleaned_address,
            registered_by=actor.username,
            registered_at=timezone.now(),
        )
        supply_event_record(
            object_type="priority_user",
            code=user.code,
            region=region,
            kind=SupplyEventKind.REGISTERED,
            actor=actor,
            detail={"tier": tier, "demand_kw": demand_kw},
        )
        audit_record(
            actor=actor,
            action="priority_user_register",
            object_type="priority_user",
            object_id=user.code,
            fields=["name", "region", "tier", "demand_kw", "address"],
        )
    return user


def shortage_plan_make(
    *, actor: AnyActor, district: Region, deficit_kw: int, reason: str
) -> ShortagePlan:
    """A curtailment plan for ``district``'s deficit over the priority users registered in
    it (its subtree).

    1. The tiers' order comes from the rules in force there today (``supplies.power_tiers``:
       the first keeps power longest).
    2. ``engine.curtailment.curtailment_plan`` cuts from the lowest tier up, a whole tier
       before the next; within the last tier touched every user gives up the same fraction.
    3. The plan and one line per user (its cut; 0: keeps power whole) are stored with the
       rule set's label, the deficit left uncovered, a history and an audit row.
    """
    require_role(actor, SERVICES_WRITE_ROLES)
    require_in_scope(actor, district)
    errors: Errors = []
    _kw_check(deficit_kw, field="deficit_kw", errors=errors)
    why = clean_text(reason, field="reason", max_length=255, errors=errors)
    refuse_if(errors, _("No plan was made."))
    rules = rules_for(district, timezone.localdate())
    order: dict[str, int] = {
        tier: rank for rank, tier in enumerate(rules.parameters.supplies.power_tiers)
    }
    users = list(
        priority_user_scope(actor)
        .filter(in_subtree(district.path, field="region__path"))
        .order_by("id")
    )
    result = curtailment_plan(
        district=np.zeros(len(users), dtype=np.int64),
        rank=np.array([order[u.tier] for u in users], dtype=np.int64),
        demand=np.array([u.demand_kw for u in users], dtype=np.int64),
        deficit=np.array([deficit_kw], dtype=np.int64),
    )
    with transaction.atomic():
        plan = ShortagePlan.objects.create(
            region=district,
            deficit_kw=deficit_kw,
            uncovered_kw=int(result.uncovered[0]),
            rule_set=rules.label,
            reason=why,
            made_by=actor.username,
            made_at=timezone.now(),
        )
        ShortagePlanLine.objects.bulk_create(
            ShortagePlanLine(
                plan=plan, user=user, tier=user.tier, demand_kw=user.demand_kw, cut_kw=int(cut)
            )
            for user, cut in zip(users, result.cut, strict=True)
        )
        supply_event_record(
            object_type="shortage_plan",
            code=plan.code,
            region=district,
            kind=SupplyEventKind.PLANNED,
            actor=actor,
            reason=why,
            rule_set=rules.label,
            detail={"deficit_kw": deficit_kw, "uncovered_kw": plan.uncovered_kw},
        )
        audit_record(
            actor=actor,
            action="shortage_plan_make",
            object_type="shortage_plan",
            object_id=plan.code,
            fields=["deficit_kw"],
            reason=why,
            rule_set=rules.label,
        )
    return plan


def incident_report(
    *, actor: AnyActor, user: PriorityUser, kind: str, note: str, owner: str = ""
) -> ServiceIncident:
    """An outage or supply incident at ``user``: an alert with an owner (the reporter unless
    named) and a deadline from the rules in force there (``supplies.incident_deadlines``
    by tier; a power outage at a ``supplies.critical_power_tiers`` site is critical and due
    in ``supplies.critical_power_minutes``)."""
    require_role(actor, INCIDENT_ROLES)
    errors: Errors = []
    if kind not in IncidentKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    cleaned = clean_text(note, field="note", max_length=255, errors=errors)
    who = clean_text(owner, field="owner", max_length=150, errors=errors, required=False)
    refuse_if(errors, _("The incident was not reported."))
    now = timezone.now()
    rules = rules_for(user.region, timezone.localdate(now))
    settings = rules.parameters.supplies
    critical = kind == IncidentKind.POWER and user.tier in settings.critical_power_tiers
    by_tier: dict[str, int] = {
        deadline.tier: deadline.minutes for deadline in settings.incident_deadlines
    }
    minutes = settings.critical_power_minutes if critical else by_tier[user.tier]
    with transaction.atomic():
        incident = ServiceIncident.objects.create(
            user=user,
            kind=kind,
            critical=critical,
            owner=who or actor.username,
            reported_at=now,
            due_at=now + timedelta(minutes=minutes),
            note=cleaned,
            rule_set=rules.label,
        )
        supply_event_record(
            object_type="incident",
            code=incident.code,
            region=user.region,
            kind=SupplyEventKind.REPORTED,
            actor=actor,
            rule_set=rules.label,
            detail={"kind": kind, "critical": critical, "minutes": minutes},
        )
        audit_record(
            actor=actor,
            action="incident_report",
            object_type="incident",
            object_id=incident.code,
            fields=["kind", "owner", "note"],
            rule_set=rules.label,
        )
    return incident


def incident_resolve(*, actor: AnyActor, incident: ServiceIncident, reason: str) -> ServiceIncident:
    """Close an open incident with what was done (a reason); a second close is refused."""
    require_role(actor, INCIDENT_ROLES)
    why = reason_checked(reason)
    with transaction.atomic():
        changed = ServiceIncident.objects.filter(pk=incident.pk, status=IncidentStatus.OPEN).update(
            status=IncidentStatus.RESOLVED, resolved_at=timezone.now()
        )
        if changed != 1:
            raise Conflict(_("This incident is closed already."), code="incident_closed")
        supply_event_record(
            object_type="incident",
            code=incident.code,
            region=incident.user.region,
            kind=SupplyEventKind.RESOLVED,
            actor=actor,
            reason=why,
        )
        audit_record(
            actor=actor,
            action="incident_resolve",
            object_type="incident",
            object_id=incident.code,
            fields=["status"],
            reason=why,
        )
    incident.refresh_from_db()
    return incident
