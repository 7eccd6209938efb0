"""Opening cases from the lab chain, governed classification, clinical facts, the
investigation and its timers, through the services (and the database they leave)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.cases.choices import AlertState, CaseClassification, CaseEventKind, HowFound
from fangkong.cases.models import Case, CaseAlert, CaseEvent, CaseTube, InvestigationTimer
from fangkong.cases.services.cases import case_classify, case_clinical_update, case_take
from fangkong.cases.services.investigation import (
    investigation_step_complete,
    investigation_timers_check,
    trajectory_visit_add,
    trajectory_visit_remove,
)
from fangkong.cases.services.opening import case_open
from fangkong.cases.tests.factories import (
    case_from_retest,
    outbreak_make,
    pooled_positive,
    results,
    retests_bind,
)
from fangkong.core.errors import Conflict, FangkongError, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.lab.obligations.services import antigen_record
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.transport.services import package_receive

pytestmark = pytest.mark.django_db


def test_a_pooled_positive_member_found_on_re_test_opens_exactly_one_case(tree):
    o = outbreak_make(tree)
    case = case_from_retest(o)
    assert Case.objects.count() == 1
    assert case.how_found == HowFound.POOLED_RETEST
    assert case.classification == CaseClassification.SUSPECTED
    assert case.first_positive_on == timezone.localdate()
    assert case.region_id == o.s.people[1].region_id
    assert set(CaseTube.objects.filter(case=case).values_list("tube__barcode", flat=True)) == {
        "T0001",
        "R0001",
    }
    # the "2+4+24" timers of the 9th edition, from the moment the case was opened
    timers = {t.step: t for t in InvestigationTimer.objects.filter(case=case)}
    assert {
        s: round((t.due_at - case.opened_at).total_seconds() / 3600) for s, t in timers.items()
    } == {
        "report": 2,
        "core_facts": 4,
        "full": 24,
    }
    assert {t.rule_set for t in timers.values()} == {"nhc-9@r1"}
    opened = CaseEvent.objects.get(case=case, kind=CaseEventKind.OPENED)
    assert (opened.actor, opened.rule_set, opened.to_value) == (
        o.s.technician.username,
        "nhc-9@r1",
        "suspected",
    )
    assert AuditEntry.objects.filter(action="case_open", object_id=str(case.code)).count() == 1


def test_the_same_result_file_applied_twice_opens_nothing_more(tree):
    o = outbreak_make(tree)
    pooled_positive(o, "T0001", o.s.ids[:3])
    barcodes = retests_bind(o, "R", o.s.ids[:3])
    rows = {b: ("positive" if i == 1 else "negative") for i, b in enumerate(barcodes)}
    first = results(o, rows)
    again = results(o, rows)
    assert len(first.applied) == 3
    assert again.applied == []
    assert sorted(again.unchanged) == sorted(barcodes)
    assert Case.objects.count() == 1
    assert CaseTube.objects.count() == 2
    assert CaseEvent.objects.filter(kind=CaseEventKind.OPENED).count() == 1


def test_a_second_finding_joins_the_open_case(tree):
    o = outbreak_make(tree)
    case = case_from_retest(o)
    opened, created = case_open(
        actor=o.epidemiologist,
        person=o.s.people[1],
        how_found=HowFound.FEVER_CLINIC,
        reason="fever clinic",
        first_positive_on=timezone.localdate() - timedelta(days=1),
    )
    assert (opened.pk, created) == (case.pk, False)
    case.refresh_from_db()
    assert case.first_positive_on == timezone.localdate() - timedelta(days=1)
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.FINDING).count() == 1


def test_a_single_person_screening_tube_positive_opens_a_screening_case(tree):
    o = outbreak_make(tree)
    s = o.s
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode="T0009", members=[MemberInput(id_number=s.ids[4])]),
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["T0009"])
    results(o, {"T0009": "positive"})
    case = Case.objects.get(person=s.people[4])
    assert case.how_found == HowFound.SCREENING
    assert list(CaseTube.objects.filter(case=case).values_list("tube__barcode", flat=True)) == [
        "T0009"
    ]


def test_an_antigen_positive_opens_a_suspected_case_that_cannot_be_confirmed(tree):
    o = outbreak_make(tree)
    person = o.s.people[4]
    antigen_record(
        actor=o.clinician,
        person=person,
        source="clinic",
        result="positive",
        tested_at=timezone.now() - timedelta(hours=1),
    )
    case = Case.objects.get(person=person)
    assert case.classification == CaseClassification.SUSPECTED
    assert case.how_found == HowFound.ANTIGEN
    assert case.antigen_test_id is not None
    with pytest.raises(FangkongError) as refused:
        case_classify(
            actor=o.epidemiologist,
            case=case,
            classification="confirmed",
            reason="antigen positive, fever",
            onset_date=timezone.localdate(),
        )
    assert refused.value.code == "pcr_result_required"
    assert "antigen" in refused.value.message
    assert refused.value.detail["errors"][0]["field"] == "classification"
    case.refresh_from_db()
    assert case.classification == CaseClassification.SUSPECTED
    # a negative antigen result opens nothing
    antigen_record(
        actor=o.clinician,
        person=o.s.people[5],
        source="clinic",
        result="negative",
        tested_at=timezone.now() - timedelta(hours=1),
    )
    assert not Case.objects.filter(person=o.s.people[5]).exists()


def test_classification_is_governed(tree):
    o = outbreak_make(tree)
    case = case_from_retest(o)
    with pytest.raises(ValidationFailed) as missing:
        case_classify(actor=o.epidemiologist, case=case, classification="asymptomatic", reason=" ")
    assert missing.value.errors[0]["field"] == "reason"
    with pytest.raises(PermissionDenied):
        case_classify(actor=o.grid, case=case, classification="asymptomatic", reason="PCR")
    with pytest.raises(ValidationFailed) as no_onset:
        case_classify(actor=o.epidemiologist, case=case, classification="confirmed", reason="PCR")
    assert no_onset.value.errors[0]["field"] == "onset_date"
    case_classify(actor=o.epidemiologist, case=case, classification="asymptomatic", reason="PCR+")
    with pytest.raises(Conflict) as backwards:
        case_classify(actor=o.epidemiologist, case=case, classification="suspected", reason="x")
    assert backwards.value.code == "classification_not_allowed"
    case_classify(
        actor=o.clinician,
        case=case,
        classification="confirmed",
        reason="fever from day 2",
        onset_date=timezone.localdate(),
    )
    events = list(CaseEvent.objects.filter(case=case, kind=CaseEventKind.CLASSIFIED).order_by("id"))
    assert [(e.from_value, e.to_value, e.reason, e.rule_set) for e in events] == [
        ("suspected", "asymptomatic", "PCR+", "nhc-9@r1"),
        ("asymptomatic", "confirmed", "fever from day 2", "nhc-9@r1"),
    ]
    assert [e.actor for e in events] == [o.epidemiologist.username, o.clinician.username]
    audit = AuditEntry.objects.filter(action="case_classify", object_id=str(case.code))
    assert {(a.reason, a.rule_set) for a in audit} == {
        ("PCR+", "nhc-9@r1"),
        ("fever from day 2", "nhc-9@r1"),
    }


def test_an_outcome_closes_the_case_and_a_new_episode_can_open(tree):
    o = outbreak_make(tree)
    case = case_from_retest(o)
    with pytest.raises(Conflict):
        case_clinical_update(actor=o.clinician, case=case, reason="x", outcome="recovered")
    case_classify(actor=o.epidemiologist, case=case, classification="asymptomatic", reason="PCR")
    case_clinical_update(
        actor=o.clinician, case=case, reason="admitted", severity="mild", treatment="makeshift"
    )
    case_clinical_update(actor=o.clinician, case=case, reason="two negatives", outcome="recovered")
    case.refresh_from_db()
    assert case.closed_at is not None
    assert case.outcome == "recovered"
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"severity", "treatment", "outcome"} <= kinds
    again, created = case_open(
        actor=o.epidemiologist, person=case.person, how_found="fever_clinic", reason="reinfection"
    )
    assert created
    assert again.episode == 2


def test_a_breached_timer_raises_one_alert_owned_by_the_district_duty_role(tree):
    o = outbreak_make(tree)
    case = case_from_retest(o)
    investigation_step_complete(actor=o.epidemiologist, case=case, step="report")
    assert investigation_timers_check() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=5), tick=False):
        assert investigation_timers_check() == 1  # core facts (4 h); the report was on time
        assert investigation_timers_check() == 0  # once per breach
    alert = CaseAlert.objects.get()
    assert alert.timer.step == "core_facts"
    assert alert.state == AlertState.OPEN
    assert (alert.owner_id, alert.owner_role, alert.owner_region_id) == (
        None,
        "epidemiologist",
        tree["district_a"].id,
    )
    assert AuditEntry.objects.filter(action="case_alert_raise").count() == 1
    # the investigator takes the case: the alert is theirs; doing the step closes it
    case_take(actor=o.epidemiologist, case=case)
    alert.refresh_from_db()
    assert alert.owner_id == o.epidemiologist.user_id
    investigation_step_complete(actor=o.epidemiologist, case=case, step="core_facts")
    alert.refresh_from_db()
    assert alert.state == AlertState.CLOSED
    with time_machine.travel(timezone.now() + timedelta(hours=30), tick=False):
        assert investigation_timers_check() == 1  # the full investigation, owned by them
    assert CaseAlert.objects.get(timer__step="full").owner_id == o.epidemiologist.user_id


def test_trajectory_visits_are_checked_and_removed_with_a_reason(tree):
    o = outbreak_make(tree)
    case = case_from_retest(o)
    now = timezone.now()
    with pytest.raises(ValidationFailed) as bad:
        trajectory_visit_add(
            actor=o.epidemiologist,
            case=case,
            place="",
            started_at=now,
            ended_at=now - timedelta(hours=1),
            source="rumour",
            venue_code="bad code!",
        )
    assert {e["field"] for e in bad.value.errors} == {"place", "venue_code", "ended_at", "source"}
    visit = trajectory_visit_add(
        actor=o.epidemiologist,
        case=case,
        place="家乐福超市",
        venue_code="v-123",
        started_at=now - timedelta(days=1),
        ended_at=now - timedelta(days=1) + timedelta(minutes=40),
        source="venue_scans",
    )
    assert visit.venue_code == "V-123"
    with pytest.raises(ValidationFailed):
        trajectory_visit_remove(actor=o.epidemiologist, case=case, visit=visit, reason="")
    trajectory_visit_remove(actor=o.epidemiologist, case=case, visit=visit, reason="wrong day")
    visit.refresh_from_db()
    assert visit.removed_reason == "wrong day"
    assert {"visit_added", "visit_removed"} <= set(CaseEvent.objects.values_list("kind", flat=True))


def test_a_case_opened_meanwhile_by_another_writer_is_joined_not_duplicated(tree, monkeypatch):
    """Two lab writers finding the same person: the one whose insert meets the other's case
    (the one-open-case constraint) keeps nothing of its batch and joins case by case."""
    from fangkong.cases.services import opening as services

    o = outbreak_make(tree)
    real = services._cases_create
    calls: list[int] = []

    def raced(actor, openings):
        calls.append(len(openings))
        if len(calls) == 1:
            real(actor, openings)  # the other writer, a moment earlier
            return real(actor, openings)  # ours, on the constraint: None
        return real(actor, openings)

    monkeypatch.setattr(services, "_cases_create", raced)
    case = case_from_retest(o)
    assert calls == [1]
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind=CaseEventKind.OPENED).count() == 1
    assert set(CaseTube.objects.filter(case=case).values_list("tube__barcode", flat=True)) == {
        "T0001",
        "R0001",
    }


def test_cases_opened_by_one_result_file_take_the_same_statements_for_one_or_many(tree):
    """The findings of a file open their cases together: three positives cost the statements
    of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    o = outbreak_make(tree, residents=12)
    pooled_positive(o, "T0001", o.s.ids[:4])
    pooled_positive(o, "T0002", o.s.ids[4:8])
    pooled_positive(o, "T0003", o.s.ids[8:12])
    results(o, {retests_bind(o, "Q", o.s.ids[8:9])[0]: "positive"})  # the rules now kept
    first = retests_bind(o, "R", o.s.ids[:4])
    second = retests_bind(o, "S", o.s.ids[4:8])
    counts = []
    for barcodes, positives in ((first, {0}), (second, {0, 1, 2})):
        rows = {b: ("positive" if i in positives else "negative") for i, b in enumerate(barcodes)}
        with CaptureQueriesContext(connection) as captured:
            results(o, rows)
        counts.append(len(captured.captured_queries))
    assert Case.objects.count() == 5
    assert counts[0] == counts[1]
