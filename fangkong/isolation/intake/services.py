"""Orders for the confirmed contacts of a case, issued in bulk (issue 20 §2, R4).

A close or secondary contact an epidemiologist confirmed (``tracing.contacts``, a confirmed
``ContactLink``) is a decision that the person is quarantined: the group follows the link's
kind, day 0 is the last exposure. This module turns a case's confirmed contacts that have no
order yet into orders through ``orders.services.orders_issue_each`` and records, for each link,
the order that carries it out (``OrderSource``), so a retried call finds every link ordered
and a person who is a contact of two cases keeps one order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.checks import require_role
from fangkong.isolation.choices import OrderSourceKind, OrderStatus
from fangkong.isolation.intake.selectors import contacts_without_order
from fangkong.isolation.models import IsolationOrder, OrderSource
from fangkong.isolation.orders.services import (
    BULK_MAX,
    DAY0_MAX_AGE,
    OrderWanted,
    orders_issue_each,
)
from fangkong.isolation.roles import INTAKE_ROLES
from fangkong.policy.choices import QuarantineGroup
from fangkong.regions.subtree import region_in_scope
from fangkong.tracing.contacts.choices import ContactKind
from fangkong.tracing.contacts.models import ContactLink

#: The quarantine group of each kind of confirmed contact.
GROUP_OF_KIND: dict[str, str] = {
    ContactKind.CLOSE: QuarantineGroup.CLOSE_CONTACT,
    ContactKind.SECONDARY: QuarantineGroup.SECONDARY_CONTACT,
}


def _contact_day0(link: ContactLink, case: Case) -> date:
    """Day 0 of a contact's quarantine: the last exposure (R4).

    1. The end of the exposure the derivation found (venue co-presence), as a local date.
    2. Otherwise (a household member, exposed until the case was isolated): for a secondary
       contact, the day its close contact was confirmed (and taken away); for a close contact,
       the day the case was opened.
    Never later than today."""
    if link.exposure_end is not None:
        day0 = timezone.localdate(link.exposure_end)
    elif link.via is not None and link.via.decided_at is not None:
        day0 = timezone.localdate(link.via.decided_at)
    else:
        day0 = timezone.localdate(case.opened_at)
    return min(day0, timezone.localdate())


@dataclass
class ContactIntakeReport:
    """What one call did: the orders created, the open orders found (a person who already had
    one), and the links skipped — a person outside the actor's subtree (``out_of_scope``: their
    district issues the order) or a last exposure longer ago than an order may count from
    (``too_old``)."""

    created: list[IsolationOrder] = field(default_factory=list)
    existing: list[IsolationOrder] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def linked(self) -> int:
        return len(self.created) + len(self.existing)


def contact_orders_issue(*, actor: AnyActor, case: Case, reason: str | None) -> ContactIntakeReport:
    """Issue an order to each confirmed close or secondary contact of ``case`` that has none.

    1. The role must be in ``INTAKE_ROLES`` (403); the reason is required (422 naming
       ``reason``); ``case`` was accessed by the caller (``cases.access.access_case``).
    2. The case's confirmed close and secondary links without an order (``OrderSource``), at
       most ``BULK_MAX`` a call; a link whose person lies outside the actor's subtree, or whose
       last exposure is older than ``DAY0_MAX_AGE``, is skipped and counted.
    3. Each remaining link's group follows its kind (``GROUP_OF_KIND``), day 0 its last
       exposure (:func:`_contact_day0`); ``orders_issue_each`` issues them with the plan of the
       rules in force at each person's node (a person with an open order of the plan's kind
       keeps it).
    4. Each link is recorded against the order that carries it out (a concurrent call that
       recorded it first wins; nothing is duplicated), and one audit row for the case counts
       what was done — in the same transaction as the orders.
    """
    require_role(actor, INTAKE_ROLES)
    why = reason_checked(reason)
    report = ContactIntakeReport()
    links = list(
        contacts_without_order(actor=actor, case=case).select_related("person__region", "via")[
            :BULK_MAX
        ]
    )
    oldest = timezone.localdate() - DAY0_MAX_AGE
    wanted: list[tuple[ContactLink, OrderWanted]] = []
    for link in links:
        if not region_in_scope(actor, link.person.region):
            report.skipped["out_of_scope"] = report.skipped.get("out_of_scope", 0) + 1
            continue
        day0 = _contact_day0(link, case)
        if day0 < oldest:
            report.skipped["too_old"] = report.skipped.get("too_old", 0) + 1
            continue
        group = GROUP_OF_KIND[link.kind]
        wanted.append((link, OrderWanted(person=link.person, group=group, day0=day0)))
    with transaction.atomic():
        issued = orders_issue_each(
            actor=actor, wanted=[entry for _link, entry in wanted], reason=why
        )
        report.created, report.existing = issued.created, issued.existing
        by_person_group = {(o.person_id, o.group): o for o in issued.orders}
        by_person = {o.person_id: o for o in issued.orders}
        now = timezone.now()
        sources = []
        for link, entry in wanted:
            order = by_person_group.get((entry.person.pk, entry.group)) or by_person.get(
                entry.person.pk
            )
            if order is not None and order.status == OrderStatus.OPEN:
                sources.append(
                    OrderSource(
                        order=order,
                        kind=OrderSourceKind.CONTACT,
                        source=link.code,
                        recorded_at=now,
                    )
                )
        OrderSource.objects.bulk_create(sources, batch_size=1000, ignore_conflicts=True)
        if wanted:
            audit_record(
                actor=actor,
                action="contact_orders_issue",
                object_type="case",
                object_id=case.code,
                fields=["orders"],
                reason=why,
                extra={
                    "created": len(report.created),
                    "existing": len(report.existing),
                    "skipped": report.skipped,
                },
            )
    return report
