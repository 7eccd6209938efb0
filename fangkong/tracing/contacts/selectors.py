"""Reads of contact links, scoped to the actor's subtree by the case's node."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree
from fangkong.tracing.contacts.choices import ContactStatus
from fangkong.tracing.contacts.models import ContactLink

#: At most this many links of one case are listed at once (a page of the contacts tab).
LIST_CAP = 5_000


def contact_scope(actor: AnyActor) -> QuerySet[ContactLink]:
    """Links whose case lies in the actor's subtree (the system: all)."""
    links = ContactLink.objects.all()
    if actor.region_path:
        links = links.filter(in_subtree(actor.region_path, field="region__path"))
    return links


def contact_list(*, actor: AnyActor, case: Case, status: str = "") -> QuerySet[ContactLink]:
    """The links of ``case`` (already accessed), candidates first, then by kind and longest
    overlap; persons, their households and venues loaded (one query)."""
    links = (
        contact_scope(actor)
        .filter(case=case)
        .select_related(
            "person", "person__household", "person__region", "venue", "via__person", "lead_item"
        )
    )
    if status:
        links = links.filter(status=status)
    return links.order_by("status", "kind", "-overlap_seconds", "id")


def contact_counts(*, actor: AnyActor, case: Case) -> dict[str, int]:
    """How many links of ``case`` are in each status."""
    counts = dict.fromkeys(ContactStatus.values, 0)
    rows = contact_scope(actor).filter(case=case).values("status").annotate(n=Count("id"))
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts
