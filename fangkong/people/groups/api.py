"""Group endpoints (mounted at ``/api/v1/groups``): list, create, get with members, add and
remove members, bulk load. Reads through ``selectors``/``access``, writes through
``services``/``bulk``; members are shown through ``people.presentation.person_row`` (masked
by role, the read logged). Persons are named by code in request bodies, never in a URL.
"""

from __future__ import annotations

import uuid
from typing import Any

import polars as pl
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, IdempotencyKey, PageOut, page_fields
from fangkong.people.access import purpose_or_default, require_person_role
from fangkong.people.api import REGION_CODE, PersonRowOut
from fangkong.people.choices import GroupKind
from fangkong.people.groups import services
from fangkong.people.groups.access import access_group
from fangkong.people.groups.bulk import groups_bulk_load
from fangkong.people.groups.selectors import group_list, group_members
from fangkong.people.models import PersonGroup
from fangkong.people.presentation import person_row
from fangkong.regions.access import access_region

router = Router(tags=["groups"])

#: Rows of a bulk load sent as JSON (files of any size go through ``groups_bulk_load``).
MAX_BULK_ROWS = 10_000


class GroupIn(Schema):
    kind: GroupKind
    name: str = Field(min_length=1, max_length=100)
    region_code: str = Field(min_length=1, max_length=15, pattern=REGION_CODE)


class GroupOut(Schema):
    code: uuid.UUID
    kind: str
    kind_label: str
    name: str
    region_code: str
    region_name: str
    member_count: int | None = None


class GroupDetailOut(GroupOut):
    members: list[PersonRowOut]
    members_in_scope: int
    members_outside_scope: int


class GroupPageOut(PageOut):
    items: list[GroupOut]


class GroupQuery(Schema):
    kind: GroupKind | None = None
    region: str = Field("", max_length=15, pattern=REGION_CODE)
    q: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class MembersIn(Schema):
    persons: list[uuid.UUID] = Field(min_length=1, max_length=services.MAX_MEMBERS_AT_ONCE)


class MembersOut(Schema):
    changed: int
    unchanged: int


class BulkGroupIn(Schema):
    key: str = Field(min_length=1, max_length=80)
    kind: str = Field(max_length=20)
    name: str = Field(max_length=100)
    region_code: str = Field(max_length=15)


class BulkMemberIn(Schema):
    group_key: str = Field(min_length=1, max_length=80)
    person: str = Field(max_length=45)


class BulkIn(Schema):
    source: str = Field(min_length=1, max_length=40)
    groups: list[BulkGroupIn] = Field(max_length=MAX_BULK_ROWS)
    members: list[BulkMemberIn] = Field(max_length=MAX_BULK_ROWS)


class BulkOut(Schema):
    groups: int
    groups_existing: int
    members: int
    members_existing: int


def _group_out(group: PersonGroup, member_count: int | None = None) -> GroupOut:
    return GroupOut(
        code=group.code,
        kind=group.kind,
        kind_label=str(GroupKind(group.kind).label),
        name=group.name,
        region_code=group.region.code,
        region_name=group.region.name,
        member_count=member_count,
    )


@router.get("", response={200: GroupPageOut, **ERRORS}, summary="List groups of people")
def groups_list(request: HttpRequest, filters: Query[GroupQuery]) -> GroupPageOut:
    actor = actor_of(request)
    require_person_role(actor)
    page = group_list(
        actor=actor,
        kind=filters.kind or "",
        region=filters.region,
        q=filters.q,
        page=filters.page,
        page_size=filters.page_size,
    )
    return GroupPageOut(
        items=[_group_out(g, getattr(g, "member_count", None)) for g in page.items],
        **page_fields(page),
    )


@router.post("", response={201: GroupOut, **WRITE_ERRORS}, summary="Create a group of people")
def groups_create(
    request: HttpRequest, payload: GroupIn, idempotency_key: IdempotencyKey = None
) -> Status[GroupOut]:
    actor = actor_of(request)
    require_person_role(actor, write=True)

    def write() -> tuple[int, dict[str, Any]]:
        group = services.group_create(
            actor=actor,
            kind=payload.kind,
            name=payload.name,
            region=access_region(actor, payload.region_code),
        )
        return 201, {"code": str(group.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="group_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _group_out(access_group(actor, body["code"]), 0))


@router.post(
    "/bulk",
    response={200: BulkOut, **WRITE_ERRORS},
    summary="Load groups and their members in bulk",
    description=(
        "Groups are named by the source's key: the same load sent again stores nothing more. "
        "Any bad row refuses the whole load (422) with every problem by table, field and row."
    ),
)
def groups_bulk(request: HttpRequest, payload: BulkIn) -> BulkOut:
    actor = actor_of(request)
    groups = pl.DataFrame(
        [row.model_dump() for row in payload.groups],
        schema={"key": pl.String, "kind": pl.String, "name": pl.String, "region_code": pl.String},
        orient="row",
    )
    members = pl.DataFrame(
        [row.model_dump() for row in payload.members],
        schema={"group_key": pl.String, "person": pl.String},
        orient="row",
    )
    loaded = groups_bulk_load(actor=actor, source=payload.source, groups=groups, members=members)
    return BulkOut(**loaded.__dict__)


@router.get("/{code}", response={200: GroupDetailOut, **ERRORS}, summary="Get a group")
def groups_get(request: HttpRequest, code: str) -> GroupDetailOut:
    actor = actor_of(request)
    group = access_group(actor, code)
    shown = group_members(actor=actor, group=group, purpose=purpose_or_default(actor, None))
    base = _group_out(group, shown.in_scope + shown.outside_scope)
    return GroupDetailOut(
        **base.model_dump(),
        members=[
            PersonRowOut.model_validate(person_row(actor, m), from_attributes=True)
            for m in shown.members
        ],
        members_in_scope=shown.in_scope,
        members_outside_scope=shown.outside_scope,
    )


@router.post(
    "/{code}/members/add", response={200: MembersOut, **WRITE_ERRORS}, summary="Add members"
)
def groups_members_add(request: HttpRequest, code: str, payload: MembersIn) -> MembersOut:
    actor = actor_of(request)
    group = access_group(actor, code, write=True)
    changed = services.group_members_add(actor=actor, group=group, persons=payload.persons)
    return MembersOut(changed=changed.changed, unchanged=changed.unchanged)


@router.post(
    "/{code}/members/remove",
    response={200: MembersOut, **WRITE_ERRORS},
    summary="Remove members",
)
def groups_members_remove(request: HttpRequest, code: str, payload: MembersIn) -> MembersOut:
    actor = actor_of(request)
    group = access_group(actor, code, write=True)
    changed = services.group_members_remove(actor=actor, group=group, persons=payload.persons)
    return MembersOut(changed=changed.changed, unchanged=changed.unchanged)
