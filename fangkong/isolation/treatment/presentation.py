"""What an actor is shown of admitted patients: the one place for the API and the clinician
page. Every function that hands out a patient (person code and name) writes one access row
(purpose: care) naming every person shown; callers have checked the actor may see them
(``access_admission``, ``selectors``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone

from fangkong.cases.choices import Severity
from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.isolation.choices import (
    AdmissionStatus,
    FacilityKind,
    ResultSource,
    TreatmentTestStatus,
)
from fangkong.isolation.models import Admission, TreatmentTest
from fangkong.isolation.treatment.discharge import discharge_blockers, discharge_day
from fangkong.people.presentation import shows_persons
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for

PURPOSE = "care"


@dataclass(frozen=True)
class TestRow:
    code: UUID
    sampled_at: datetime
    status: str
    status_label: str
    ct_n: float | None
    ct_orf1ab: float | None
    #: ``lab`` (result and Ct values read from the lab's tube) or ``manual`` (outside lab).
    source: str
    source_label: str


@dataclass(frozen=True)
class PatientRow:
    """One admitted (or discharged) patient with the discharge judgement of the rules in
    force at the site: ``eligible`` and the codes of what still blocks it."""

    code: UUID
    case_code: UUID
    person_code: UUID
    person_name: str
    facility_code: UUID
    facility_name: str
    level: str
    level_label: str
    room_number: str
    severity: str
    severity_label: str
    status: str
    status_label: str
    isolated_since: date
    discharge_from: date | None
    admitted_at: datetime
    rule_set: str
    tests: list[TestRow]
    eligible: bool
    blockers: list[str]
    monitoring_order: UUID | None


def _test_row(test: TreatmentTest) -> TestRow:
    return TestRow(
        code=test.code,
        sampled_at=test.sampled_at,
        status=test.status,
        status_label=str(TreatmentTestStatus(test.status).label),
        ct_n=test.ct_n,
        ct_orf1ab=test.ct_orf1ab,
        source=test.source,
        source_label=str(ResultSource(test.source).label),
    )


def _row(admission: Admission, tests: list[TreatmentTest], rules: EffectiveRules) -> PatientRow:
    positives = rules.parameters.positives
    blockers = discharge_blockers(
        positives=positives,
        isolated_since=admission.isolated_since,
        tests=tests,
        today=timezone.localdate(),
    )
    admitted = admission.status == AdmissionStatus.ADMITTED
    return PatientRow(
        code=admission.code,
        case_code=admission.case.code,
        person_code=admission.person.code,
        person_name=admission.person.name,
        facility_code=admission.facility.code,
        facility_name=admission.facility.name,
        level=admission.facility.kind,
        level_label=str(FacilityKind(admission.facility.kind).label),
        room_number=admission.room.number,
        severity=admission.case.severity,
        severity_label=str(Severity(admission.case.severity).label),
        status=admission.status,
        status_label=str(AdmissionStatus(admission.status).label),
        isolated_since=admission.isolated_since,
        discharge_from=(discharge_day(admission.isolated_since, positives) if positives else None),
        admitted_at=admission.admitted_at,
        rule_set=rules.label,
        tests=[_test_row(test) for test in tests],
        eligible=admitted and not blockers,
        blockers=sorted({str(error["code"]) for error in blockers}) if admitted else [],
        monitoring_order=admission.monitoring_order.code if admission.monitoring_order else None,
    )


def patient_rows(
    actor: AnyActor,
    admissions: Sequence[Admission],
    tests: dict[int, list[TreatmentTest]],
) -> list[PatientRow]:
    """Rows of a page of admissions (loaded by the caller's selector, with their tests in one
    query); the rules are read once per node; one access row for the persons shown. An actor
    who sees no persons gets no rows."""
    if not shows_persons(actor):
        return []
    today = timezone.localdate()
    rules: dict[int, EffectiveRules] = {}
    rows = []
    for admission in admissions:
        if admission.region_id not in rules:
            rules[admission.region_id] = rules_for(admission.region, today)
        rows.append(_row(admission, tests.get(admission.pk, []), rules[admission.region_id]))
    if rows:
        access_record(
            actor=actor,
            purpose=PURPOSE,
            action="patient_list",
            subject_type="person",
            subject_ids=sorted({str(row.person_code) for row in rows}),
        )
    return rows
