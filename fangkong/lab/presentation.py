"""What an actor is shown of the persons behind tubes, re-test tasks and sampling codes.

One function per entity, used by every interface that shows it. Each applies the role's
masking — the same rule as the people pages (``people.presentation.shows_persons``): roles
that see no persons (an inspector) get positions, counts and states but no person code,
name or outcome — and writes the read-access row for the persons it does show, so an
interface that shows them cannot forget the row. ``tests/test_personal_reads_are_logged.py``
checks every API operation against that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.lab.access import require_role
from fangkong.lab.choices import person_outcome
from fangkong.lab.models import RetestTask, Tube
from fangkong.lab.roles import SAMPLING_ROLES
from fangkong.lab.sampling.codes import SamplingCode
from fangkong.people.presentation import shows_persons


@dataclass(frozen=True)
class MemberCard:
    """One member of a tube: empty ``person``, ``name`` and ``outcome`` for a role that sees
    no persons."""

    position: int
    person: str
    name: str
    outcome: str


def tube_members(
    actor: AnyActor, tube: Tube, *, purpose: str = AccessPurpose.SCREENING
) -> list[MemberCard]:
    """The members of ``tube`` (already accessed) in position order, as the actor may see
    them; logs one ``tube_view`` access row with the person codes shown (one query for the
    members, one insert)."""
    bindings = tube.bindings.order_by("position").values_list(
        "position", "person__code", "person__name", "outcome"
    )
    if not shows_persons(actor):
        return [MemberCard(position, "", "", "") for position, *_hidden in bindings]
    cards = [
        MemberCard(position, str(code), name, person_outcome(outcome, tube.result))
        for position, code, name, outcome in bindings
    ]
    access_record(
        actor=actor,
        purpose=purpose,
        action="tube_view",
        subject_type="person",
        subject_ids=[card.person for card in cards],
    )
    return cards


@dataclass(frozen=True)
class RetestCard:
    """A re-test task: empty ``person`` and ``outcome`` for a role that sees no persons."""

    code: str
    person: str
    region_code: str
    reason: str
    status: str
    source_tube: str | None
    outcome: str
    created_at: datetime


def retest_cards(
    actor: AnyActor, tasks: Sequence[RetestTask], *, purpose: str = AccessPurpose.SCREENING
) -> list[RetestCard]:
    """Re-test tasks (from ``retests.retest_tasks_in_scope``) as the actor may see them; logs
    one ``retest_list`` access row with the codes of the persons shown."""
    visible = shows_persons(actor)
    cards = [
        RetestCard(
            code=str(task.code),
            person=str(task.person.code) if visible else "",
            region_code=task.region.code,
            reason=task.reason,
            status=task.status,
            source_tube=task.source_tube.barcode if task.source_tube else None,
            outcome=task.outcome if visible else "",
            created_at=task.created_at,
        )
        for task in tasks
    ]
    if visible:
        access_record(
            actor=actor,
            purpose=purpose,
            action="retest_list",
            subject_type="person",
            subject_ids=list(dict.fromkeys(card.person for card in cards)),
        )
    return cards


@dataclass(frozen=True)
class SamplingCodeCard:
    person: str
    name: str
    masked_id: str
    issued_at: int


def sampling_code_card(
    actor: AnyActor, checked: SamplingCode, *, purpose: str = AccessPurpose.SCREENING
) -> SamplingCodeCard:
    """A verified personal sampling code as a sampler sees it before binding the person.

    Only sampling roles (and the system) may have a code read out: a sampler may bind any
    resident of the city at their point, so the person is not required to be in the
    sampler's node, but every read-out is logged (``sampling_code_check``). Raises
    ``PermissionDenied`` for other roles.
    """
    require_role(actor, SAMPLING_ROLES)
    access_record(
        actor=actor,
        purpose=purpose,
        action="sampling_code_check",
        subject_type="person",
        subject_ids=[checked.person_code],
    )
    return SamplingCodeCard(
        person=str(checked.person_code),
        name=checked.name,
        masked_id=checked.masked_id,
        issued_at=checked.issued_at,
    )
