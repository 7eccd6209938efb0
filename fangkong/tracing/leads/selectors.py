"""Reads of lead lists: the receiving district's inbox, the persons of one list, and the
persons not checked by their deadline, per district. Every read is scoped to the actor's
subtree by the *receiving* district (the sending side sees outcomes on its contacts tab)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.paging import Page, paginate
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.tracing.leads.choices import LeadOutcome
from fangkong.tracing.leads.models import LeadItem, LeadList


def inbox_scope(actor: AnyActor) -> QuerySet[LeadList]:
    """Lists pushed to a district in the actor's subtree, or to the district the actor's node
    lies in (a grid worker checks the persons of their district's lists)."""
    lists = LeadList.objects.all()
    if actor.region_path:
        district = ".".join(actor.region_path.split(".")[:3])
        lists = lists.filter(
            in_subtree(actor.region_path, field="to_region__path") | Q(to_region__path=district)
        )
    return lists


@dataclass(frozen=True)
class InboxRow:
    code: str
    to_region: str
    from_region: str
    pushed_at: object
    deadline: object
    persons: int
    pending: int
    overdue: bool


def lead_inbox(*, actor: AnyActor, page: int = 1, page_size: int = 50) -> Page[InboxRow]:
    """The lists of the actor's inbox, newest first, with their counts (no personal data)."""
    now = timezone.now()
    lists = (
        inbox_scope(actor)
        .select_related("to_region", "from_region")
        .annotate(
            persons=Count("items"),
            pending=Count("items", filter=Q(items__outcome=LeadOutcome.PENDING)),
        )
        .order_by("-pushed_at", "-id")
    )
    found = paginate(lists, page=page, page_size=page_size)
    return found.with_items(
        [
            InboxRow(
                code=str(row.code),
                to_region=row.to_region.name,
                from_region=row.from_region.name,
                pushed_at=row.pushed_at,
                deadline=row.deadline,
                persons=row.persons,  # type: ignore[attr-defined]
                pending=row.pending,  # type: ignore[attr-defined]
                overdue=row.deadline < now and row.pending > 0,  # type: ignore[attr-defined]
            )
            for row in found.items
        ]
    )


def lead_items(lead_list: LeadList) -> QuerySet[LeadItem]:
    """The persons of one list (already accessed), with their households, documents and
    links loaded."""
    return (
        LeadItem.objects.filter(lead_list=lead_list)
        .select_related("person", "person__household", "link")
        .prefetch_related("person__documents")
        .order_by("id")
    )


@dataclass(frozen=True)
class NotChecked:
    """A receiving district and how many of its pushed persons are still unchecked past the
    deadline, of how many pending in all."""

    region_code: str
    region_name: str
    not_checked: int
    pending: int


def leads_not_checked(*, actor: AnyActor) -> list[NotChecked]:
    """Per receiving district of the actor's subtree, the persons not checked by their
    list's deadline (R21: "not checked after 24 h" with the shipped rule sets), most first.
    One query; one row per district that has pending persons."""
    now = timezone.now()
    items = LeadItem.objects.filter(outcome=LeadOutcome.PENDING)
    if actor.region_path:
        district = ".".join(actor.region_path.split(".")[:3])
        items = items.filter(
            in_subtree(actor.region_path, field="lead_list__to_region__path")
            | Q(lead_list__to_region__path=district)
        )
    rows = (
        items.values("lead_list__to_region")
        .annotate(
            pending=Count("id"),
            not_checked=Count("id", filter=Q(lead_list__deadline__lt=now)),
        )
        .order_by("-not_checked", "lead_list__to_region")
    )
    regions = {
        region.pk: region
        for region in Region.objects.filter(pk__in=[row["lead_list__to_region"] for row in rows])
    }
    return [
        NotChecked(
            region_code=regions[row["lead_list__to_region"]].code,
            region_name=regions[row["lead_list__to_region"]].name,
            not_checked=row["not_checked"],
            pending=row["pending"],
        )
        for row in rows
    ]
