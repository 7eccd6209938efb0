"""Door-to-door sampling driven by a sweep (上门采样, issue 21 §2): a visit lists the residents
who cannot go out; a door-to-door sampler binds a tube for each through the lab's own
``tube_bind`` (one person per tube, or one pooled tube for listed members of one household),
so the tube goes through transport and results like any other; the list shows per person
whether sampled, the tube and its result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.community.checks import Errors, refuse_if, require_role
from fangkong.community.choices import HomeboundReason, SweepStatus, VisitState
from fangkong.community.models import DoorSample, Sweep, SweepVisit
from fangkong.community.roles import DOOR_SAMPLING_ROLES, SWEEP_VISIT_ROLES
from fangkong.community.scope import narrowed
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.lab.choices import EntryMethod, PointKind, TubeResult
from fangkong.lab.models import SamplingPoint, ScreeningRound
from fangkong.lab.sampling.codes import sampling_code_issue
from fangkong.lab.sampling.services import MemberInput, TubeBound, TubeInput, tube_bind
from fangkong.people.models import Person
from fangkong.policy.choices import PoolingGroup
from fangkong.regions.subtree import in_subtree


@dataclass(frozen=True)
class DoorListed:
    """The entries listed by one call: ``created`` new, ``existing`` listed before."""

    created: list[DoorSample]
    existing: list[DoorSample]


def door_sampling_request(
    *, actor: AnyActor, visit: SweepVisit, persons: Sequence[UUID], reason: str
) -> DoorListed:
    """List residents of ``visit``'s household for door-to-door sampling.

    1. Role in ``SWEEP_VISIT_ROLES`` (403); the sweep open (409 ``sweep_closed``); the
       household not found empty (409 ``visit_empty``).
    2. ``reason`` one of :class:`HomeboundReason`; ``persons`` at least one, each a member of
       the household (422 naming ``reason`` or ``persons``).
    3. One entry per (sweep, person): a person listed before stays as listed (a retry lists
       nobody twice); an audit row naming the counts.
    """
    require_role(actor, SWEEP_VISIT_ROLES)
    if visit.sweep.status != SweepStatus.OPEN:
        raise Conflict(_("The sweep is closed."), code="sweep_closed")
    if visit.state == VisitState.EMPTY:
        raise Conflict(_("Nobody lives in this household."), code="visit_empty")
    errors: Errors = []
    if reason not in HomeboundReason.values:
        errors.append(field_error("reason", "invalid_choice", _("Not one of the allowed values.")))
    members = {
        person.code: person for person in Person.objects.filter(household_id=visit.household_id)
    }
    named = list(dict.fromkeys(persons))
    if not named:
        errors.append(field_error("persons", "required", _("Name at least one resident.")))
    elif set(named) - set(members):
        errors.append(
            field_error("persons", "not_a_member", _("Someone named is not of this household."))
        )
    refuse_if(errors, _("Nobody was listed for door-to-door sampling."))
    now = timezone.now()
    with transaction.atomic():
        wanted = [members[code].pk for code in named]
        before = set(
            DoorSample.objects.filter(sweep_id=visit.sweep_id, person_id__in=wanted).values_list(
                "person_id", flat=True
            )
        )
        DoorSample.objects.bulk_create(
            [
                DoorSample(
                    sweep_id=visit.sweep_id,
                    visit=visit,
                    person_id=pk,
                    reason=reason,
                    listed_at=now,
                    listed_by=actor.username,
                )
                for pk in wanted
                if pk not in before
            ],
            ignore_conflicts=True,
        )
        rows = list(
            DoorSample.objects.filter(sweep_id=visit.sweep_id, person_id__in=wanted).order_by("id")
        )
        created = [row for row in rows if row.person_id not in before]
        audit_record(
            actor=actor,
            action="door_sampling_request",
            object_type="sweep",
            object_id=visit.sweep.code,
            fields=["door_samples"],
            rule_set=visit.sweep.rule_set,
            extra={
                "household": str(visit.household.code),
                "reason": reason,
                "listed": len(created),
                "already": len(rows) - len(created),
            },
        )
    return DoorListed(created=created, existing=[row for row in rows if row.person_id in before])


def sweep_sampling_list(*, actor: AnyActor, sweep: Sweep) -> QuerySet[DoorSample]:
    """The sweep's door-to-door sampling list the actor may see: entries in their subtree (a
    grid worker: their households), by address, with person and tube loaded."""
    return (
        narrowed(actor, DoorSample.objects.filter(sweep=sweep), "visit__household_id")
        .filter(in_subtree(actor.region_path, field="visit__region__path"))
        .select_related("person", "visit__household", "tube")
        .order_by("visit__household__address_key", "id")
    )


@dataclass(frozen=True)
class DoorProgress:
    listed: int
    sampled: int
    resulted: int


def door_sampling_progress(*, actor: AnyActor, sweep: Sweep) -> DoorProgress:
    """Persons listed, sampled (a tube bound) and resulted (the tube's result in), one query."""
    counts = sweep_sampling_list(actor=actor, sweep=sweep).aggregate(
        listed=Count("id"),
        sampled=Count("id", filter=Q(tube__isnull=False)),
        resulted=Count("id", filter=Q(tube__isnull=False) & ~Q(tube__result=TubeResult.PENDING)),
    )
    return DoorProgress(counts["listed"], counts["sampled"], counts["resulted"])


def door_sample_bind(
    *,
    actor: AnyActor,
    entry: DoorSample,
    screening_round: ScreeningRound,
    point: SamplingPoint,
    barcode: str,
    housemates: Sequence[DoorSample] = (),
) -> TubeBound:
    """Sample one listed person at the door, alone or with listed members of their household
    in one pooled tube (居家/上门: one tube per household), bound through ``lab.tube_bind``.

    1. Role in ``DOOR_SAMPLING_ROLES`` (403); the point a door-to-door team (422
       ``point_not_door``); ``housemates`` entries of the same sweep and household (422
       ``members`` ``household_mixed``); no entry sampled yet (409 ``door_sampled``).
    2. Each person is identified by a sampling code signed for them (the visit identified
       them at the door); the lab's rules then apply as at any point (staff, round covering
       the point, barcode, one screening tube per person and round). Alone: a one-person
       tube (ratio 1). With housemates: a tube of the group ``sealed_household``, so the
       rules in force decide how many people it holds (``tube_full``) and that they share one
       household.
    3. The entries record the tube by a conditional UPDATE (a concurrent bind of any of them
       loses with 409 ``door_sampled`` and nothing is kept); an audit row.
    """
    require_role(actor, DOOR_SAMPLING_ROLES)
    entries = [entry, *(e for e in housemates if e.pk != entry.pk)]
    errors: Errors = []
    if point.kind != PointKind.DOOR_TO_DOOR:
        errors.append(
            field_error("point", "point_not_door", _("Choose a door-to-door sampling team."))
        )
    household = entry.visit.household_id
    if any(e.sweep_id != entry.sweep_id or e.visit.household_id != household for e in entries):
        errors.append(
            field_error(
                "members",
                "household_mixed",
                _("One tube takes the listed residents of one household only."),
            )
        )
    refuse_if(errors, _("The tube was not bound."))
    if any(e.tube_id is not None for e in entries):
        raise Conflict(_("This resident was sampled already."), code="door_sampled")
    members = [
        MemberInput(
            sampling_code=sampling_code_issue(
                person_code=e.person.code, name=e.person.name, masked_id=""
            ),
            method=EntryMethod.SAMPLING_CODE,
        )
        for e in entries
    ]
    pooled = len(entries) > 1
    now = timezone.now()
    with transaction.atomic():
        bound = tube_bind(
            actor=actor,
            screening_round=screening_round,
            point=point,
            data=TubeInput(
                barcode=barcode,
                members=members,
                group=PoolingGroup.SEALED_HOUSEHOLD if pooled else "",
                ratio=None if pooled else 1,
                sampled_at=now,
            ),
        )
        changed = DoorSample.objects.filter(
            pk__in=[e.pk for e in entries], tube__isnull=True
        ).update(tube=bound.tube, sampled_at=now, sampled_by=actor.username)
        if changed != len(entries):
            raise Conflict(_("This resident was sampled already."), code="door_sampled")
        audit_record(
            actor=actor,
            action="door_sample_bind",
            object_type="sweep",
            object_id=entry.sweep.code,
            fields=["tube", "sampled_at"],
            rule_set=bound.tube.rule_set,
            extra={
                "person": str(entry.person.code),
                "housemates": [str(e.person.code) for e in entries[1:]],
                "tube": bound.tube.barcode,
                "point": str(point.code),
            },
        )
    entry.refresh_from_db()
    return bound


def door_housemates(*, actor: AnyActor, entry: DoorSample) -> QuerySet[DoorSample]:
    """The other entries of ``entry``'s household on the same sweep, not sampled yet, that
    the actor may see: who may share its pooled household tube."""
    return (
        sweep_sampling_list(actor=actor, sweep=entry.sweep)
        .filter(visit__household_id=entry.visit.household_id, tube__isnull=True)
        .exclude(pk=entry.pk)
    )
