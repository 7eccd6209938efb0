"""Treatment endpoints under ``/api/v1/isolation/treatment``: admissions to beds, severity,
transfers between levels of care, tests with Ct values, discharge, and the capacity and
occupancy of the actor's sites. Patients are shown through ``presentation`` (logged)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.cases.access import access_case
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
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
from fangkong.isolation.checks import require_role
from fangkong.isolation.treatment.access import (
    access_admission,
    access_bed,
    access_treatment_test,
)
from fangkong.isolation.treatment.presentation import PatientRow, patient_rows
from fangkong.isolation.treatment.roles import (
    CAPACITY_ROLES,
    TREATMENT_READ_ROLES,
    TREATMENT_WRITE_ROLES,
)
from fangkong.isolation.treatment.selectors import (
    Capacity,
    admission_list,
    admission_tests,
    capacity_report,
)
from fangkong.isolation.treatment.services import (
    admission_admit,
    admission_discharge,
    admission_severity_change,
    admission_transfer,
    treatment_test_add,
    treatment_test_result,
    treatment_test_to_lab,
)

router = Router(tags=["treatment"])
CODE = r"^[0-9a-fA-F-]{32,36}$"


class AdmissionFilters(PageParams):
    status: Literal["", "admitted", "discharged"] = "admitted"


class AdmitIn(Schema):
    case: str = Field(pattern=CODE)
    facility: str = Field(pattern=CODE)
    room: str = Field(min_length=1, max_length=20)
    isolated_since: EpidemicDate | None = None
    reason: str = Field(max_length=255)


class SeverityIn(Schema):
    severity: Literal["mild", "moderate", "severe", "critical"]
    reason: str = Field(max_length=255)


class TransferIn(Schema):
    facility: str = Field(pattern=CODE)
    room: str = Field(min_length=1, max_length=20)
    reason: str = Field(max_length=255)


class TestIn(Schema):
    sampled_at: ObservedAt


class TreatmentTestResultIn(Schema):
    result: Literal["negative", "positive"]
    ct_n: float | None = Field(None, gt=0, le=45)
    ct_orf1ab: float | None = Field(None, gt=0, le=45)


class DischargeIn(Schema):
    reason: str = Field(max_length=255)


class TreatmentTestOut(Schema):
    code: UUID
    sampled_at: datetime
    status: str
    ct_n: float | None
    ct_orf1ab: float | None
    #: ``lab``: sampled through the platform's lab, result and Ct read from the tube;
    #: ``manual``: a lab outside the platform, entered by hand.
    source: str


class PatientOut(Schema):
    code: UUID
    case_code: UUID
    person_code: UUID
    person_name: str
    facility_code: UUID
    facility_name: str
    level: str
    room_number: str
    severity: str
    status: str
    isolated_since: date
    discharge_from: date | None
    admitted_at: datetime
    rule_set: str
    tests: list[TreatmentTestOut]
    eligible: bool
    blockers: list[str]
    monitoring_order: UUID | None


class PatientPageOut(PageOut):
    items: list[PatientOut]


class CapacityOut(Schema):
    name: str
    kind: str
    sites: int
    rooms_total: int
    rooms_occupied: int
    rooms_free: int
    rooms_out_of_use: int
    beds_total: int
    beds_occupied: int
    beds_free: int


class CapacityReportOut(Schema):
    sites: list[CapacityOut]
    districts: list[CapacityOut]
    total: CapacityOut


def _out(row: PatientRow) -> PatientOut:
    data = {name: getattr(row, name) for name in PatientOut.model_fields if name != "tests"}
    tests = [
        TreatmentTestOut(**{n: getattr(t, n) for n in TreatmentTestOut.model_fields})
        for t in row.tests
    ]
    return PatientOut(**data, tests=tests)


def _patient(request: HttpRequest, code: object) -> PatientOut:
    actor = actor_of(request)
    admission = access_admission(actor, code)
    rows = patient_rows(actor, [admission], admission_tests([admission]))
    return _out(rows[0])


@router.get("/admissions", response={200: PatientPageOut, **ERRORS}, summary="Patients")
def admissions_list(request: HttpRequest, filters: Query[AdmissionFilters]) -> PatientPageOut:
    """Patients in the actor's sites with severity, tests (Ct values) and whether the rules
    in force allow discharge today (and what blocks it); each person shown is logged."""
    actor = actor_of(request)
    require_role(actor, TREATMENT_READ_ROLES)
    page = paginate(
        admission_list(actor=actor, status=filters.status),
        page=filters.page,
        page_size=filters.page_size,
    )
    rows = patient_rows(actor, page.items, admission_tests(page.items))
    return PatientPageOut(items=[_out(row) for row in rows], **page_fields(page))


@router.post(
    "/admissions",
    response={201: PatientOut, **WRITE_ERRORS},
    summary="Admit a positive case's person to a bed (idempotent with a key)",
    description=(
        "The bed is a room of a designated or Fangcang hospital; a full room is refused "
        "(`room_full`, 409). `isolated_since` is isolation day 0 (today when omitted)."
    ),
)
def admissions_admit(
    request: HttpRequest, payload: AdmitIn, idempotency_key: IdempotencyKey = None
) -> Status[PatientOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        case = access_case(actor, payload.case, roles=TREATMENT_WRITE_ROLES)
        room = access_bed(actor, payload.facility, payload.room, roles=TREATMENT_WRITE_ROLES)
        admission = admission_admit(
            actor=actor,
            case=case,
            room=room,
            isolated_since=payload.isolated_since,
            reason=payload.reason,
        )
        return 201, {"code": str(admission.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="admission_admit",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _patient(request, body["code"]))


@router.get("/admissions/{code}", response={200: PatientOut, **ERRORS}, summary="One patient")
def admissions_get(request: HttpRequest, code: str) -> PatientOut:
    return _patient(request, code)


@router.post(
    "/admissions/{code}/severity",
    response={200: PatientOut, **WRITE_ERRORS},
    summary="Record the patient's severity (on the case)",
)
def admissions_severity(request: HttpRequest, code: str, payload: SeverityIn) -> PatientOut:
    actor = actor_of(request)
    admission = access_admission(actor, code, roles=TREATMENT_WRITE_ROLES)
    admission_severity_change(
        actor=actor, admission=admission, severity=payload.severity, reason=payload.reason
    )
    return _patient(request, code)


@router.post(
    "/admissions/{code}/transfer",
    response={200: PatientOut, **WRITE_ERRORS},
    summary="Transfer the patient to another bed or level of care",
)
def admissions_transfer(request: HttpRequest, code: str, payload: TransferIn) -> PatientOut:
    actor = actor_of(request)
    admission = access_admission(actor, code, roles=TREATMENT_WRITE_ROLES)
    room = access_bed(actor, payload.facility, payload.room, roles=TREATMENT_WRITE_ROLES)
    admission_transfer(actor=actor, admission=admission, room=room, reason=payload.reason)
    return _patient(request, code)


@router.post(
    "/admissions/{code}/tests",
    response={200: PatientOut, **WRITE_ERRORS},
    summary="Record a sampled test (pending until its result)",
)
def admissions_test_add(request: HttpRequest, code: str, payload: TestIn) -> PatientOut:
    actor = actor_of(request)
    admission = access_admission(actor, code, roles=TREATMENT_WRITE_ROLES)
    treatment_test_add(actor=actor, admission=admission, sampled_at=payload.sampled_at)
    return _patient(request, code)


@router.post(
    "/admissions/{code}/lab-tests",
    response={200: PatientOut, **WRITE_ERRORS},
    summary="Ask the lab for a release test (result and Ct values from the tube)",
)
def admissions_lab_test(request: HttpRequest, code: str) -> PatientOut:
    actor = actor_of(request)
    admission = access_admission(actor, code, roles=TREATMENT_WRITE_ROLES)
    treatment_test_to_lab(actor=actor, admission=admission)
    return _patient(request, code)


@router.post(
    "/admissions/{code}/tests/{test}/result",
    response={200: PatientOut, **WRITE_ERRORS},
    summary="Record a test's result with the Ct values of N and ORF1ab",
)
def admissions_test_result(
    request: HttpRequest, code: str, test: str, payload: TreatmentTestResultIn
) -> PatientOut:
    actor = actor_of(request)
    admission = access_admission(actor, code, roles=TREATMENT_WRITE_ROLES)
    found = access_treatment_test(admission, test)
    treatment_test_result(
        actor=actor,
        test=found,
        result=payload.result,
        ct_n=payload.ct_n,
        ct_orf1ab=payload.ct_orf1ab,
    )
    return _patient(request, code)


@router.post(
    "/admissions/{code}/discharge",
    response={200: PatientOut, **WRITE_ERRORS},
    summary="Discharge the patient",
    description=(
        "Refused with `discharge_conditions_unmet` (422) naming each blocker of the rule "
        "set's `positives`: the day count, pending tests, the latest tests' Ct of N and "
        "ORF1ab below the threshold, tests sampled too close together."
    ),
)
def admissions_discharge(request: HttpRequest, code: str, payload: DischargeIn) -> PatientOut:
    actor = actor_of(request)
    admission = access_admission(actor, code, roles=TREATMENT_WRITE_ROLES)
    admission_discharge(actor=actor, admission=admission, reason=payload.reason)
    return _patient(request, code)


def _capacity(item: Capacity) -> CapacityOut:
    return CapacityOut(
        **{n: getattr(item, n) for n in CapacityOut.model_fields if n != "rooms_out_of_use"},
        rooms_out_of_use=item.rooms_out_of_use,
    )


@router.get(
    "/capacity",
    response={200: CapacityReportOut, **ERRORS},
    summary="Rooms and beds total, occupied and free per site and per district",
)
def capacity_get(request: HttpRequest) -> CapacityReportOut:
    actor = actor_of(request)
    require_role(actor, CAPACITY_ROLES)
    report = capacity_report(actor=actor)
    return CapacityReportOut(
        sites=[_capacity(item) for item in report.sites],
        districts=[_capacity(item) for item in report.districts],
        total=_capacity(report.total),
    )
