"""Cases under ``/api/v1/cases``: one operation per workflow step. Cases are addressed by
their opaque code; a person is named only in a request body (``POST /cases``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.cases import presentation
from fangkong.cases.access import access_alert, access_case, access_visit, require_role
from fangkong.cases.alert_schemas import (
    AlertFilterIn,
    AlertPageOut,
    NoteIn,
    TimerAlertOut,
    alert_out,
)
from fangkong.cases.choices import (
    AlertState,
    CaseClassification,
    ExposureKind,
    HowFound,
    InvestigationStep,
    Outcome,
    Severity,
    Treatment,
    VisitSource,
)
from fangkong.cases.roles import (
    ALERT_ROLES,
    CASE_OPEN_ROLES,
    CASE_READ_ROLES,
    CLINICAL_ROLES,
    INVESTIGATION_ROLES,
)
from fangkong.cases.selectors import (
    CaseFilter,
    alert_list,
    case_events,
    case_exposures,
    case_list,
    case_visits,
)
from fangkong.cases.services import cases as services
from fangkong.cases.services import investigation, opening
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
from fangkong.people.access import access_person

router = Router(tags=["cases"])
PURPOSE = presentation.PURPOSE
CODE = Field(max_length=45, description="Person code")


class PersonSummaryOut(Schema):
    code: UUID
    name: str
    sex: str
    birth_date: date | None
    phone: str
    region_name: str


class TimerOut(Schema):
    step: str
    hours: int
    due_at: datetime
    met_at: datetime | None
    overdue: bool
    rule_set: str


class CaseOut(Schema):
    code: UUID
    episode: int
    classification: str
    how_found: str
    onset_date: date | None
    first_positive_on: date | None
    severity: str
    treatment: str
    outcome: str
    region_code: str
    opened_at: datetime
    closed_at: datetime | None
    investigator: str
    rule_set: str
    version: int
    person: PersonSummaryOut
    timers: list[TimerOut]
    tubes: list[str]


class CaseRowOut(Schema):
    code: UUID
    classification: str
    how_found: str
    person: PersonSummaryOut
    region_name: str
    opened_at: datetime
    closed_at: datetime | None
    first_positive_on: date | None


class CasePageOut(PageOut):
    items: list[CaseRowOut]
    next_cursor: str = Field(
        description="Pass as `after` with the next page number to seek straight to it "
        "(empty on the last page)"
    )


class CaseFilterIn(PageParams):
    classification: CaseClassification | None = None
    overdue: bool = False
    open: bool = False
    after: str | None = Field(
        None,
        max_length=40,
        description="The previous page's `next_cursor`: the page starts right after its "
        "last row (a cursor that does not parse pages by number)",
    )


class CaseOpenIn(Schema):
    person: str = CODE
    how_found: HowFound
    reason: str = Field(max_length=255)
    onset_date: EpidemicDate | None = None
    first_positive_on: EpidemicDate | None = None


class ClassifyIn(Schema):
    classification: CaseClassification
    reason: str = Field("", max_length=255)
    onset_date: EpidemicDate | None = None


class ClinicalIn(Schema):
    reason: str = Field("", max_length=255)
    severity: Severity | None = None
    treatment: Treatment | None = None
    outcome: Outcome | None = None


class VisitIn(Schema):
    place: str = Field(max_length=200)
    venue_code: str = Field("", max_length=40)
    started_at: ObservedAt
    ended_at: ObservedAt | None = None
    source: VisitSource


class VisitOut(Schema):
    code: UUID
    place: str
    venue_code: str
    started_at: datetime
    ended_at: datetime | None
    source: str
    added_by: str


class VisitPageOut(PageOut):
    case: UUID
    items: list[VisitOut]


class CaseReasonIn(Schema):
    reason: str = Field("", max_length=255)


class ExposureIn(Schema):
    kind: ExposureKind
    person: str = Field("", max_length=45, description="Person code (or a description)")
    description: str = Field("", max_length=255)
    exposed_on: EpidemicDate


class ExposureOut(Schema):
    code: UUID
    kind: str
    person: UUID | None
    person_name: str
    description: str
    exposed_on: date


class ExposurePageOut(PageOut):
    case: UUID
    items: list[ExposureOut]


class EventOut(Schema):
    kind: str
    at: datetime
    actor: str
    actor_role: str
    reason: str
    rule_set: str
    from_value: str
    to_value: str


class EventPageOut(PageOut):
    items: list[EventOut]


def _person_out(person: presentation.PersonSummary) -> PersonSummaryOut:
    return PersonSummaryOut(
        code=person.code,
        name=person.name,
        sex=person.sex_label,
        birth_date=person.birth_date,
        phone=person.phone,
        region_name=person.region_name,
    )


def case_out(card: presentation.CaseCard) -> CaseOut:
    return CaseOut(
        code=card.code,
        episode=card.episode,
        classification=card.classification,
        how_found=card.how_found,
        onset_date=card.onset_date,
        first_positive_on=card.first_positive_on,
        severity=card.severity,
        treatment=card.treatment,
        outcome=card.outcome,
        region_code=card.region_code,
        opened_at=card.opened_at,
        closed_at=card.closed_at,
        investigator=card.investigator,
        rule_set=card.rule_set,
        version=card.version,
        person=_person_out(card.person),
        timers=[
            TimerOut(
                step=t.step,
                hours=t.hours,
                due_at=t.due_at,
                met_at=t.met_at,
                overdue=t.overdue,
                rule_set=t.rule_set,
            )
            for t in card.timers
        ],
        tubes=card.tubes,
    )


def _visit_out(row: presentation.VisitRow) -> VisitOut:
    return VisitOut(
        code=row.code,
        place=row.place,
        venue_code=row.venue_code,
        started_at=row.started_at,
        ended_at=row.ended_at,
        source=row.source,
        added_by=row.added_by,
    )


def _exposure_out(row: presentation.ExposureRow) -> ExposureOut:
    return ExposureOut(
        code=row.code,
        kind=row.kind,
        person=row.person_code,
        person_name=row.person_name,
        description=row.description,
        exposed_on=row.exposed_on,
    )


# Alerts first: ``/alerts`` must not be taken for a case code.


@router.get("/alerts", response={200: AlertPageOut, **ERRORS}, summary="Timer alerts")
def alerts(request: HttpRequest, filters: Query[AlertFilterIn]) -> AlertPageOut:
    """Breached "2+4+24" timers of the cases in your jurisdiction (R18), newest first."""
    actor = actor_of(request)
    require_role(actor, CASE_READ_ROLES)
    page = alert_list(
        actor=actor, state=filters.state or "", page=filters.page, page_size=filters.page_size
    )
    return AlertPageOut(**page_fields(page), items=[alert_out(a) for a in page.items])


def _alert_handle(request: HttpRequest, code: str, to: str, payload: NoteIn) -> TimerAlertOut:
    actor = actor_of(request)
    alert = access_alert(actor, code, roles=ALERT_ROLES)
    alert = investigation.case_alert_handle(actor=actor, alert=alert, to=to, note=payload.note)
    return alert_out(access_alert(actor, alert.code, roles=ALERT_ROLES))


@router.post(
    "/alerts/{code}/acknowledge",
    response={200: TimerAlertOut, **WRITE_ERRORS},
    summary="Acknowledge",
)
def alert_acknowledge(request: HttpRequest, code: str, payload: NoteIn) -> TimerAlertOut:
    return _alert_handle(request, code, AlertState.ACKNOWLEDGED, payload)


@router.post("/alerts/{code}/close", response={200: TimerAlertOut, **WRITE_ERRORS}, summary="Close")
def alert_close(request: HttpRequest, code: str, payload: NoteIn) -> TimerAlertOut:
    return _alert_handle(request, code, AlertState.CLOSED, payload)


@router.get("", response={200: CasePageOut, **ERRORS}, summary="Cases")
def cases(request: HttpRequest, filters: Query[CaseFilterIn]) -> CasePageOut:
    """Cases in your jurisdiction, newest first; ``overdue``: a "2+4+24" step past due."""
    actor = actor_of(request)
    require_role(actor, CASE_READ_ROLES)
    page = case_list(
        actor=actor,
        filters=CaseFilter(
            classification=filters.classification or "",
            overdue=filters.overdue,
            open_only=filters.open,
        ),
        page=filters.page,
        page_size=filters.page_size,
        after=filters.after,
    )
    rows = presentation.case_rows(actor, page.items)
    return CasePageOut(
        **page_fields(page),
        next_cursor=page.next_cursor,
        items=[
            CaseRowOut(
                code=row.code,
                classification=row.classification,
                how_found=row.how_found,
                person=_person_out(row.person),
                region_name=row.region_name,
                opened_at=row.opened_at,
                closed_at=row.closed_at,
                first_positive_on=row.first_positive_on,
            )
            for row in rows
        ],
    )


@router.post(
    "",
    response={200: CaseOut, 201: CaseOut, **WRITE_ERRORS},
    summary="Open a case",
    description=(
        "By hand (fever clinic, key group, arrival, ...): suspected until classified; the "
        "person's open case is answered (200) if they have one. Lab findings open cases "
        "themselves (a positive single re-test, a positive antigen result)."
    ),
)
def case_create(
    request: HttpRequest, payload: CaseOpenIn, idempotency_key: IdempotencyKey = None
) -> Status[CaseOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, CASE_OPEN_ROLES)
        person = access_person(actor, payload.person, purpose=PURPOSE)
        case, created = opening.case_open(
            actor=actor,
            person=person,
            how_found=payload.how_found,
            reason=payload.reason,
            onset_date=payload.onset_date,
            first_positive_on=payload.first_positive_on,
        )
        card = presentation.case_card(actor, access_case(actor, case.code))
        return (201 if created else 200), case_out(card).model_dump(mode="json")

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="case_open",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, CaseOut(**body))


@router.get("/{code}", response={200: CaseOut, **ERRORS}, summary="A case")
def case_detail(request: HttpRequest, code: str) -> CaseOut:
    actor = actor_of(request)
    return case_out(presentation.case_card(actor, access_case(actor, code)))


@router.post("/{code}/classify", response={200: CaseOut, **WRITE_ERRORS}, summary="Classify")
def case_classify(request: HttpRequest, code: str, payload: ClassifyIn) -> CaseOut:
    """Governed: role, a reason, the rule set recorded; confirmed or asymptomatic only with a
    positive PCR result (an antigen result never confirms, R16: ``pcr_result_required``)."""
    actor = actor_of(request)
    case = access_case(actor, code)
    services.case_classify(
        actor=actor,
        case=case,
        classification=payload.classification,
        reason=payload.reason,
        onset_date=payload.onset_date,
    )
    return case_out(presentation.case_card(actor, access_case(actor, code)))


@router.post("/{code}/clinical", response={200: CaseOut, **WRITE_ERRORS}, summary="Clinical facts")
def case_clinical(request: HttpRequest, code: str, payload: ClinicalIn) -> CaseOut:
    """Severity, place of treatment, outcome (an outcome closes the case); with a reason."""
    actor = actor_of(request)
    case = access_case(actor, code)
    require_role(actor, CLINICAL_ROLES)
    services.case_clinical_update(
        actor=actor,
        case=case,
        reason=payload.reason,
        severity=payload.severity,
        treatment=payload.treatment,
        outcome=payload.outcome,
    )
    return case_out(presentation.case_card(actor, access_case(actor, code)))


@router.post("/{code}/take", response={200: CaseOut, **WRITE_ERRORS}, summary="Investigate")
def case_take(request: HttpRequest, code: str) -> CaseOut:
    """You become the case's investigator (and the owner of its open alerts)."""
    actor = actor_of(request)
    services.case_take(actor=actor, case=access_case(actor, code))
    return case_out(presentation.case_card(actor, access_case(actor, code)))


