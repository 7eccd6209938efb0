"""Reads for the intake, scoped to the actor's subtree: confirmed contacts through
``tracing.contacts.selectors.contact_scope``, registered arrivals through
``intake.arrivals.arrival_scope`` and their persons through ``people.selectors.person_scope``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound, ValidationFailed, field_error
from fangkong.isolation.choices import OrderSourceKind
from fangkong.isolation.intake.arrivals import arrival_scope
from fangkong.isolation.models import IsolationOrder, OrderSource
from fangkong.isolation.orders.services import DAY0_MAX_AGE
from fangkong.lab.models import Arrival
from fangkong.people.access import parse_code
from fangkong.people.selectors import person_scope
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


def arrivals_awaiting_orders(*, actor: AnyActor) -> QuerySet[Arrival]:
    """Arrivals registered in the actor's subtree (``arrivals.arrival_scope``) that no order
    carries out yet and that arrived recently enough for day 0 to count (``DAY0_MAX_AGE``),
    newest first; the caller pages them."""
    ordered = OrderSource.objects.filter(kind=OrderSourceKind.ARRIVAL, source=OuterRef("code"))
    oldest = timezone.localdate() - DAY0_MAX_AGE
    since = datetime.combine(oldest, time.min, tzinfo=timezone.get_current_timezone())
    return (
        arrival_scope(actor)
        .filter(arrived_at__gte=since)
        .exclude(Exists(ordered))
        .order_by("-arrived_at", "-id")
    )


def arrivals_of_persons(
    *, actor: AnyActor, codes: Sequence[str], rows: Sequence[int] | None = None
) -> list[Arrival]:
    """The latest registered arrival of each person named by ``codes`` (person codes, never
    identity numbers), in the order given; a person is looked up among the actor's persons
    (``people.selectors.person_scope``) and their arrival among the actor's arrivals.

    Every bad row is named at once, with ``person`` and its row (``rows[i]``, else the 1-based
    position): an empty code (``required``: then ``ValidationFailed``) and a code that is no
    UUID, names no person in scope — missing and out of scope alike — or a person without an
    arrival registered in scope (``person_not_found``: ``NotFound`` when these are all).
    Two queries."""
    numbers = list(rows) if rows is not None else list(range(1, len(codes) + 1))
    parsed = [parse_code(code) for code in codes]
    persons = dict(
        person_scope(actor)
        .filter(code__in=[code for code in parsed if code is not None])
        .values_list("code", "id")
    )
    latest: dict[int, Arrival] = {}
    for arrival in (
        arrival_scope(actor)
        .filter(person_id__in=list(persons.values()))
        .order_by("person_id", "-arrived_at", "-id")
    ):
        latest.setdefault(arrival.person_id, arrival)
    found: list[Arrival] = []
    errors: list[dict[str, Any]] = []
    message = _("No person with a registered arrival in your jurisdiction has this code.")
    for number, text, code in zip(numbers, codes, parsed, strict=True):
        person_id = persons.get(code) if code is not None else None
        last = latest.get(person_id) if person_id is not None else None
        if not text.strip():
            required = _("A person code is required.")
            errors.append(field_error("person", "required", required, row=number))
        elif last is None:
            errors.append(field_error("person", "person_not_found", message, row=number))
        else:
            found.append(last)
    if any(error["code"] == "required" for error in errors):
        raise ValidationFailed(_("No order was issued."), errors=errors)
    if errors:
        raise NotFound(message, code="person_not_found", detail={"errors": errors})
    return found


def home_isolation_order_of(case: Case) -> IsolationOrder | None:
    """The order a home isolation of ``case`` (already accessed) was recorded against, if the
    case was allowed home isolation before (``OrderSource`` of kind ``case``)."""
    source = (
        OrderSource.objects.filter(kind=OrderSourceKind.CASE, source=case.code)
        .select_related("order")
        .first()
    )
    return source.order if source is not None else None
