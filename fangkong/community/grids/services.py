"""Who answers for each household (issue 21 §1, R26): responsible persons, assigning
households within the rule set's workload, going off duty with every household handed over
at once, and care plans of special-needs residents."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import Membership
from fangkong.community.checks import Errors, clean_text, reason_of, refuse_if, require_role
from fangkong.community.choices import OPEN_STATUSES, GridEventKind, ResponsibleKind
from fangkong.community.events import grid_event_record
from fangkong.community.models import CarePlan, Coverage, ResidentRequest, Responsible
from fangkong.community.roles import CARE_PLAN_ROLES, GRID_MANAGE_ROLES
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, NotFound, field_error, field_refusal
from fangkong.core.roles import Role
from fangkong.people.models import Household, Person, PersonNeed
from fangkong.people.validation import require_in_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import path_in_subtree

#: At most this many households in one assignment.
ASSIGN_MAX = 1_000


def responsible_add(
    *, actor: AnyActor, region: Region, kind: str, name: str, username: str = ""
) -> Responsible:
    """Add a responsible person at grid node ``region``.

    1. Role in ``GRID_MANAGE_ROLES`` (403); ``region`` in scope (404).
    2. A grid worker is a staff user with an active grid-worker membership at ``region``
       (``username``, 422 naming it otherwise); a building head or volunteer is named
       (``name``) and may have no user. The same user is added once per node (409).
    3. Stores the person, a history row and an audit row.
    """
    require_role(actor, GRID_MANAGE_ROLES)
    require_in_scope(actor, region)
    errors: Errors = []
    if kind not in ResponsibleKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    membership = None
    if kind == ResponsibleKind.GRID_WORKER:
        membership = (
            Membership.objects.select_related("user")
            .filter(
                user__username=username,
                region=region,
                role=Role.GRID_WORKER,
                is_active=True,
                user__is_active=True,
            )
            .first()
        )
        if membership is None:
            errors.append(
                field_error(
                    "username",
                    "not_a_grid_worker",
                    _("No active grid worker of this name works at this grid."),
                )
            )
    shown = clean_text(name, field="name", max_length=100, errors=errors, required=not membership)
    refuse_if(errors, _("No responsible person was added."))
    user = membership.user if membership is not None else None
    if user is not None and Responsible.objects.filter(user=user, region=region).exists():
        raise Conflict(_("This grid worker is listed here already."), code="responsible_exists")
    with transaction.atomic():
        responsible = Responsible.objects.create(
            region=region, kind=kind, user=user, name=shown or (user.username if user else "")
        )
        grid_event_record(
            region=region,
            kind=GridEventKind.ADDED,
            actor=actor,
            responsible=responsible,
            detail={"responsible": str(responsible.code), "kind": kind},
        )
        audit_record(
            actor=actor,
            action="responsible_add",
            object_type="responsible",
            object_id=responsible.code,
            fields=["region", "kind", "user", "name"],
        )
    return responsible


def _workload_check(responsible: Responsible, adding: int, *, field: str) -> str:
    """The rule set's label; 422 (``over_workload``, naming ``field``) when ``responsible``
    would cover more households than ``community.households_per_worker_max``."""
    rules = rules_for(responsible.region, timezone.localdate())
    community = rules.parameters.community
    covered = Coverage.objects.filter(responsible=responsible).count()
    if covered + adding > community.households_per_worker_max:
        raise field_refusal(
            "over_workload",
            _("One person covers at most %(count)d households under the rules in force.")
            % {"count": community.households_per_worker_max},
            field=field,
        )
    return rules.label


def households_assign(
    *,
    actor: AnyActor,
    responsible: Responsible,
    households: Sequence[Household],
    reason: str | None,
) -> int:
    """Make ``responsible`` the one person answering for each of ``households`` (moving them
    from whoever had them); returns how many changed hands.

    1. Role in ``GRID_MANAGE_ROLES`` (403); a reason (422); the person on duty (409); every
       household in the actor's scope and under the person's grid node (404 otherwise).
    2. The rule set's workload: at most ``households_per_worker_max`` after the move (422).
    3. One row per household (a household has exactly one responsible person), written in
       bulk with a history row and an audit row.
    """
    require_role(actor, GRID_MANAGE_ROLES)
    why = reason_of(reason)
    if not responsible.on_duty:
        raise Conflict(_("This person is off duty."), code="responsible_off_duty")
    unique = list({household.pk: household for household in households}.values())
    if not unique or len(unique) > ASSIGN_MAX:
        refuse_if(
            [
                field_error(
                    "households",
                    "count",
                    _("Name between 1 and %(count)d households.") % {"count": ASSIGN_MAX},
                )
            ],
            _("No household was assigned."),
        )
    for household in unique:
        require_in_scope(actor, household.region)
        if not path_in_subtree(household.region.path, responsible.region.path):
            raise NotFound(_("No such household."), code="household_not_found")
    already = set(
        Coverage.objects.filter(
            responsible=responsible, household_id__in=[h.pk for h in unique]
        ).values_list("household_id", flat=True)
    )
    moving = [household for household in unique if household.pk not in already]
    rule_set = _workload_check(responsible, len(moving), field="households")
    now = timezone.now()
    with transaction.atomic():
        Coverage.objects.filter(household_id__in=[h.pk for h in moving]).delete()
        Coverage.objects.bulk_create(
            [
                Coverage(
                    household=household,
                    responsible=responsible,
                    region_id=household.region_id,
                    assigned_at=now,
                    assigned_by=actor.username,
                )
                for household in moving
            ]
        )
        grid_event_record(
            region=responsible.region,
            kind=GridEventKind.ASSIGNED,
            actor=actor,
            responsible=responsible,
            reason=why,
            rule_set=rule_set,
            detail={"households": len(moving), "responsible": str(responsible.code)},
        )
        audit_record(
            actor=actor,
            action="households_assign",
            object_type="responsible",
            object_id=responsible.code,
            fields=["coverage"],
            reason=why,
            rule_set=rule_set,
            extra={"households": len(moving)},
        )
    return len(moving)


def responsible_off_duty(
    *, actor: AnyActor, responsible: Responsible, to: Responsible, reason: str | None
) -> int:
    """``responsible`` goes off duty; every household they covered, and their open requests,
    pass to ``to`` at once (two UPDATEs). Returns the households handed over.

    Refused: the same person or ``to`` off duty (409); ``to`` at a node that does not hold
    the households (a node above or equal to the leaving person's, 422 naming ``to``); ``to``
    over the rule set's workload afterwards (422 naming ``to``).
    """
    require_role(actor, GRID_MANAGE_ROLES)
    why = reason_of(reason)
    require_in_scope(actor, responsible.region)
    require_in_scope(actor, to.region)
    if to.pk == responsible.pk or not to.on_duty or not responsible.on_duty:
        raise Conflict(
            _("Hand over from a person on duty to another on duty."), code="handover_invalid"
        )
    if not path_in_subtree(responsible.region.path, to.region.path):
        raise field_refusal(
            "handover_outside_grid",
            _("The new person must work at the same grid (or above it)."),
            field="to",
        )
    moving = Coverage.objects.filter(responsible=responsible).count()
    rule_set = _workload_check(to, moving, field="to")
    with transaction.atomic():
        changed = Responsible.objects.filter(pk=responsible.pk, on_duty=True).update(on_duty=False)
        if changed != 1:
            raise Conflict(_("This person is off duty already."), code="responsible_off_duty")
        handed = Coverage.objects.filter(responsible=responsible).update(
            responsible=to, assigned_at=timezone.now(), assigned_by=actor.username
        )
        requests = ResidentRequest.objects.filter(
            owner=responsible, status__in=OPEN_STATUSES
        ).update(owner=to)
        grid_event_record(
            region=responsible.region,
            kind=GridEventKind.OFF_DUTY,
            actor=actor,
            responsible=responsible,
            reason=why,
            rule_set=rule_set,
            detail={"households": handed, "requests": requests, "to": str(to.code)},
        )
        audit_record(
            actor=actor,
            action="responsible_off_duty",
            object_type="responsible",
            object_id=responsible.code,
            fields=["on_duty", "coverage", "requests.owner"],
            reason=why,
            rule_set=rule_set,
            extra={"households": handed, "requests": requests, "to": str(to.code)},
        )
    responsible.on_duty = False
    return handed


def responsible_on_duty(*, actor: AnyActor, responsible: Responsible, reason: str | None) -> None:
    """Back on duty (covering nobody until households are assigned again)."""
    require_role(actor, GRID_MANAGE_ROLES)
    why = reason_of(reason)
    with transaction.atomic():
        if Responsible.objects.filter(pk=responsible.pk, on_duty=False).update(on_duty=True) != 1:
            raise Conflict(_("This person is on duty already."), code="responsible_on_duty")
        grid_event_record(
            region=responsible.region,
            kind=GridEventKind.ON_DUTY,
            actor=actor,
            responsible=responsible,
            reason=why,
        )
        audit_record(
            actor=actor,
            action="responsible_on_duty",
            object_type="responsible",
            object_id=responsible.code,
            fields=["on_duty"],
            reason=why,
        )
    responsible.on_duty = True


def care_plan_set(*, actor: AnyActor, person: Person, plan: str | None) -> CarePlan:
    """Write (or rewrite) the care plan of a special-needs resident (§4.3).

    The person must be in scope (404) and have a special need registered in ``people``
    (409 ``no_special_need``); the plan is free text under the text policy (422 naming
    ``plan``).
    """
    require_role(actor, CARE_PLAN_ROLES)
    require_in_scope(actor, person.region)
    errors: Errors = []
    text = clean_text(plan, field="plan", max_length=2000, errors=errors, required=True)
    refuse_if(errors, _("No care plan was written."))
    if not PersonNeed.objects.filter(person=person).exists():
        raise Conflict(_("This person has no special need registered."), code="no_special_need")
    with transaction.atomic():
        care, _created = CarePlan.objects.update_or_create(
            person=person,
            defaults={"plan": text, "region_id": person.region_id, "written_by": actor.username},
        )
        grid_event_record(
            region=person.region,
            kind=GridEventKind.CARE_PLAN,
            actor=actor,
            detail={"person": str(person.code)},
        )
        audit_record(
            actor=actor,
            action="care_plan_set",
            object_type="person",
            object_id=person.code,
            fields=["care_plan"],
        )
    return care
