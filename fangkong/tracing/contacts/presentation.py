"""What an actor is shown of a case's contacts, and the access row the read writes (purpose
investigation, naming the case's person and every contact shown) — for the API and the page
alike. Callers have checked that the actor may see the case (``cases.access.access_case``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist

from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.people.presentation import phone_for
from fangkong.tracing.contacts.choices import ContactKind, ContactSetting, ContactStatus
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.leads.choices import LeadOutcome

PURPOSE = "investigation"


@dataclass(frozen=True)
class ContactRow:
    code: UUID
    person_code: UUID
    person_name: str
    phone: str
    region_name: str
    kind: str
    kind_label: str
    setting: str
    setting_label: str
    venue_name: str
    via_name: str
    exposure_start: datetime | None
    exposure_end: datetime | None
    overlap_minutes: int
    status: str
    status_label: str
    determined_by: str
    rule_set: str
    decided_by: str
    decision_reason: str
    decided_rule_set: str
    lead_outcome_label: str


def _lead_outcome(link: ContactLink) -> str:
    """How the district it was pushed to checked the person ("" when not pushed)."""
    try:
        item = link.lead_item
    except ObjectDoesNotExist:
        return ""
    return str(LeadOutcome(item.outcome).label)


def contact_rows(actor: AnyActor, case: Case, links: Sequence[ContactLink]) -> list[ContactRow]:
    """The links (persons, nodes, venues and ``via`` persons loaded) as rows; one access row
    ``case_contacts_read`` naming the case's person and every person shown (also for an empty
    list: the actor looked at the case's contacts)."""
    rows = [
        ContactRow(
            code=link.code,
            person_code=link.person.code,
            person_name=link.person.name,
            phone=phone_for(actor, link.person.phone),
            region_name=link.person.region.name,
            kind=link.kind,
            kind_label=str(ContactKind(link.kind).label),
            setting=link.setting,
            setting_label=str(ContactSetting(link.setting).label),
            venue_name=link.venue.name if link.venue else "",
            via_name=link.via.person.name if link.via else "",
            exposure_start=link.exposure_start,
            exposure_end=link.exposure_end,
            overlap_minutes=link.overlap_seconds // 60,
            status=link.status,
            status_label=str(ContactStatus(link.status).label),
            determined_by=link.determined_by,
            rule_set=link.rule_set,
            decided_by=link.decided_by,
            decision_reason=link.decision_reason,
            decided_rule_set=link.decided_rule_set,
            lead_outcome_label=_lead_outcome(link),
        )
        for link in links
    ]
    via = [link.via.person.code for link in links if link.via]
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action="case_contacts_read",
        subject_type="person",
        subject_ids=sorted(
            {str(c) for c in (case.person.code, *(r.person_code for r in rows), *via)}
        ),
    )
    return rows
