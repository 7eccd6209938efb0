"""What the receiving district is shown of a pushed person: only what it needs to locate
them — name, masked identity number, phone as the role may see it, address, why they were
pushed, the deadline and the outcome. Never the case, its person or its trajectory. One
access row (purpose investigation) names every person shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.people.presentation import phone_for
from fangkong.tracing.contacts.choices import ContactKind, ContactStatus
from fangkong.tracing.leads.choices import LeadOutcome
from fangkong.tracing.leads.models import LeadItem, LeadList

PURPOSE = "investigation"


@dataclass(frozen=True)
class LeadRow:
    code: UUID
    person_code: UUID
    name: str
    id_masked: str
    phone: str
    address: str
    kind: str
    kind_label: str
    confirmed: bool
    deadline: datetime
    outcome: str
    outcome_label: str
    checked_by: str
    reason: str


def lead_rows(actor: AnyActor, lead_list: LeadList, items: Sequence[LeadItem]) -> list[LeadRow]:
    """The persons of a list (persons, households, documents, links loaded) as rows."""
    rows = []
    for item in items:
        person = item.person
        documents = list(person.documents.all())
        rows.append(
            LeadRow(
                code=item.code,
                person_code=person.code,
                name=person.name,
                id_masked=documents[0].masked if documents else "",
                phone=phone_for(actor, person.phone),
                address=person.household.address if person.household else "",
                kind=item.link.kind,
                kind_label=str(ContactKind(item.link.kind).label),
                confirmed=item.link.status == ContactStatus.CONFIRMED,
                deadline=lead_list.deadline,
                outcome=item.outcome,
                outcome_label=str(LeadOutcome(item.outcome).label),
                checked_by=item.checked_by,
                reason=item.reason,
            )
        )
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action="lead_list_read",
        subject_type="person",
        subject_ids=sorted({str(row.person_code) for row in rows}),
    )
    return rows
