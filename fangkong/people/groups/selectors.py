"""Reads of groups of people, always inside the actor's subtree.

A group is in scope when its node is; its members are shown only where they are in scope
too (a team at a workplace may have members living in another district, whom the workplace's
district does not see).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate
from fangkong.people.models import GroupMember, Person, PersonGroup
from fangkong.people.selectors import person_list_relations, person_scope
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

MAX_QUERY_LENGTH = 100
#: A group's detail shows at most this many members (the rest are counted).
MAX_MEMBERS_SHOWN = 200


def group_scope(actor: AnyActor) -> QuerySet[PersonGroup]:
    """Groups whose node lies in the actor's subtree (every group for the system actor)."""
    queryset = PersonGroup.objects.all()
    if actor.region_path:
        nodes = Region.objects.filter(in_subtree(actor.region_path)).values_list("id", flat=True)
        queryset = queryset.filter(region_id__in=nodes)
    return queryset


def group_list(
    *,
    actor: AnyActor,
    kind: str = "",
    region: str = "",
    q: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page[PersonGroup]:
    """Groups in the actor's subtree with their member counts (``member_count``), newest
    last; ``kind`` narrows to one kind, ``region`` to a node's subtree (a code), ``q`` to
    names containing it. No person is shown, so nothing is logged."""
    queryset = group_scope(actor).select_related("region")
    if kind:
        queryset = queryset.filter(kind=kind)
    if region:
        node = Region.objects.filter(code=region).values_list("path", flat=True).first()
        if node is None:
            return paginate(queryset.none(), page=page, page_size=page_size)
        queryset = queryset.filter(in_subtree(node, field="region__path"))
    if q:
        queryset = queryset.filter(name__icontains=q[:MAX_QUERY_LENGTH])
    queryset = queryset.annotate(member_count=Count("memberships")).order_by("id")
    return paginate(queryset, page=page, page_size=page_size)


@dataclass(frozen=True)
class GroupMembers:
    """The members of a group the actor may see (the first ``MAX_MEMBERS_SHOWN`` of them),
    how many of them there are, and how many others the group has."""

    members: list[Person]
    in_scope: int
    outside_scope: int


def group_members(*, actor: AnyActor, group: PersonGroup, purpose: str) -> GroupMembers:
    """The first ``MAX_MEMBERS_SHOWN`` members of a group (already accessed) that lie in the
    actor's subtree, with list relations, their count and the number of the others; logs
    one access row ``group_members`` with the codes of the persons shown."""
    total = GroupMember.objects.filter(group=group).count()
    visible = person_scope(actor).filter(group_memberships__group=group)
    in_scope = visible.count()
    members = list(
        person_list_relations(visible.order_by("group_memberships__added_at", "id"))[
            :MAX_MEMBERS_SHOWN
        ]
    )
    access_record(
        actor=actor,
        purpose=purpose,
        action="group_members",
        subject_type="person",
        subject_ids=[person.code for person in members],
    )
    return GroupMembers(members=members, in_scope=in_scope, outside_scope=total - in_scope)


def group_mates(*, person: Person) -> list[tuple[int, str]]:
    """(person id, group kind) of everyone who shares a group with ``person``, the person
    left out; one row per person and kind (two teams of one kind count once).

    For derivations on behalf of a case the caller has already accessed (the case's person
    is in its scope; the mates are linked to the case, not shown here), as the household's
    other members are: unscoped on purpose, one query."""
    rows = (
        GroupMember.objects.filter(
            group__in=GroupMember.objects.filter(person=person).values("group_id")
        )
        .exclude(person=person)
        .values_list("person_id", "group__kind")
        .distinct()
        .order_by("person_id", "group__kind")
    )
    return [(int(pk), str(kind)) for pk, kind in rows]
