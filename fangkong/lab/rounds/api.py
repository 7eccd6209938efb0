"""Rounds, sampling points and labs."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.accounts.access import access_user
from fangkong.accounts.choices import AccessPurpose
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    PageOut,
    PageParams,
    PlannedAt,
    TimeOfDay,
    page_fields,
)
from fangkong.lab.access import (
    access_exemption,
    access_lab,
    access_point,
    access_round,
    require_role,
)
from fangkong.lab.choices import ExemptionReason
from fangkong.lab.models import Lab, SamplingPoint, ScreeningRound
from fangkong.lab.roles import (
    COVERAGE_WRITE_ROLES,
    MANAGE_ROLES,
    ROUND_ROLES,
)
from fangkong.lab.rounds import services
from fangkong.lab.rounds.services import exemption_grant, exemption_revoke
from fangkong.lab.scope import lab_scope, point_scope, round_scope
from fangkong.people.access import access_person
from fangkong.regions.access import access_region

router = Router()
REGION_CODE = r"^[0-9]{1,15}$"
RoundKindIn = Literal["outbreak", "routine", "targeted"]
#: A sampling point's kind (``lab.choices.PointKind``).
PointKindIn = Literal["fixed", "door_to_door"]


class AreaIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    zone: str = Field("other", max_length=40)


class RoundIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    #: ``outbreak`` (default), ``routine`` or ``targeted``; the rules in force decide which
    #: may open (``area_screening_disabled``, ``routine_area_testing_disabled``, 409).
    kind: RoundKindIn = "outbreak"
    areas: list[AreaIn] = Field(min_length=1, max_length=200)
    starts_at: PlannedAt | None = None
    deadline_at: PlannedAt | None = None


class RoundOut(Schema):
    code: str
    name: str
    kind: str
    region_code: str
    region_name: str
    status: str
    starts_at: datetime
    deadline_at: datetime
    rule_set: str
    population_at_open: int
    #: The deadline has passed while the round is still open: binding goes on (补检) until
    #: the round is closed, and the round shows as overdue (docs/screening.md, "The deadline").
    past_deadline: bool
    areas: list[AreaIn]


class PointIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(min_length=1, max_length=120)
    address: str = Field("", max_length=255)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    opens_at: TimeOfDay = time(7, 0)
    closes_at: TimeOfDay = time(21, 0)
    capacity_per_hour: int = Field(300, ge=1, le=100_000)
    sampler_posts: int = Field(2, ge=1, le=1000)
    kind: PointKindIn = "fixed"


class PointOut(Schema):
    code: str
    name: str
    region_code: str
    address: str
    latitude: float | None
    longitude: float | None
    opens_at: time
    closes_at: time
    capacity_per_hour: int
    sampler_posts: int
    kind: str


class LabIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(min_length=1, max_length=120)
    capacity_per_day: int = Field(10_000, ge=1, le=10_000_000)


class LabOut(Schema):
    code: str
    name: str
    region_code: str
    capacity_per_day: int


class StaffIn(Schema):
    username: str = Field(min_length=1, max_length=150)


class ReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class RoundPageOut(PageOut):
    items: list[RoundOut]


class PointPageOut(PageOut):
    items: list[PointOut]


class LabPageOut(PageOut):
    items: list[LabOut]


def round_out(screening_round: ScreeningRound) -> RoundOut:
    return RoundOut(
        code=str(screening_round.code),
        name=screening_round.name,
        kind=screening_round.kind,
        region_code=screening_round.region.code,
        region_name=screening_round.region.name,
        status=screening_round.status,
        starts_at=screening_round.starts_at,
        deadline_at=screening_round.deadline_at,
        rule_set=screening_round.rule_set,
        population_at_open=screening_round.population_at_open,
        past_deadline=screening_round.past_deadline(),
        areas=[
            AreaIn(region_code=area.region.code, zone=area.zone)
            for area in screening_round.areas.select_related("region").order_by("region__path")
        ],
    )


def point_out(point: SamplingPoint) -> PointOut:
    return PointOut(
        code=str(point.code),
        name=point.name,
        region_code=point.region.code,
        address=point.address,
        latitude=point.latitude,
        longitude=point.longitude,
        opens_at=point.opens_at,
        closes_at=point.closes_at,
        capacity_per_hour=point.capacity_per_hour,
        sampler_posts=point.sampler_posts,
        kind=point.kind,
    )


def lab_out(lab: Lab) -> LabOut:
    return LabOut(
        code=str(lab.code),
        name=lab.name,
        region_code=lab.region.code,
        capacity_per_day=lab.capacity_per_day,
    )


@router.post(
    "/rounds",
    operation_id="fangkong_lab_api_rounds_rounds_open",
    response={201: RoundOut, **WRITE_ERRORS},
    summary="Open a screening round",
)
def rounds_open(
    request: HttpRequest, payload: RoundIn, idempotency_key: IdempotencyKey = None
) -> Status[RoundOut]:
    """Zones are risk-level codes of the rules in force (``high``, ``medium``, ``low``) or
    ``other``; they set the default pool ratio. The deadline defaults to the rule set's."""
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        areas = [(access_region(actor, area.region_code), area.zone) for area in payload.areas]
        created = services.round_open(
            actor=actor,
            name=payload.name,
            areas=areas,
            starts_at=payload.starts_at,
            deadline_at=payload.deadline_at,
            kind=payload.kind,
        )
        return 201, {"code": str(created.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="round_open",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, round_out(access_round(actor, body["code"])))


@router.get(
    "/rounds",
    operation_id="fangkong_lab_api_rounds_rounds_list",
    response={200: RoundPageOut, **ERRORS},
    summary="Rounds in scope",
)
def rounds_list(request: HttpRequest, filters: Query[PageParams]) -> RoundPageOut:
    """Newest first."""
    actor = actor_of(request)
    require_role(actor, ROUND_ROLES)
    page = paginate(round_scope(actor), page=filters.page, page_size=filters.page_size)
    return RoundPageOut(items=[round_out(r) for r in page.items], **page_fields(page))


@router.get(
    "/rounds/{code}",
    operation_id="fangkong_lab_api_rounds_rounds_get",
    response={200: RoundOut, **ERRORS},
    summary="One round",
)
def rounds_get(request: HttpRequest, code: str) -> RoundOut:
    return round_out(access_round(actor_of(request), code))


@router.post(
    "/rounds/{code}/close",
    operation_id="fangkong_lab_api_rounds_rounds_close",
    response={200: RoundOut, **WRITE_ERRORS},
    summary="Close a screening round",
    description=(
        "No more screening tubes are bound in the round; re-tests, receipts and results still "
        "come in. A reason is required and audited; a closed round answers `round_closed` (409)."
    ),
)
def rounds_close(
    request: HttpRequest, code: str, payload: ReasonIn, idempotency_key: IdempotencyKey = None
) -> Status[RoundOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        screening_round = access_round(actor, code, roles=MANAGE_ROLES)
        services.round_close(actor=actor, screening_round=screening_round, reason=payload.reason)
        return 200, {"code": str(screening_round.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="round_close",
        payload={"round": code, **payload.model_dump(mode="json")},
        write=write,
    )
    return Status(status, round_out(access_round(actor, body["code"])))


@router.post(
    "/points",
    operation_id="fangkong_lab_api_rounds_points_create",
    response={201: PointOut, **WRITE_ERRORS},
    summary="Set up a sampling point",
)
def points_create(
    request: HttpRequest, payload: PointIn, idempotency_key: IdempotencyKey = None
) -> Status[PointOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        data = payload.model_dump()
        region = access_region(actor, data.pop("region_code"))
        point = services.sampling_point_create(actor=actor, region=region, **data)
        return 201, {"code": str(point.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="sampling_point_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, point_out(access_point(actor, body["code"])))


@router.get(
    "/points",
    operation_id="fangkong_lab_api_rounds_points_list",
    response={200: PointPageOut, **ERRORS},
    summary="Sampling points in scope",
)
def points_list(request: HttpRequest, filters: Query[PageParams]) -> PointPageOut:
    """By node, then name."""
    actor = actor_of(request)
    require_role(actor, ROUND_ROLES)
    page = paginate(point_scope(actor), page=filters.page, page_size=filters.page_size)
    return PointPageOut(items=[point_out(p) for p in page.items], **page_fields(page))


@router.post(
    "/points/{code}/staff",
    operation_id="fangkong_lab_api_rounds_points_staff_add",
    response={204: None, **WRITE_ERRORS},
    summary="Add a sampler to a point",
)
def points_staff_add(request: HttpRequest, code: str, payload: StaffIn) -> Status[None]:
    actor = actor_of(request)
    point = access_point(actor, code, roles=MANAGE_ROLES)
    user = access_user(actor, payload.username)
    services.point_staff_add(actor=actor, point=point, user=user)
    return Status(204, None)


@router.post(
    "/points/{code}/staff/remove",
    operation_id="fangkong_lab_api_rounds_points_staff_remove",
    response={204: None, **WRITE_ERRORS},
    summary="Take a sampler off a point",
    description="A user who does not work at the point answers `user_not_found` (404).",
)
def points_staff_remove(request: HttpRequest, code: str, payload: StaffIn) -> Status[None]:
    actor = actor_of(request)
    point = access_point(actor, code, roles=MANAGE_ROLES)
    user = access_user(actor, payload.username)
    services.point_staff_remove(actor=actor, point=point, user=user)
    return Status(204, None)


@router.post(
    "/labs",
    operation_id="fangkong_lab_api_rounds_labs_create",
    response={201: LabOut, **WRITE_ERRORS},
    summary="Register a laboratory",
)
def labs_create(
    request: HttpRequest, payload: LabIn, idempotency_key: IdempotencyKey = None
) -> Status[LabOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        region = access_region(actor, payload.region_code)
        lab = services.lab_create(
            actor=actor, region=region, name=payload.name, capacity_per_day=payload.capacity_per_day
        )
        return 201, {"code": str(lab.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="lab_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, lab_out(access_lab(actor, body["code"])))


@router.get(
    "/labs",
    operation_id="fangkong_lab_api_rounds_labs_list",
    response={200: LabPageOut, **ERRORS},
    summary="Laboratories in scope",
)
def labs_list(request: HttpRequest, filters: Query[PageParams]) -> LabPageOut:
    """By name."""
    actor = actor_of(request)
    require_role(actor, ROUND_ROLES)
    page = paginate(lab_scope(actor), page=filters.page, page_size=filters.page_size)
    return LabPageOut(items=[lab_out(lab) for lab in page.items], **page_fields(page))


@router.post(
    "/labs/{code}/staff",
    operation_id="fangkong_lab_api_rounds_labs_staff_add",
    response={204: None, **WRITE_ERRORS},
    summary="Add a technician to a lab",
)
def labs_staff_add(request: HttpRequest, code: str, payload: StaffIn) -> Status[None]:
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=MANAGE_ROLES)
    user = access_user(actor, payload.username)
    services.lab_staff_add(actor=actor, lab=lab, user=user)
    return Status(204, None)


@router.post(
    "/labs/{code}/staff/remove",
    operation_id="fangkong_lab_api_rounds_labs_staff_remove",
    response={204: None, **WRITE_ERRORS},
    summary="Take a technician off a lab",
    description="A user who does not work at the lab answers `user_not_found` (404).",
)
def labs_staff_remove(request: HttpRequest, code: str, payload: StaffIn) -> Status[None]:
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=MANAGE_ROLES)
    user = access_user(actor, payload.username)
    services.lab_staff_remove(actor=actor, lab=lab, user=user)
    return Status(204, None)


class ExemptionIn(Schema):
    person: str = Field(max_length=45)
    reason: ExemptionReason
    valid_until: PlannedAt
    note: str = Field("", max_length=255)
    round: str | None = Field(None, max_length=45, description="Only this round (empty: all)")


class ExemptionRevokeIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class ExemptionOut(Schema):
    code: str
    person: str
    reason: str
    valid_until: PlannedAt
    note: str
    round: str | None
    created_at: datetime
    created_by: str


class ExemptionRevokedOut(Schema):
    code: str
    revoked_at: datetime


@router.post(
    "/exemptions",
    operation_id="fangkong_lab_api_coverage_exemptions_grant",
    response={201: ExemptionOut, **WRITE_ERRORS},
    summary="Leave a person off the should-test list",
)
def exemptions_grant(
    request: HttpRequest, payload: ExemptionIn, idempotency_key: IdempotencyKey = None
) -> Status[ExemptionOut]:
    """One round (``round``) or every round until ``valid_until``; ``other`` needs a note."""
    actor = actor_of(request)
    require_role(actor, COVERAGE_WRITE_ROLES)

    def write() -> tuple[int, dict[str, Any]]:
        person = access_person(actor, payload.person, purpose=AccessPurpose.SCREENING)
        screening_round = (
            access_round(actor, payload.round, roles=COVERAGE_WRITE_ROLES)
            if payload.round
            else None
        )
        exemption = exemption_grant(
            actor=actor,
            person=person,
            reason=payload.reason,
            valid_until=payload.valid_until,
            note=payload.note,
            screening_round=screening_round,
        )
        return 201, {
            "code": str(exemption.code),
            "person": str(person.code),
            "reason": exemption.reason,
            "valid_until": exemption.valid_until.isoformat(),
            "note": exemption.note,
            "round": str(screening_round.code) if screening_round else None,
            "created_at": exemption.created_at.isoformat(),
            "created_by": exemption.created_by,
        }

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="exemption_grant",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, ExemptionOut(**body))


@router.post(
    "/exemptions/{code}/revoke",
    operation_id="fangkong_lab_api_coverage_exemptions_revoke",
    response={200: ExemptionRevokedOut, **WRITE_ERRORS},
    summary="End an exemption now",
    description=(
        "The person is back on the should-test list. A reason is required and audited; an "
        "exemption already revoked answers `exemption_revoked` (409)."
    ),
)
def exemptions_revoke(
    request: HttpRequest,
    code: str,
    payload: ExemptionRevokeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[ExemptionRevokedOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        exemption = access_exemption(actor, code, roles=COVERAGE_WRITE_ROLES)
        exemption_revoke(actor=actor, exemption=exemption, reason=payload.reason)
        exemption.refresh_from_db(fields=["revoked_at"])
        assert exemption.revoked_at is not None
        return 200, {"code": str(exemption.code), "revoked_at": exemption.revoked_at.isoformat()}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="exemption_revoke",
        payload={"exemption": code, **payload.model_dump(mode="json")},
        write=write,
    )
    return Status(status, ExemptionRevokedOut(**body))