@router.post(
    "/{code}/steps/{step}/complete", response={200: CaseOut, **WRITE_ERRORS}, summary="Step done"
)
def step_complete(request: HttpRequest, code: str, step: InvestigationStep) -> CaseOut:
    """A "2+4+24" step done now (report, core facts, full); closes its alert."""
    actor = actor_of(request)
    investigation.investigation_step_complete(actor=actor, case=access_case(actor, code), step=step)
    return case_out(presentation.case_card(actor, access_case(actor, code)))


@router.get("/{code}/history", response={200: EventPageOut, **ERRORS}, summary="History")
def case_history(request: HttpRequest, code: str, filters: Query[PageParams]) -> EventPageOut:
    actor = actor_of(request)
    case = access_case(actor, code)
    page = case_events(case, page=filters.page, page_size=filters.page_size)
    return EventPageOut(
        **page_fields(page),
        items=[
            EventOut(**{k: getattr(r, k) for k in EventOut.model_fields})
            for r in presentation.event_rows(page.items)
        ],
    )


@router.get("/{code}/trajectory", response={200: VisitPageOut, **ERRORS}, summary="Trajectory")
def trajectory(request: HttpRequest, code: str, filters: Query[PageParams]) -> VisitPageOut:
    """The places the case was, in time order; the read is logged."""
    actor = actor_of(request)
    case = access_case(actor, code)
    page = case_visits(case, page=filters.page, page_size=filters.page_size)
    rows = presentation.visit_rows(actor, case, page.items)
    return VisitPageOut(**page_fields(page), case=case.code, items=[_visit_out(r) for r in rows])


