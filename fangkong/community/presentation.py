"""What an actor is shown of households and residents in community work, and the access rows
those reads write: the one place for the API, the pages and the resident's page.

Every function that hands out a person (name, code) or a household (address, code) writes
one access row (purpose: care) naming every subject shown; callers have checked that the
actor may see them (``access_*``, ``selectors``). A role without person rights sees no names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fangkong.community.choices import (
    FindingKind,
    HomeboundReason,
    RequestCategory,
    RequestStatus,
    Urgency,
    VisitState,
)
from fangkong.community.models import (
    CarePlan,
    Coverage,
    DoorSample,
    MedicalExit,
    ResidentRequest,
    SweepFinding,
    SweepVisit,
)
from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.isolation.choices import TransferStatus
from fangkong.isolation.models import TransferTask
from fangkong.isolation.transfers.requesting import transfer_states
from fangkong.people.choices import SpecialNeed
from fangkong.people.models import Household, Person
from fangkong.people.presentation import shows_persons

PURPOSE = "care"


def _log(actor: AnyActor, action: str, subject_type: str, codes: Sequence[UUID]) -> None:
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action=action,
        subject_type=subject_type,
        subject_ids=sorted({str(code) for code in codes}),
    )


@dataclass(frozen=True)
class HouseholdRow:
    code: UUID
    address: str
    building: str
    unit: str
    responsible: str


def household_rows(
    actor: AnyActor, households: Sequence[Household], *, action: str = "household_list"
) -> list[HouseholdRow]:
    """Rows of households with the person answering for each (one query for those)."""
    covering = {
        row.household_id: row.responsible.name
        for row in Coverage.objects.select_related("responsible").filter(household__in=households)
    }
    rows = [
        HouseholdRow(h.code, h.address, h.building, h.unit, covering.get(h.pk, ""))
        for h in households
    ]
    _log(actor, action, "household", [row.code for row in rows])
    return rows


def coverage_rows(actor: AnyActor, coverage: Sequence[Coverage]) -> list[HouseholdRow]:
    """Rows of coverage entries (household and responsible loaded by the selector)."""
    rows = [
        HouseholdRow(
            c.household.code,
            c.household.address,
            c.household.building,
            c.household.unit,
            c.responsible.name,
        )
        for c in coverage
    ]
    _log(actor, "coverage_list", "household", [row.code for row in rows])
    return rows


@dataclass(frozen=True)
class NeedRow:
    person_code: UUID
    name: str
    address: str
    needs: list[str]
    care_plan: str


def need_rows(
    actor: AnyActor, persons: Sequence[Person], plans: dict[int, CarePlan]
) -> list[NeedRow]:
    """Special-needs residents (needs prefetched) with their care plans; names only for
    roles that see persons."""
    named = shows_persons(actor)
    rows = [
        NeedRow(
            person_code=person.code,
            name=person.name if named else "",
            address=person.household.address if person.household else "",
            needs=[str(SpecialNeed(need.kind).label) for need in person.needs.all()],
            care_plan=plans[person.pk].plan if person.pk in plans else "",
        )
        for person in persons
    ]
    _log(actor, "special_needs_list", "person", [row.person_code for row in rows])
    return rows


@dataclass(frozen=True)
class MemberRow:
    code: UUID
    name: str


def member_rows(actor: AnyActor, visit: SweepVisit) -> list[MemberRow]:
    """The registered members of a visit's household, to tick those found present."""
    named = shows_persons(actor)
    rows = [
        MemberRow(person.code, person.name if named else "")
        for person in Person.objects.filter(household_id=visit.household_id).order_by("id")
    ]
    _log(actor, "sweep_visit_members", "person", [row.code for row in rows])
    return rows


@dataclass(frozen=True)
class VisitRow:
    household_code: UUID
    address: str
    grid: str
    state: str
    state_label: str
    residents_counted: int | None
    visited_at: datetime | None


def visit_rows(actor: AnyActor, visits: Sequence[SweepVisit]) -> list[VisitRow]:
    """Visits (household and node loaded) as rows; logs the households shown."""
    rows = [
        VisitRow(
            household_code=v.household.code,
            address=v.household.address,
            grid=v.region.name,
            state=v.state,
            state_label=str(VisitState(v.state).label),
            residents_counted=v.residents_counted,
            visited_at=v.visited_at,
        )
        for v in visits
    ]
    _log(actor, "sweep_visit_list", "household", [row.household_code for row in rows])
    return rows


