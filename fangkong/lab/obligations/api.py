"""Key groups and their overdue list (R15), arrivals (落地检), antigen results (R16)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import Actor
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    EpidemicDate,
    IdempotencyKey,
    ObservedAt,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.lab.access import require_role
from fangkong.lab.choices import AntigenResult, AntigenSource
from fangkong.lab.models import AntigenTest
from fangkong.lab.obligations import services
from fangkong.lab.obligations.selectors import (
    ArrivalRow,
    KeyGroupRow,
    antigen_list,
    arrival_list,
    key_group_overdue_list,
)
from fangkong.lab.roles import (
    ANTIGEN_READ_ROLES,
    ANTIGEN_ROLES,
    COVERAGE_WRITE_ROLES,
)
from fangkong.people.access import access_person
from fangkong.people.models import Person
from fangkong.regions.access import access_region

router = Router()
PURPOSE = AccessPurpose.SCREENING.value
CODE = Field(max_length=45, description="Person code")


class KeyGroupIn(Schema):
    person: str = CODE
    group: str = Field(min_length=1, max_length=40)
    since: EpidemicDate
    until: EpidemicDate | None = None


class ObligationReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=255)


class KeyGroupMemberOut(Schema):
    person: str
    group: str
    since: date
    until: date | None


class KeyGroupRowOut(Schema):
    person: str
    name: str
    region_code: str
    group: str
    group_name: str
    interval_hours: float | None
    last_tested_at: datetime | None
    next_due_at: datetime | None
    overdue: bool


class KeyGroupListOut(PageOut):
    rule_set: str
    items: list[KeyGroupRowOut]


class KeyGroupFilter(PageParams):
    group: str = Field("", max_length=40)
    region: str = Field("", max_length=15, pattern=r"^[0-9]{0,15}$")
    all: bool = Field(False, description="Every member in force, not only the overdue")


class ArrivalIn(Schema):
    person: str = CODE
    arrived_at: ObservedAt
    origin: str = Field(min_length=1, max_length=120)


class ArrivalOut(Schema):
    code: str
    person: str
    name: str
    region_code: str
    origin: str
    arrived_at: datetime
    test_due_at: datetime
    tested_at: datetime | None
    overdue: bool


class ArrivalListOut(PageOut):
    items: list[ArrivalOut]


class ArrivalFilterIn(PageParams):
    status: str = Field("", pattern=r"^(|tested|untested|overdue)$")


class AntigenIn(Schema):
    person: str = CODE
    source: AntigenSource
    result: AntigenResult
    tested_at: ObservedAt
    kit_serial: str = Field("", max_length=64)
    #: Respiratory or fever symptoms at the test: a negative result then still needs PCR.
    symptomatic: bool = False


class AntigenOut(Schema):
    code: str
    person: str
    source: str
    result: str
    tested_at: datetime
    kit_serial: str
    symptomatic: bool
    #: Why a negative result still needed PCR (``symptoms``, ``held``), empty otherwise.
    suspected: str
    reported_by: str
    pcr_task: str | None


class AntigenPageOut(PageOut):
    items: list[AntigenOut]


def _person(actor: Actor, code: str, roles: frozenset[str]) -> Person:
    require_role(actor, roles)
    return access_person(actor, code, purpose=PURPOSE)


def key_group_row_out(row: KeyGroupRow) -> KeyGroupRowOut:
    return KeyGroupRowOut(
        person=row.person_code,
        name=row.person_name,
        region_code=row.region_code,
        group=row.group,
        group_name=row.group_name,
        interval_hours=row.interval_hours,
        last_tested_at=row.last_tested_at,
        next_due_at=row.next_due_at,
        overdue=row.overdue,
    )


def arrival_out(row: ArrivalRow) -> ArrivalOut:
    return ArrivalOut(
        code=row.code,
        person=row.person_code,
        name=row.person_name,
        region_code=row.region_code,
        origin=row.origin,
        arrived_at=row.arrived_at,
        test_due_at=row.test_due_at,
        tested_at=row.tested_at,
        overdue=row.overdue,
    )


def antigen_out(test: AntigenTest) -> AntigenOut:
    return AntigenOut(
        code=str(test.code),
        person=str(test.person.code),
        source=test.source,
        result=test.result,
        tested_at=test.tested_at,
        kit_serial=test.kit_serial,
        symptomatic=test.symptomatic,
        suspected=test.suspected,
        reported_by=test.reported_by,
        pcr_task=str(test.pcr_task.code) if test.pcr_task else None,
    )


# --------------------------------------------------------------------------- key groups


@router.post(
    "/key-groups",
    operation_id="fangkong_lab_api_people_key_groups_assign",
    response={201: KeyGroupMemberOut, **WRITE_ERRORS},
    summary="Put a person in a key group",
    description="The group must be a key group of the rules in force at the person's node.",
)
def key_groups_assign(
    request: HttpRequest, payload: KeyGroupIn, idempotency_key: IdempotencyKey = None
) -> Status[KeyGroupMemberOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        person = _person(actor, payload.person, COVERAGE_WRITE_ROLES)
        member = services.key_group_assign(
            actor=actor,
            person=person,
            group=payload.group,
            since=payload.since,
            until=payload.until,
        )
        return 201, {
            "person": str(person.code),
            "group": member.group,
            "since": member.since.isoformat(),
            "until": member.until.isoformat() if member.until else None,
        }

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="key_group_assign",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, KeyGroupMemberOut(**body))


@router.post(
    "/key-groups/{person}/{group}/remove",
    operation_id="fangkong_lab_api_people_key_groups_remove",
    response={204: None, **WRITE_ERRORS},
    summary="Take a person out of a key group",
)
def key_groups_remove(
    request: HttpRequest, person: str, group: str, payload: ObligationReasonIn
) -> Status[None]:
    actor = actor_of(request)
    found = _person(actor, person, COVERAGE_WRITE_ROLES)
    services.key_group_remove(actor=actor, person=found, group=group, reason=payload.reason)
    return Status(204, None)


@router.get(
    "/key-groups/overdue",
    operation_id="fangkong_lab_api_people_key_groups_overdue",
    response={200: KeyGroupListOut, **ERRORS},
    summary="Key-group members overdue for their test",
    description=(
        "Members in force whose last PCR sampling is older than their group's interval (or "
        "who were never sampled), overdue first; `all=true` lists every member in force."
    ),
)
def key_groups_overdue(request: HttpRequest, filters: Query[KeyGroupFilter]) -> KeyGroupListOut:
    actor = actor_of(request)
    region = access_region(actor, filters.region) if filters.region else None
    listed = key_group_overdue_list(
        actor=actor,
        group=filters.group,
        region=region,
        overdue_only=not filters.all,
        page=filters.page,
        page_size=filters.page_size,
    )
    return KeyGroupListOut(
        rule_set=listed.rule_set,
        items=[key_group_row_out(row) for row in listed.rows],
        **page_fields(listed.page),
    )


# --------------------------------------------------------------------------- arrivals


@router.post(
    "/arrivals",
    operation_id="fangkong_lab_api_people_arrivals_register",
    response={201: ArrivalOut, **WRITE_ERRORS},
    summary="Register an arrival owed a landing test",
)
def arrivals_register(
    request: HttpRequest, payload: ArrivalIn, idempotency_key: IdempotencyKey = None
) -> Status[ArrivalOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        person = _person(actor, payload.person, COVERAGE_WRITE_ROLES)
        arrival = services.arrival_register(
            actor=actor, person=person, arrived_at=payload.arrived_at, origin=payload.origin
        )
        return 201, {
            "code": str(arrival.code),
            "person": str(person.code),
            "name": person.name,
            "region_code": person.region.code,
            "origin": arrival.origin,
            "arrived_at": arrival.arrived_at.isoformat(),
            "test_due_at": arrival.test_due_at.isoformat(),
            "tested_at": None,
            "overdue": False,
        }

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="arrival_register",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, ArrivalOut(**body))


@router.get(
    "/arrivals",
    operation_id="fangkong_lab_api_people_arrivals_list",
    response={200: ArrivalListOut, **ERRORS},
    summary="Arrivals and their landing tests",
)
def arrivals_list(request: HttpRequest, filters: Query[ArrivalFilterIn]) -> ArrivalListOut:
    page, rows = arrival_list(
        actor=actor_of(request),
        status=filters.status,
        page=filters.page,
        page_size=filters.page_size,
    )
    return ArrivalListOut(items=[arrival_out(row) for row in rows], **page_fields(page))


# --------------------------------------------------------------------------- antigen


@router.post(
    "/antigen",
    operation_id="fangkong_lab_api_people_antigen_create",
    response={201: AntigenOut, **WRITE_ERRORS},
    summary="Record an antigen result",
    description=(
        "Kept apart from PCR and never a confirming result. A positive, or a negative of a "
        "suspected person (`symptomatic`, or held in place after a pooled positive), opens a "
        "single-tube PCR task (or reuses the person's open one), as the rule set says; tube "
        "results are not touched."
    ),
)
def antigen_create(
    request: HttpRequest, payload: AntigenIn, idempotency_key: IdempotencyKey = None
) -> Status[AntigenOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        person = _person(actor, payload.person, ANTIGEN_ROLES)
        test = services.antigen_record(
            actor=actor,
            person=person,
            source=payload.source,
            result=payload.result,
            tested_at=payload.tested_at,
            kit_serial=payload.kit_serial,
            symptomatic=payload.symptomatic,
        )
        return 201, antigen_out(test).model_dump(mode="json")

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="antigen_record",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, AntigenOut(**body))


@router.get(
    "/persons/{code}/antigen",
    operation_id="fangkong_lab_api_people_antigen_of_person",
    response={200: AntigenPageOut, **ERRORS},
    summary="A person's antigen results",
)
def antigen_of_person(
    request: HttpRequest, code: str, filters: Query[PageParams]
) -> AntigenPageOut:
    actor = actor_of(request)
    person = _person(actor, code, ANTIGEN_READ_ROLES)
    page = antigen_list(actor=actor, person=person, page=filters.page, page_size=filters.page_size)
    return AntigenPageOut(items=[antigen_out(test) for test in page.items], **page_fields(page))


# --------------------------------------------------------------------------- alerts