@router.post("/{code}/trajectory", response={201: VisitOut, **WRITE_ERRORS}, summary="Add a visit")
def trajectory_add(
    request: HttpRequest, code: str, payload: VisitIn, idempotency_key: IdempotencyKey = None
) -> Status[VisitOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        case = access_case(actor, code, roles=INVESTIGATION_ROLES)
        visit = investigation.trajectory_visit_add(
            actor=actor,
            case=case,
            place=payload.place,
            venue_code=payload.venue_code,
            started_at=payload.started_at,
            ended_at=payload.ended_at,
            source=payload.source,
        )
        (row,) = presentation.visit_rows(actor, case, [visit])
        return 201, _visit_out(row).model_dump(mode="json")

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation=f"trajectory_visit_add:{code}",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, VisitOut(**body))


@router.post(
    "/{code}/trajectory/{visit}/remove",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a visit",
)
def trajectory_remove(
    request: HttpRequest, code: str, visit: str, payload: CaseReasonIn
) -> Status[None]:
    actor = actor_of(request)
    case = access_case(actor, code, roles=INVESTIGATION_ROLES)
    investigation.trajectory_visit_remove(
        actor=actor, case=case, visit=access_visit(case, visit), reason=payload.reason
    )
    return Status(204, None)


@router.get("/{code}/exposures", response={200: ExposurePageOut, **ERRORS}, summary="Exposures")
def exposures(request: HttpRequest, code: str, filters: Query[PageParams]) -> ExposurePageOut:
    actor = actor_of(request)
    case = access_case(actor, code)
    page = case_exposures(case, page=filters.page, page_size=filters.page_size)
    rows = presentation.exposure_rows(actor, case, page.items)
    return ExposurePageOut(
        **page_fields(page), case=case.code, items=[_exposure_out(r) for r in rows]
    )


@router.post(
    "/{code}/exposures", response={201: ExposureOut, **WRITE_ERRORS}, summary="Add an exposure"
)
def exposure_create(
    request: HttpRequest, code: str, payload: ExposureIn, idempotency_key: IdempotencyKey = None
) -> Status[ExposureOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        case = access_case(actor, code, roles=INVESTIGATION_ROLES)
        person = access_person(actor, payload.person, purpose=PURPOSE) if payload.person else None
        exposure = investigation.exposure_add(
            actor=actor,
            case=case,
            kind=payload.kind,
            person=person,
            description=payload.description,
            exposed_on=payload.exposed_on,
        )
        (row,) = presentation.exposure_rows(actor, case, [exposure])
        return 201, _exposure_out(row).model_dump(mode="json")

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation=f"exposure_add:{code}",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, ExposureOut(**body))
