"""What an actor is shown of a case, its trajectory and exposures, and the access rows those
reads write: the one place for the API, the pages and any export.

Every function here that hands out a case's person (name, code, phone as the role may see it)
or the places the person was writes one access row (purpose: investigation) naming every
person shown; callers have already checked that the actor may see the case
(``access_case``, ``selectors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.choices import (
    CaseClassification,
    ExposureKind,
    HowFound,
    InvestigationStep,
    Outcome,
    Severity,
    Treatment,
    VisitSource,
)
from fangkong.cases.models import (
    Case,
    CaseEvent,
    CaseTube,
    Exposure,
    InvestigationTimer,
    TrajectoryVisit,
)
from fangkong.cases.selectors import case_timers
from fangkong.cases.services.opening import BEFORE_IMPORT
from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.people.choices import Sex
from fangkong.people.presentation import phone_for

PURPOSE = "investigation"


@dataclass(frozen=True)
class PersonSummary:
    code: UUID
    name: str
    sex_label: str
    birth_date: date | None
    phone: str
    region_name: str


@dataclass(frozen=True)
class TimerCard:
    step: str
    step_label: str
    hours: int
    due_at: datetime
    met_at: datetime | None
    overdue: bool
    rule_set: str
    #: Why a step counts as done without being done here (an imported case's past steps).
    note_label: str = ""

    @property
    def seconds_left(self) -> int:
        return int((self.due_at - timezone.now()).total_seconds())


@dataclass(frozen=True)
class CaseRow:
    code: UUID
    classification: str
    classification_label: str
    how_found: str
    how_found_label: str
    person: PersonSummary
    region_name: str
    opened_at: datetime
    closed_at: datetime | None
    first_positive_on: date | None


@dataclass(frozen=True)
class CaseCard:
    code: UUID
    episode: int
    classification: str
    classification_label: str
    how_found: str
    how_found_label: str
    onset_date: date | None
    first_positive_on: date | None
    severity: str
    severity_label: str
    treatment: str
    treatment_label: str
    outcome: str
    outcome_label: str
    region_code: str
    region_name: str
    opened_at: datetime
    closed_at: datetime | None
    investigator: str
    rule_set: str
    version: int
    antigen_only: bool
    person: PersonSummary
    timers: list[TimerCard]
    tubes: list[str]
    #: The direct reporting system's report card number of an imported case.
    report_card: str = ""


@dataclass(frozen=True)
class VisitRow:
    code: UUID
    place: str
    venue_code: str
    started_at: datetime
    ended_at: datetime | None
    source: str
    source_label: str
    added_by: str


@dataclass(frozen=True)
class ExposureRow:
    code: UUID
    kind: str
    kind_label: str
    person_code: UUID | None
    person_name: str
    description: str
    exposed_on: date


@dataclass(frozen=True)
class EventRow:
    kind: str
    kind_label: str
    at: datetime
    actor: str
    actor_role: str
    reason: str
    rule_set: str
    from_value: str
    to_value: str


def _log(actor: AnyActor, action: str, codes: Sequence[UUID]) -> None:
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action=action,
        subject_type="person",
        subject_ids=sorted({str(code) for code in codes}),
    )


def _person(actor: AnyActor, case: Case) -> PersonSummary:
    person = case.person
    return PersonSummary(
        code=person.code,
        name=person.name,
        sex_label=str(Sex(person.sex).label),
        birth_date=person.birth_date,
        phone=phone_for(actor, person.phone),
        region_name=case.region.name,
    )


def timer_card(timer: InvestigationTimer) -> TimerCard:
    now = timezone.now()
    return TimerCard(
        step=timer.step,
        step_label=str(InvestigationStep(timer.step).label),
        hours=timer.hours,
        due_at=timer.due_at,
        met_at=timer.met_at,
        overdue=timer.met_at is None and timer.due_at < now,
        rule_set=timer.rule_set,
        note_label=_("Investigated before import") if timer.note == BEFORE_IMPORT else timer.note,
    )


def case_rows(actor: AnyActor, cases: Sequence[Case]) -> list[CaseRow]:
    """A page of cases (person and node loaded) as list rows; one access row for the page."""
    rows = [
        CaseRow(
            code=case.code,
            classification=case.classification,
            classification_label=str(CaseClassification(case.classification).label),
            how_found=case.how_found,
            how_found_label=str(HowFound(case.how_found).label),
            person=_person(actor, case),
            region_name=case.region.name,
            opened_at=case.opened_at,
            closed_at=case.closed_at,
            first_positive_on=case.first_positive_on,
        )
        for case in cases
    ]
    _log(actor, "case_list", [row.person.code for row in rows])
    return rows


def case_card(actor: AnyActor, case: Case) -> CaseCard:
    """One case for its page or the API (three queries: timers, tubes; the access row)."""
    tubes = list(
        CaseTube.objects.filter(case=case)
        .order_by("linked_at", "id")
        .values_list("tube__barcode", flat=True)
    )
    investigator = case.investigator
    card = CaseCard(
        code=case.code,
        episode=case.episode,
        classification=case.classification,
        classification_label=str(CaseClassification(case.classification).label),
        how_found=case.how_found,
        how_found_label=str(HowFound(case.how_found).label),
        onset_date=case.onset_date,
        first_positive_on=case.first_positive_on,
        severity=case.severity,
        severity_label=str(Severity(case.severity).label),
        treatment=case.treatment,
        treatment_label=str(Treatment(case.treatment).label),
        outcome=case.outcome,
        outcome_label=str(Outcome(case.outcome).label),
        region_code=case.region.code,
        region_name=case.region.name,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        investigator=investigator.username if investigator is not None else "",
        rule_set=case.rule_set,
        version=case.version,
        antigen_only=case.antigen_test_id is not None and not tubes,
        person=_person(actor, case),
        timers=[timer_card(timer) for timer in case_timers(case)],
        tubes=tubes,
        report_card=case.report_card,
    )
    _log(actor, "case_read", [case.person.code])
    return card


def visit_rows(actor: AnyActor, case: Case, visits: Sequence[TrajectoryVisit]) -> list[VisitRow]:
    """Trajectory visits of ``case``: where its person was, so the read is logged against
    the person (also for an empty page: the actor looked)."""
    rows = [
        VisitRow(
            code=visit.code,
            place=visit.place,
            venue_code=visit.venue_code,
            started_at=visit.started_at,
            ended_at=visit.ended_at,
            source=visit.source,
            source_label=str(VisitSource(visit.source).label),
            added_by=visit.added_by,
        )
        for visit in visits
    ]
    _log(actor, "case_trajectory_read", [case.person.code])
    return rows


def exposure_rows(actor: AnyActor, case: Case, exposures: Sequence[Exposure]) -> list[ExposureRow]:
    """Exposures of ``case`` (persons loaded): the case's person and each exposed person
    shown are logged."""
    rows = [
        ExposureRow(
            code=exposure.code,
            kind=exposure.kind,
            kind_label=str(ExposureKind(exposure.kind).label),
            person_code=exposure.person.code if exposure.person else None,
            person_name=exposure.person.name if exposure.person else "",
            description=exposure.description,
            exposed_on=exposure.exposed_on,
        )
        for exposure in exposures
    ]
    _log(
        actor,
        "case_exposures_read",
        [case.person.code, *(row.person_code for row in rows if row.person_code)],
    )
    return rows


def event_rows(events: Sequence[CaseEvent]) -> list[EventRow]:
    """History rows: codes and choice values only, no personal data."""
    return [
        EventRow(
            kind=event.kind,
            kind_label=event.get_kind_display(),
            at=event.at,
            actor=event.actor,
            actor_role=event.actor_role,
            reason=event.reason,
            rule_set=event.rule_set,
            from_value=event.from_value,
            to_value=event.to_value,
        )
        for event in events
    ]
