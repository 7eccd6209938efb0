"""Door-to-door sweeps (排查, issue 21 §2): opening a sweep over an area with the rule set's
deadline (one visit row per household, so every household is in exactly one state),
recording a visit and reconciling the people found with the registry, closing with the
counts frozen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.community.checks import Errors, clean_text, reason_of, refuse_if, require_role
from fangkong.community.choices import FindingKind, SweepStatus, VisitState
from fangkong.community.models import Sweep, SweepFinding, SweepVisit
from fangkong.community.roles import SWEEP_OPEN_ROLES, SWEEP_VISIT_ROLES
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.people.models import Person
from fangkong.people.selectors import household_scope
from fangkong.people.services.persons import person_create
from fangkong.people.validation import require_in_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

#: Visit rows written per INSERT when a sweep opens.
BATCH = 2_000
#: Which state may follow which on a second visit: a present household is final.
NEXT: dict[str, frozenset[str]] = {
    VisitState.PENDING: frozenset(
        {VisitState.PRESENT, VisitState.AWAY, VisitState.REFUSED, VisitState.EMPTY}
    ),
    VisitState.AWAY: frozenset(
        {VisitState.PRESENT, VisitState.AWAY, VisitState.REFUSED, VisitState.EMPTY}
    ),
    VisitState.REFUSED: frozenset({VisitState.PRESENT, VisitState.REFUSED, VisitState.EMPTY}),
    VisitState.EMPTY: frozenset({VisitState.PRESENT, VisitState.EMPTY}),
    VisitState.PRESENT: frozenset(),
}


def sweep_open(*, actor: AnyActor, region: Region, name: str, reason: str | None) -> Sweep:
    """Open a sweep over every household under ``region``.

    1. Role in ``SWEEP_OPEN_ROLES`` (403); ``region`` in scope (404); name and reason (422).
    2. The deadline is ``community.sweep_hours`` after now under the rules in force there.
    3. One ``pending`` visit row per household of the area, inserted in batches from the
       household ids (the unique (sweep, household) constraint keeps it one state each).
    """
    require_role(actor, SWEEP_OPEN_ROLES)
    require_in_scope(actor, region)
    errors: Errors = []
    title = clean_text(name, field="name", max_length=120, errors=errors, required=True)
    refuse_if(errors, _("No sweep was opened."))
    why = reason_of(reason)
    rules = rules_for(region, timezone.localdate())
    now = timezone.now()
    with transaction.atomic():
        sweep = Sweep.objects.create(
            region=region,
            name=title,
            opened_at=now,
            opened_by=actor.username,
            deadline=now + timedelta(hours=rules.parameters.community.sweep_hours),
            rule_set=rules.label,
            reason=why,
        )
        homes = (
            household_scope(actor)
            .filter(in_subtree(region.path, field="region__path"))
            .values_list("pk", "region_id")
            .order_by("pk")
        )
        batch: list[SweepVisit] = []
        total = 0
        for household_id, region_id in homes.iterator(chunk_size=BATCH):
            batch.append(SweepVisit(sweep=sweep, household_id=household_id, region_id=region_id))
            if len(batch) == BATCH:
                SweepVisit.objects.bulk_create(batch)
                total += len(batch)
                batch = []
        SweepVisit.objects.bulk_create(batch)
        total += len(batch)
        audit_record(
            actor=actor,
            action="sweep_open",
            object_type="sweep",
            object_id=sweep.code,
            fields=["region", "name", "deadline"],
            reason=why,
            rule_set=rules.label,
            extra={"households": total},
        )
    return sweep


@dataclass(frozen=True)
class NewResident:
    """A person found at the door who is not in the registry: registered through ``people``."""

    name: str
    sex: str = "U"
    birth_date: date | None = None


@dataclass(frozen=True)
class VisitReport:
    visit: SweepVisit
    registered: list[Person]
    missing: list[Person]


def visit_record(
    *,
    actor: AnyActor,
    visit: SweepVisit,
    state: str,
    residents_counted: int | None = None,
    present: Sequence[UUID] = (),
    new_residents: Sequence[NewResident] = (),
) -> VisitReport:
    """Record one household's visit and reconcile it with the registry.

    1. Role in ``SWEEP_VISIT_ROLES`` (403); the sweep open (409 ``sweep_closed``); the move
       allowed by :data:`NEXT` (409 ``visit_final``: a present household stays present).
    2. ``present``: a household found present gives ``residents_counted`` (422 naming it), and
       it must equal the registered members named present plus the new residents; a code in
       ``present`` that is not a member of the household is refused (422 naming ``present``).
    3. New residents are registered in the household through ``people.person_create`` (its
       checks and duplicate review apply) and recorded as ``new_resident`` findings;
       registered members not named present are flagged ``missing``.
    4. The state changes by a conditional UPDATE on the state read (a concurrent visit loses
       with 409 ``visit_changed``); an audit row with the counts.
    """
    require_role(actor, SWEEP_VISIT_ROLES)
    sweep = visit.sweep
    if sweep.status != SweepStatus.OPEN:
        raise Conflict(_("The sweep is closed."), code="sweep_closed")
    errors: Errors = []
    if state not in NEXT or state == VisitState.PENDING:
        errors.append(field_error("state", "invalid_choice", _("Not one of the allowed values.")))
    elif state not in NEXT[visit.state]:
        raise Conflict(_("This household was found present already."), code="visit_final")
    members = {
        person.code: person for person in Person.objects.filter(household_id=visit.household_id)
    }
    named = set(present)
    if named - set(members):
        errors.append(
            field_error("present", "not_a_member", _("Someone named is not of this household."))
        )
    if state == VisitState.PRESENT:
        expected = len(named) + len(new_residents)
        if residents_counted is None or residents_counted != expected or expected == 0:
            errors.append(
                field_error(
                    "residents_counted",
                    "count_mismatch",
                    _("Count the residents found: the members present plus the new ones."),
                )
            )
    elif named or new_residents:
        errors.append(
            field_error("present", "not_present", _("Nobody is found in a household not present."))
        )
    refuse_if(errors, _("The visit was not recorded."))
    now = timezone.now()
    registered: list[Person] = []
    missing: list[Person] = []
    with transaction.atomic():
        changed = SweepVisit.objects.filter(pk=visit.pk, state=visit.state).update(
            state=state,
            residents_counted=residents_counted if state == VisitState.PRESENT else None,
            visited_at=now,
            visited_by=actor.username,
        )
        if changed != 1:
            raise Conflict(_("The visit changed meanwhile; reload."), code="visit_changed")
        if state == VisitState.PRESENT:
            for resident in new_residents:
                created = person_create(
                    actor=actor,
                    name=resident.name,
                    household=visit.household,
                    sex=resident.sex,
                    birth_date=resident.birth_date,
                )
                registered.append(created.person)
            missing = [person for code, person in members.items() if code not in named]
            SweepFinding.objects.bulk_create(
                [
                    SweepFinding(
                        visit=visit,
                        person=person,
                        kind=FindingKind.NEW_RESIDENT,
                        at=now,
                        by=actor.username,
                    )
                    for person in registered
                ]
                + [
                    SweepFinding(
                        visit=visit,
                        person=person,
                        kind=FindingKind.MISSING,
                        at=now,
                        by=actor.username,
                    )
                    for person in missing
                ],
                ignore_conflicts=True,
            )
        audit_record(
            actor=actor,
            action="sweep_visit_record",
            object_type="sweep",
            object_id=sweep.code,
            fields=["state", "residents_counted", "findings"],
            rule_set=sweep.rule_set,
            extra={
                "from": visit.state,
                "to": state,
                "registered": len(registered),
                "missing": len(missing),
            },
        )
    visit.refresh_from_db()
    return VisitReport(visit=visit, registered=registered, missing=missing)


def sweep_close(*, actor: AnyActor, sweep: Sweep, reason: str | None) -> Sweep:
    """Close a sweep: its counts per state are frozen in ``totals`` (one GROUP BY), the
    households still pending stay "not visited". 409 when closed already."""
    require_role(actor, SWEEP_OPEN_ROLES)
    why = reason_of(reason)
    with transaction.atomic():
        totals = dict.fromkeys(VisitState.values, 0)
        for row in (
            SweepVisit.objects.filter(sweep=sweep).values("state").annotate(count=Count("id"))
        ):
            totals[row["state"]] = row["count"]
        changed = Sweep.objects.filter(pk=sweep.pk, status=SweepStatus.OPEN).update(
            status=SweepStatus.CLOSED, closed_at=timezone.now(), totals=totals
        )
        if changed != 1:
            raise Conflict(_("The sweep is closed."), code="sweep_closed")
        audit_record(
            actor=actor,
            action="sweep_close",
            object_type="sweep",
            object_id=sweep.code,
            fields=["status", "totals"],
            reason=why,
            rule_set=sweep.rule_set,
            extra=totals,
        )
    sweep.refresh_from_db()
    return sweep
