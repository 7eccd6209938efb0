"""What an actor is shown of care requests: the one place for the API and the care page.
A request names its person and carries the text the person or family wrote: every function
here that hands them out writes one access row (purpose: care) naming every person shown;
callers have checked the actor may see the requests (``access_care_request``, ``selectors``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.isolation.choices import CareFiler, CareOutcome, CareStatus
from fangkong.isolation.models import CareRequest
from fangkong.people.presentation import shows_persons
from fangkong.policy.choices import CareCategory

PURPOSE = "care"


@dataclass(frozen=True)
class CareRow:
    code: UUID
    order_code: UUID
    order_issued_by: str
    person_code: UUID
    person_name: str
    category: str
    category_label: str
    filed_by_kind: str
    filed_by_label: str
    filed_by: str
    filed_at: datetime
    text: str
    deadline: datetime
    overdue: bool
    owner: str
    status: str
    status_label: str
    outcome: str
    outcome_label: str
    outcome_note: str
    decided_by: str
    decided_at: datetime | None
    rule_set: str


def _row(request: CareRequest, now: datetime) -> CareRow:
    return CareRow(
        code=request.code,
        order_code=request.order.code,
        order_issued_by=request.order.issued_by,
        person_code=request.person.code,
        person_name=request.person.name,
        category=request.category,
        category_label=str(CareCategory(request.category).label),
        filed_by_kind=request.filed_by_kind,
        filed_by_label=str(CareFiler(request.filed_by_kind).label),
        filed_by=request.filed_by,
        filed_at=request.filed_at,
        text=request.text,
        deadline=request.deadline,
        overdue=request.status == CareStatus.OPEN and request.deadline < now,
        owner=request.owner.username if request.owner else "",
        status=request.status,
        status_label=str(CareStatus(request.status).label),
        outcome=request.outcome,
        outcome_label=str(CareOutcome(request.outcome).label) if request.outcome else "",
        outcome_note=request.outcome_note,
        decided_by=request.decided_by,
        decided_at=request.decided_at,
        rule_set=request.rule_set,
    )


def care_rows(actor: AnyActor, requests: Sequence[CareRequest]) -> list[CareRow]:
    """Rows of a page of requests (order, person and owner loaded by the selector); one
    access row for the persons shown; none for an actor who sees no persons."""
    if not shows_persons(actor):
        return []
    now = timezone.now()
    rows = [_row(request, now) for request in requests]
    if rows:
        access_record(
            actor=actor,
            purpose=PURPOSE,
            action="care_request_list",
            subject_type="person",
            subject_ids=sorted({str(row.person_code) for row in rows}),
        )
    return rows
