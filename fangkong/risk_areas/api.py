"""Risk-area endpoints under ``/api/v1/risk-areas``: one operation per workflow step.

Areas hold places, levels and dates, and infections by an opaque case or report code: no
person is shown, so no read is logged as personal data (every write is audited).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    EpidemicDate,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.regions.access import access_region
from fangkong.risk_areas import services
from fangkong.risk_areas.access import access_risk_area, require_role
from fangkong.risk_areas.models import AreaInfection, RiskArea, RiskAreaEvent
from fangkong.risk_areas.roles import READ_ROLES, WRITE_ROLES
from fangkong.risk_areas.selectors import (
    LiftingAssessment,
    risk_area_events,
    risk_area_infections,
    risk_area_lifting_assess,
    risk_area_list,
)

router = Router(tags=["risk areas"])
REGION_CODE = r"^[0-9]{1,15}$"
UnitIn = Literal["compound", "building", "unit", "workplace", "county_remainder"]
StatusIn = Literal["", "designated", "lifted"]


class RiskAreaFilters(PageParams):
    level: str = Field("", max_length=40, pattern=r"^[a-z0-9_]*$")
    status: StatusIn = ""


class RiskAreaDesignateIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    #: ``compound``, ``building``, ``unit`` (stairwell), ``workplace`` or ``county_remainder``;
    #: the rules in force say which a level may be drawn over (``unit_not_allowed``).
    unit: UnitIn
    name: str = Field(min_length=1, max_length=120)
    #: A level code of the rules in force (``high``/``medium``/``low``, or
    #: ``lockdown``/``controlled``/``prevention`` before the 9th edition).
    level: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=500)
    building: str = Field("", max_length=20)
    stairwell: str = Field("", max_length=20)
    last_infection_on: EpidemicDate | None = None


class RiskAreaLevelIn(Schema):
    level: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=500)


class RiskAreaReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class AreaInfectionIn(Schema):
    #: The case or report code (never an identity or phone number); the same code again is
    #: recorded once.
    reference: str = Field(min_length=1, max_length=64)
    found_on: EpidemicDate
    reason: str = Field(min_length=1, max_length=500)
    in_isolated_person: bool = False
    community_risk_excluded: bool = False


class AreaContactsIn(Schema):
    last_exposure_on: EpidemicDate
    all_negative: bool
    reason: str = Field(min_length=1, max_length=500)


class RiskAreaOut(Schema):
    code: str
    name: str
    region_code: str
    region_name: str
    unit: str
    building: str
    stairwell: str
    level: str
    status: str
    stepped_down: bool
    designated_at: datetime
    level_since: datetime
    clock_from: date
    last_infection_on: date | None
    last_contact_exposure_on: date | None
    last_contact_negative: bool
    lifted_at: datetime | None
    rule_set_key: str
    rule_set_version: str


class RiskAreaPageOut(PageOut):
    items: list[RiskAreaOut]


class RiskAreaEventOut(Schema):
    kind: str
    at: datetime
    level_before: str
    level_after: str
    actor: str
    actor_role: str
    reason: str
    rule_set_version: str
    detail: dict[str, Any]


class RiskAreaEventPageOut(PageOut):
    items: list[RiskAreaEventOut]


class AreaInfectionOut(Schema):
    reference: str
    found_on: date
    in_isolated_person: bool
    community_risk_excluded: bool
    reset_clock: bool
    recorded_at: datetime
    rule_set_version: str


class AreaInfectionPageOut(PageOut):
    items: list[AreaInfectionOut]


class AreaInfectionRecordedOut(Schema):
    created: bool
    infection: AreaInfectionOut
    area: RiskAreaOut


class RoundCheckOut(Schema):
    round_code: str
    round_name: str
    sampled_on: date
    sampled: int
    negative: int
    all_negative: bool


class LiftingAssessmentOut(Schema):
    rule_set: str
    enabled: bool
    level: str
    #: The level a lifting step goes to; ``null``: back to routine control.
    target: str | None
    days_clean: int
    days_required: int | None
    next_possible_on: date | None
    round_required: bool
    round_window_from: date | None
    round_window_to: date | None
    round: RoundCheckOut | None
    round_all_negative: bool
    contact_days: int | None
    contact_more_than_days: int | None
    higher_levels_remaining: int
    #: The conditions still unmet; empty when the area may take its lifting step.
    unmet: list[str] = Field(max_length=10)
    due: bool


def area_out(area: RiskArea) -> RiskAreaOut:
    return RiskAreaOut(
        code=str(area.code),
        name=area.name,
        region_code=area.region.code,
        region_name=area.region.name,
        unit=area.unit,
        building=area.building,
        stairwell=area.stairwell,
        level=area.level,
        status=area.status,
        stepped_down=area.stepped_down,
        designated_at=area.designated_at,
        level_since=area.level_since,
        clock_from=area.clock_from,
        last_infection_on=area.last_infection_on,
        last_contact_exposure_on=area.last_contact_exposure_on,
        last_contact_negative=area.last_contact_negative,
        lifted_at=area.lifted_at,
        rule_set_key=area.rule_set_key,
        rule_set_version=area.rule_set_version,
    )


def event_out(event: RiskAreaEvent) -> RiskAreaEventOut:
    return RiskAreaEventOut(
        kind=event.kind,
        at=event.at,
        level_before=event.level_before,
        level_after=event.level_after,
        actor=event.actor,
        actor_role=event.actor_role,
        reason=event.reason,
        rule_set_version=event.rule_set_version,
        detail=event.detail,
    )


def infection_out(infection: AreaInfection) -> AreaInfectionOut:
    return AreaInfectionOut(
        reference=infection.reference,
        found_on=infection.found_on,
        in_isolated_person=infection.in_isolated_person,
        community_risk_excluded=infection.community_risk_excluded,
        reset_clock=infection.reset_clock,
        recorded_at=infection.recorded_at,
        rule_set_version=infection.rule_set_version,
    )


def assessment_out(assessment: LiftingAssessment) -> LiftingAssessmentOut:
    found = assessment.round
    window = assessment.round_window
    return LiftingAssessmentOut(
        rule_set=assessment.rules_label,
        enabled=assessment.enabled,
        level=assessment.level,
        target=assessment.target,
        days_clean=assessment.days_clean,
        days_required=assessment.days_required,
        next_possible_on=assessment.next_possible_on,
        round_required=assessment.round_required,
        round_window_from=window[0] if window else None,
        round_window_to=window[1] if window else None,
        round=RoundCheckOut(
            round_code=found.round_code,
            round_name=found.round_name,
            sampled_on=found.sampled_on,
            sampled=found.sampled,
            negative=found.negative,
            all_negative=found.all_negative,
        )
        if found
        else None,
        round_all_negative=assessment.round_all_negative,
        contact_days=assessment.contact_days,
        contact_more_than_days=assessment.contact_more_than_days,
        higher_levels_remaining=assessment.higher_levels_remaining,
        unmet=list(assessment.unmet),
        due=assessment.due,
    )


@router.get("", response={200: RiskAreaPageOut, **ERRORS}, summary="Risk areas in scope")
def risk_areas_list(request: HttpRequest, filters: Query[RiskAreaFilters]) -> RiskAreaPageOut:
    """Newest designation first; filter by level code and status."""
    actor = actor_of(request)
    require_role(actor, READ_ROLES)
    queryset = risk_area_list(actor=actor, level=filters.level, status=filters.status)
    page = paginate(queryset, page=filters.page, page_size=filters.page_size)
    return RiskAreaPageOut(items=[area_out(a) for a in page.items], **page_fields(page))


@router.post(
    "",
    response={201: RiskAreaOut, **WRITE_ERRORS},
    summary="Designate a risk area",
    description=(
        "Under rules without risk areas (10th edition) the answer is `risk_areas_disabled` "
        "(409); a level or unit the rules do not allow names the field (422)."
    ),
)
def risk_areas_designate(
    request: HttpRequest, payload: RiskAreaDesignateIn, idempotency_key: IdempotencyKey = None
) -> Status[RiskAreaOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, WRITE_ROLES)
        data = payload.model_dump()
        region = access_region(actor, data.pop("region_code"))
        area = services.risk_area_designate(actor=actor, region=region, **data)
        return 201, {"code": str(area.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="risk_area_designate",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, area_out(access_risk_area(actor, body["code"])))


@router.get("/{code}", response={200: RiskAreaOut, **ERRORS}, summary="One risk area")
def risk_areas_get(request: HttpRequest, code: str) -> RiskAreaOut:
    return area_out(access_risk_area(actor_of(request), code))


def _governed(
    request: HttpRequest,
    code: str,
    operation: str,
    payload: Schema,
    idempotency_key: str | None,
    change: Any,
) -> Status[RiskAreaOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        area = access_risk_area(actor, code, roles=WRITE_ROLES)
        change(actor, area)
        return 200, {"code": str(area.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation=operation,
        payload={"area": code, **payload.model_dump(mode="json")},
        write=write,
    )
    return Status(status, area_out(access_risk_area(actor, body["code"])))


@router.post(
    "/{code}/level",
    response={200: RiskAreaOut, **WRITE_ERRORS},
    summary="Raise or lower a risk area",
    description="A level of the rules in force; the clock restarts for it. Reason required.",
)
def risk_areas_level(
    request: HttpRequest,
    code: str,
    payload: RiskAreaLevelIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[RiskAreaOut]:
    return _governed(
        request,
        code,
        "risk_area_level_set",
        payload,
        idempotency_key,
        lambda actor, area: services.risk_area_level_set(
            actor=actor, area=area, level=payload.level, reason=payload.reason
        ),
    )


@router.post(
    "/{code}/lift",
    response={200: RiskAreaOut, **WRITE_ERRORS},
    summary="Take a risk area's lifting step",
    description=(
        "Down to the rule's next level or back to routine control. Refused with "
        "`lifting_conditions_unmet` (409, `detail.unmet`) unless every condition holds."
    ),
)
def risk_areas_lift(
    request: HttpRequest,
    code: str,
    payload: RiskAreaReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[RiskAreaOut]:
    return _governed(
        request,
        code,
        "risk_area_lift",
        payload,
        idempotency_key,
        lambda actor, area: services.risk_area_lift(actor=actor, area=area, reason=payload.reason),
    )


@router.post(
    "/{code}/contacts",
    response={200: RiskAreaOut, **WRITE_ERRORS},
    summary="Record the area's last close contact",
    description="The legacy zones' condition (R6): exposure more than 14 days ago, negative.",
)
def risk_areas_contacts(
    request: HttpRequest,
    code: str,
    payload: AreaContactsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[RiskAreaOut]:
    return _governed(
        request,
        code,
        "risk_area_contacts_record",
        payload,
        idempotency_key,
        lambda actor, area: services.risk_area_contacts_record(
            actor=actor,
            area=area,
            last_exposure_on=payload.last_exposure_on,
            all_negative=payload.all_negative,
            reason=payload.reason,
        ),
    )


@router.post(
    "/{code}/infections",
    response={201: AreaInfectionRecordedOut, 200: AreaInfectionRecordedOut, **WRITE_ERRORS},
    summary="Record an infection found in a risk area",
    description=(
        "Idempotent by reference: the same code again answers 200 with the first record and "
        "`created: false`. Resets the clock and may raise the level, as the rules say."
    ),
)
def risk_areas_infection_record(
    request: HttpRequest, code: str, payload: AreaInfectionIn
) -> Status[AreaInfectionRecordedOut]:
    actor = actor_of(request)
    area = access_risk_area(actor, code, roles=WRITE_ROLES)
    recorded = services.area_infection_record(actor=actor, area=area, **payload.model_dump())
    area = access_risk_area(actor, code)
    body = AreaInfectionRecordedOut(
        created=recorded.created, infection=infection_out(recorded.infection), area=area_out(area)
    )
    return Status(201 if recorded.created else 200, body)


@router.get(
    "/{code}/infections",
    response={200: AreaInfectionPageOut, **ERRORS},
    summary="Infections found in a risk area",
)
def risk_areas_infections(
    request: HttpRequest, code: str, filters: Query[PageParams]
) -> AreaInfectionPageOut:
    area = access_risk_area(actor_of(request), code)
    page = paginate(risk_area_infections(area), page=filters.page, page_size=filters.page_size)
    return AreaInfectionPageOut(items=[infection_out(i) for i in page.items], **page_fields(page))


@router.get(
    "/{code}/history",
    response={200: RiskAreaEventPageOut, **ERRORS},
    summary="A risk area's history",
)
def risk_areas_history(
    request: HttpRequest, code: str, filters: Query[PageParams]
) -> RiskAreaEventPageOut:
    """Oldest first: designation, level changes, infections, resets, lifting."""
    area = access_risk_area(actor_of(request), code)
    page = paginate(risk_area_events(area), page=filters.page, page_size=filters.page_size)
    return RiskAreaEventPageOut(items=[event_out(e) for e in page.items], **page_fields(page))


@router.get(
    "/{code}/lifting",
    response={200: LiftingAssessmentOut, **ERRORS},
    summary="Where a risk area stands against its lifting rule",
)
def risk_areas_lifting(request: HttpRequest, code: str) -> LiftingAssessmentOut:
    """Days clean, the days the rule asks for, the next possible lifting date, the round over
    the area (all negative or not) and the conditions still unmet."""
    actor = actor_of(request)
    area = access_risk_area(actor, code)
    return assessment_out(risk_area_lifting_assess(actor=actor, area=area))