@dataclass(frozen=True)
class FindingRow:
    person_code: UUID
    name: str
    address: str
    kind: str
    kind_label: str


def finding_rows(actor: AnyActor, findings: Sequence[SweepFinding]) -> list[FindingRow]:
    """People a sweep registered or flagged missing."""
    named = shows_persons(actor)
    rows = [
        FindingRow(
            person_code=f.person.code,
            name=f.person.name if named else "",
            address=f.visit.household.address,
            kind=f.kind,
            kind_label=str(FindingKind(f.kind).label),
        )
        for f in findings
    ]
    _log(actor, "sweep_finding_list", "person", [row.person_code for row in rows])
    return rows


@dataclass(frozen=True)
class DoorRow:
    entry_id: int
    person_code: UUID
    name: str
    address: str
    reason_label: str
    barcode: str
    sampled_at: datetime | None
    result_label: str


def door_rows(actor: AnyActor, entries: Sequence[DoorSample]) -> list[DoorRow]:
    """A sweep's door-to-door sampling list (person, household and tube loaded): who, where,
    why, and the tube with its result once sampled; logs the persons shown."""
    named = shows_persons(actor)
    rows = [
        DoorRow(
            entry_id=e.pk,
            person_code=e.person.code,
            name=e.person.name if named else "",
            address=e.visit.household.address,
            reason_label=str(HomeboundReason(e.reason).label),
            barcode=e.tube.barcode if e.tube else "",
            sampled_at=e.sampled_at,
            result_label=e.tube.get_result_display() if e.tube else "",
        )
        for e in entries
    ]
    _log(actor, "door_sampling_list", "person", [row.person_code for row in rows])
    return rows


@dataclass(frozen=True)
class ExitRow:
    approved: bool
    vehicle_plate: str
    driver: str
    transfer_task: UUID | None
    return_by: datetime | None
    returned_at: datetime | None
    destination: str = ""
    #: The transfer tasks' state labels (``isolation``), "" when none.
    transfer_state: str = ""
    return_task: UUID | None = None
    return_state: str = ""


@dataclass(frozen=True)
class RequestRow:
    code: UUID
    household_code: UUID
    address: str
    category: str
    category_label: str
    urgency: str
    urgency_label: str
    status: str
    status_label: str
    channel: str
    description: str
    owner: str
    filed_at: datetime
    deadline: datetime
    overdue: bool
    escalation: int
    refusal_reason: str
    rule_set: str
    medical_exit: ExitRow | None


def _exit(found: MedicalExit | None, tasks: dict[object, TransferTask]) -> ExitRow | None:
    if found is None:
        return None

    def state(code: UUID | None) -> str:
        task = tasks.get(code)
        return str(TransferStatus(task.status).label) if task is not None else ""

    return ExitRow(
        approved=found.approved_at is not None,
        vehicle_plate=found.vehicle_plate,
        driver=found.driver,
        transfer_task=found.transfer_task,
        return_by=found.return_by,
        returned_at=found.returned_at,
        destination=found.destination,
        transfer_state=state(found.transfer_task),
        return_task=found.return_task,
        return_state=state(found.return_task),
    )


def request_rows(
    actor: AnyActor, requests: Sequence[ResidentRequest], *, now: datetime
) -> list[RequestRow]:
    """Requests (household and owner loaded) as rows, their exits in one query; logs the
    households shown."""
    exits = {e.request_id: e for e in MedicalExit.objects.filter(request__in=requests)}
    tasks = transfer_states(
        [code for e in exits.values() for code in (e.transfer_task, e.return_task) if code]
    )
    rows = [
        RequestRow(
            code=r.code,
            household_code=r.household.code,
            address=r.household.address,
            category=r.category,
            category_label=str(RequestCategory(r.category).label),
            urgency=r.urgency,
            urgency_label=str(Urgency(r.urgency).label),
            status=r.status,
            status_label=str(RequestStatus(r.status).label),
            channel=r.channel,
            description=r.description,
            owner=r.owner.name if r.owner else "",
            filed_at=r.filed_at,
            deadline=r.deadline,
            overdue=r.status in (RequestStatus.FILED, RequestStatus.ACCEPTED) and r.deadline < now,
            escalation=r.escalation,
            refusal_reason=r.refusal_reason,
            rule_set=r.rule_set,
            medical_exit=_exit(exits.get(r.pk), tasks),
        )
        for r in requests
    ]
    _log(actor, "request_list", "household", [row.household_code for row in rows])
    return rows
