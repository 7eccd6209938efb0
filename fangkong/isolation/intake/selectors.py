"""Reads for the intake of confirmed contacts, scoped to the actor's subtree through
``tracing.contacts.selectors.contact_scope``."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, QuerySet

from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.isolation.choices import OrderSourceKind
from fangkong.isolation.models import OrderSource
from fangkong.tracing.contacts.choices import ContactKind, ContactStatus
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.selectors import contact_scope

#: The kinds of confirmed contact that are quarantined.
ORDERED_KINDS = (ContactKind.CLOSE, ContactKind.SECONDARY)


def contacts_without_order(*, actor: AnyActor, case: Case) -> QuerySet[ContactLink]:
    """The confirmed close and secondary contacts of ``case`` (already accessed) in the
    actor's scope that no order carries out yet, oldest link first (one query)."""
    ordered = OrderSource.objects.filter(kind=OrderSourceKind.CONTACT, source=OuterRef("code"))
    return (
        contact_scope(actor)
        .filter(case=case, status=ContactStatus.CONFIRMED, kind__in=ORDERED_KINDS)
        .exclude(Exists(ordered))
        .order_by("id")
    )


def cases_awaiting_orders(*, actor: AnyActor, limit: int = 100) -> list[tuple[Case, int]]:
    """Cases in the actor's scope with confirmed close or secondary contacts that no order
    carries out yet, and how many, most waiting first (two queries)."""
    ordered = OrderSource.objects.filter(kind=OrderSourceKind.CONTACT, source=OuterRef("code"))
    waiting = (
        contact_scope(actor)
        .filter(status=ContactStatus.CONFIRMED, kind__in=ORDERED_KINDS)
        .exclude(Exists(ordered))
        .values("case_id")
        .annotate(count=Count("id"))
        .order_by("-count", "case_id")[:limit]
    )
    counts = {row["case_id"]: row["count"] for row in waiting}
    cases = Case.objects.filter(pk__in=counts).select_related("region").in_bulk()
    return [(cases[pk], count) for pk, count in counts.items() if pk in cases]
