"""Tube results through ``POST /api/v1/lab/labs/{code}/results`` (R11, R12): all rows or
none, conflicts refused, the same batch twice unchanged; invalid tubes and pooled positives
open re-test tasks; pooled positives notify the working group, the squad and each member
community with the latency logged."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from fangkong.core.actor import SYSTEM
from fangkong.core.models import AuditEntry
from fangkong.lab.choices import (
    MemberOutcome,
    Recipient,
    RetestReason,
    RetestStatus,
    TubeKind,
    TubeResult,
)
from fangkong.lab.coverage.dashboard import round_notifications
from fangkong.lab.models import Binding, Notification, RetestTask, Tube, TubeEvent
from fangkong.lab.results.retests import retest_tasks_in_scope
from fangkong.lab.rounds.services import lab_create
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, residents_make, screening_make
from fangkong.lab.transport.services import package_receive, package_seal
from fangkong.policy.services import rule_set_override_create


def _tube(s: Screening, barcode: str, ids: list[str], *, kind: str = TubeKind.SCREENING) -> None:
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids], kind=kind),
    )


def _receive(s: Screening, barcodes: list[str]) -> None:
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=barcodes)


def _report(client: Any, s: Screening, rows: list[dict[str, Any]], key: str = "") -> Any:
    return client.post(
        f"/api/v1/lab/labs/{s.lab.code}/results",
        {"results": rows},
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def _rows() -> tuple[int, int, int, int, int]:
    return (
        TubeEvent.objects.count(),
        len(retest_tasks_in_scope(SYSTEM)),
        Notification.objects.count(),
        AuditEntry.objects.count(),
        Tube.objects.exclude(result=TubeResult.PENDING).count(),
    )


@pytest.fixture
def lab_day(tree: Any, api: Any) -> tuple[Screening, Any]:
    """Tubes P (a pool of 3) and S (one person) received; N sealed for the lab, on its way."""
    s = screening_make(tree, residents=5)
    _tube(s, "P0001", s.ids[:3])
    _tube(s, "S0001", s.ids[3:4])
    _tube(s, "N0001", s.ids[4:5])
    _receive(s, ["P0001", "S0001"])
    package_seal(
        actor=s.sampler,
        point=s.point,
        screening_round=s.round,
        lab=s.lab,
        code="PK0001",
        barcodes=["N0001"],
    )
    return s, api(s.technician)


def test_a_negative_pool_makes_every_member_negative(lab_day, api, page_client):
    s, tech = lab_day
    response = _report(tech, s, [{"barcode": "P0001", "result": "negative", "ct_n": 45.0}])
    assert response.status_code == 200, response.json()
    assert response.json()["applied"] == 1
    tube = Tube.objects.get(barcode="P0001")
    assert (tube.result, tube.ct_n, tube.reported_at is not None) == ("negative", 45.0, True)
    # Not written one by one (a Shanghai day is 23 M of them): read through the tube.
    members = Binding.objects.filter(tube=tube).select_related("tube")
    assert {b.outcome for b in members} == {MemberOutcome.PENDING}
    assert {b.member_outcome for b in members} == {MemberOutcome.NEGATIVE}
    shown = tech.get("/api/v1/lab/tubes/P0001").json()["members"]
    assert {member["outcome"] for member in shown} == {MemberOutcome.NEGATIVE}
    person = members[0].person
    history = api(s.commander).get(f"/api/v1/lab/people/{person.code}/tests").json()
    assert [b["outcome"] for b in history["bindings"]] == [MemberOutcome.NEGATIVE]
    page = page_client(s.commander).get(reverse("lab:person_tests", args=[person.code]))
    with translation.override(settings.LANGUAGE_CODE):
        assert str(MemberOutcome.NEGATIVE.label) in page.content.decode()
        assert str(MemberOutcome.PENDING.label) not in page.content.decode()
    assert not RetestTask.objects.exists()
    assert not Notification.objects.exists()


def test_a_member_of_a_negative_pool_is_not_sampled_twice_in_the_round(lab_day, api):
    s, tech = lab_day
    assert _report(tech, s, [{"barcode": "P0001", "result": "negative"}]).status_code == 200
    response = api(s.sampler).post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": "P0002",
            "members": [{"id_number": s.ids[0]}],
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 409
    assert response.json()["detail"]["errors"][0]["code"] == "person_already_bound"
    assert Binding.objects.filter(person=s.people[0]).count() == 1


def test_an_invalid_tube_opens_a_retest_task_per_member(lab_day):
    s, tech = lab_day
    response = _report(tech, s, [{"barcode": "P0001", "result": "invalid"}])
    assert response.status_code == 200
    assert response.json()["retest_tasks"] == 3
    tube = Tube.objects.get(barcode="P0001")
    tasks = [t for t in retest_tasks_in_scope(SYSTEM) if t.source_tube_id == tube.id]
    assert sorted(t.person_id for t in tasks) == sorted(p.id for p in s.people[:3])
    assert {(t.reason, t.status) for t in tasks} == {(RetestReason.INVALID, RetestStatus.OPEN)}
    assert set(Binding.objects.filter(tube__barcode="P0001").values_list("outcome", flat=True)) == {
        MemberOutcome.RETEST
    }
    assert not Notification.objects.exists()


def test_a_different_result_for_a_resulted_tube_is_refused(lab_day):
    s, tech = lab_day
    assert _report(tech, s, [{"barcode": "P0001", "result": "negative"}]).status_code == 200
    before = _rows()
    response = _report(tech, s, [{"barcode": "P0001", "result": "pooled_positive"}])
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("results[0].result", "result_already_final")
    ]
    assert _rows() == before
    assert Tube.objects.get(barcode="P0001").result == TubeResult.NEGATIVE


@pytest.mark.parametrize(
    ("barcode", "result", "code"),
    [
        ("S0001", "pooled_positive", "pooled_result_for_single_tube"),
        ("P0001", "positive", "single_result_for_pool"),
        ("N0001", "negative", "tube_not_received"),
        ("NOPE0001", "negative", "tube_not_found"),
        ("bad code!", "negative", "barcode_invalid"),
    ],
)
def test_a_result_that_cannot_be_is_refused(lab_day, barcode, result, code):
    s, tech = lab_day
    before = _rows()
    response = _report(tech, s, [{"barcode": barcode, "result": result}])
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["detail"]["errors"]] == [code]
    assert _rows() == before


@pytest.mark.parametrize(
    ("row", "field", "code"),
    [
        ({"ct_n": 0}, "results[0].ct_n", "ct_out_of_range"),
        ({"ct_orf1ab": 51}, "results[0].ct_orf1ab", "ct_out_of_range"),
        ({"tested_at": "2099-01-01T00:00:00+08:00"}, "results[0].tested_at", "datetime_too_late"),
        ({"tested_at": "2022-07-15T12:00:00+08:00"}, "results[0].tested_at", "in_the_future"),
        ({"tested_at": "2022-07-15T08:00:00"}, "results[0].tested_at", "datetime_naive"),
    ],
)
def test_bad_ct_values_and_test_times_are_refused(lab_day, row, field, code):
    s, tech = lab_day
    before = _rows()
    response = _report(tech, s, [{"barcode": "P0001", "result": "negative", **row}])
    assert response.status_code == 422, response.content
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [(field, code)]
    assert _rows() == before


def test_a_tube_of_another_lab_is_not_found(lab_day, make_actor, api):
    s, _tech = lab_day
    other = lab_create(actor=s.commander, region=s.lab.region, name="另一检测所")
    stranger = make_actor("lab_technician", s.lab.region)
    other.staff.add(stranger.user_id)
    before = _rows()
    response = api(stranger).post(
        f"/api/v1/lab/labs/{other.code}/results",
        {"results": [{"barcode": "P0001", "result": "negative"}]},
    )
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["detail"]["errors"]] == ["tube_not_found"]
    assert _rows() == before


def test_one_bad_row_in_a_batch_writes_nothing(lab_day):
    s, tech = lab_day
    before = _rows()
    response = _report(
        tech,
        s,
        [
            {"barcode": "P0001", "result": "pooled_positive"},
            {"barcode": "S0001", "result": "negative"},
            {"barcode": "N0001", "result": "negative"},
        ],
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("results[2].barcode", "tube_not_received")
    ]
    assert _rows() == before
    assert set(Tube.objects.values_list("result", flat=True)) == {TubeResult.PENDING}
    assert set(Binding.objects.values_list("outcome", flat=True)) == {MemberOutcome.PENDING}


def test_a_tube_reported_twice_differently_in_one_batch_is_refused(lab_day):
    s, tech = lab_day
    before = _rows()
    response = _report(
        tech,
        s,
        [{"barcode": "S0001", "result": "negative"}, {"barcode": "S0001", "result": "positive"}],
    )
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["detail"]["errors"]] == ["row_conflict"]
    assert _rows() == before


def test_the_same_batch_twice_changes_nothing(lab_day):
    s, tech = lab_day
    rows: list[dict[str, Any]] = [
        {"barcode": "P0001", "result": "pooled_positive", "ct_orf1ab": 31.5},
        {"barcode": "S0001", "result": "negative"},
    ]
    first = _report(tech, s, rows)
    assert first.json()["applied"] == 2
    before = _rows()
    outcomes = list(Binding.objects.order_by("id").values_list("outcome", flat=True))
    again = _report(tech, s, rows)  # a new key: the lab system resent the file
    assert again.status_code == 200
    assert (again.json()["applied"], again.json()["unchanged"]) == (0, 2)
    assert again.json()["retest_tasks"] == again.json()["notifications"] == 0
    assert _rows() == before
    assert list(Binding.objects.order_by("id").values_list("outcome", flat=True)) == outcomes


def test_a_pooled_positive_notifies_at_once_each_member_community(tree, api):
    s = screening_make(tree, residents=2)
    _far, far_ids, _h = residents_make(tree["grid_b1"], 1)  # lives in district B's community
    _tube(s, "P0001", [*s.ids[:2], *far_ids])
    _receive(s, ["P0001"])
    response = _report(api(s.technician), s, [{"barcode": "P0001", "result": "pooled_positive"}])
    assert response.status_code == 200, response.json()
    assert response.json()["notifications"] == 5
    assert response.json()["held"] == 3
    notes = list(Notification.objects.filter(tube__barcode="P0001"))
    by_recipient = sorted((n.recipient, n.region.code, n.members) for n in notes)
    assert by_recipient == sorted(
        [
            (Recipient.COMMUNITY, tree["community_a"].code, 2),
            (Recipient.COMMUNITY, tree["community_b"].code, 1),
            (Recipient.EMERGENCY_SQUAD, s.round.region.code, 3),
            (Recipient.POLICE, s.round.region.code, 3),
            (Recipient.WORKING_GROUP, s.round.region.code, 3),
        ]
    )
    tube = Tube.objects.get(barcode="P0001")
    for note in notes:
        assert note.result_at == tube.reported_at
        assert note.notified_at >= note.result_at
        assert note.latency_ms == int((note.notified_at - note.result_at).total_seconds() * 1000)
        assert note.latency_ms < 60_000
    tasks = [t for t in retest_tasks_in_scope(SYSTEM) if t.source_tube == tube]
    assert len(tasks) == 3
    assert {t.reason for t in tasks} == {RetestReason.POOLED_POSITIVE}
    assert set(Binding.objects.filter(tube=tube).values_list("outcome", flat=True)) == {
        MemberOutcome.HELD
    }


def test_the_command_view_summarises_the_notifications_in_three_queries(
    tree, api, make_actor, django_assert_num_queries
):
    s = screening_make(tree, residents=2)
    _far, far_ids, _h = residents_make(tree["grid_b1"], 1)
    _tube(s, "P0001", [*s.ids[:2], *far_ids])
    _receive(s, ["P0001"])
    _report(api(s.technician), s, [{"barcode": "P0001", "result": "pooled_positive"}])
    with django_assert_num_queries(3):  # the figures, the latest ids, those with tube and node
        notes = round_notifications(actor=s.commander, screening_round=s.round, limit=3)
        regions = [note.region.code for note in notes.latest]
    assert notes.count == 5
    assert notes.max_ms == max(Notification.objects.values_list("latency_ms", flat=True))
    expected = Notification.objects.order_by("-notified_at", "-id")[:3]
    assert [note.id for note in notes.latest] == [note.id for note in expected]
    assert regions == [note.region.code for note in expected]
    other = make_actor("commander", tree["district_b"])
    assert round_notifications(actor=other, screening_round=s.round).count == 0  # not its point


def test_an_invalid_retest_opens_a_new_task(lab_day):
    s, tech = lab_day
    assert _report(tech, s, [{"barcode": "P0001", "result": "pooled_positive"}]).status_code == 200
    for n in range(3):
        _tube(s, f"R000{n}", [s.ids[n]], kind=TubeKind.RETEST)
    _receive(s, ["R0000", "R0001", "R0002"])
    response = _report(
        tech,
        s,
        [
            {"barcode": "R0000", "result": "negative"},
            {"barcode": "R0001", "result": "invalid"},
            {"barcode": "R0002", "result": "positive"},
        ],
    )
    assert response.status_code == 200, response.json()
    assert response.json()["retest_tasks"] == 1
    first_tasks = RetestTask.objects.filter(reason=RetestReason.POOLED_POSITIVE)
    assert {t.status for t in first_tasks} == {RetestStatus.DONE}
    assert dict(first_tasks.values_list("person_id", "outcome")) == {
        s.people[0].id: "negative",
        s.people[1].id: "invalid",
        s.people[2].id: "positive",
    }
    (again,) = RetestTask.objects.filter(status=RetestStatus.OPEN)
    assert (again.person_id, again.reason) == (s.people[1].id, RetestReason.INVALID)
    assert again.source_tube is not None
    assert again.source_tube.barcode == "P0001"
    outcomes = dict(
        Binding.objects.filter(tube__barcode="P0001").values_list("person_id", "outcome")
    )
    assert outcomes == {
        s.people[0].id: MemberOutcome.CLEARED,
        s.people[1].id: MemberOutcome.HELD,  # still held until a valid re-test
        s.people[2].id: MemberOutcome.POSITIVE,
    }
    # The new task is sampled and resulted like the first.
    _tube(s, "R0003", [s.ids[1]], kind=TubeKind.RETEST)
    _receive(s, ["R0003"])
    assert _report(tech, s, [{"barcode": "R0003", "result": "negative"}]).status_code == 200
    assert Binding.objects.get(tube__barcode="P0001", person=s.people[1]).outcome == (
        MemberOutcome.CLEARED
    )
    assert not RetestTask.objects.filter(status=RetestStatus.OPEN).exists()


def test_an_identical_row_repeated_in_one_batch_counts_as_unchanged(tree):
    from fangkong.lab.results.services import ResultInput, results_apply
    from fangkong.lab.tests.factories import screening_make as make

    s = make(tree, residents=2)
    from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
    from fangkong.lab.transport.services import package_receive

    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode="U0001", members=[MemberInput(id_number=s.ids[0])]),
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["U0001"])
    report = results_apply(
        actor=s.technician,
        lab=s.lab,
        rows=[
            ResultInput(barcode="U0001", result="negative"),
            ResultInput(barcode="U0001", result="negative"),
        ],
    )
    assert (report.applied, report.unchanged) == (["U0001"], ["U0001"])


def test_a_rule_set_can_leave_the_police_out_of_pooled_positive_notices(tree, api):
    s = screening_make(tree, residents=2)
    rule_set_override_create(
        actor=SYSTEM,
        key="no-police",
        region=s.round.region,
        name_zh="不通知公安",
        name_en="Police not told",
        effective_from=date(2022, 7, 1),
        parameters={"turnaround": {"pooled_positive_notify_police": False}},
        reason="Local decision",
    )
    _tube(s, "P0001", s.ids[:2])
    _receive(s, ["P0001"])
    response = _report(api(s.technician), s, [{"barcode": "P0001", "result": "pooled_positive"}])
    assert response.json()["notifications"] == 3
    recipients = set(
        Notification.objects.filter(tube__barcode="P0001").values_list("recipient", flat=True)
    )
    assert recipients == {Recipient.WORKING_GROUP, Recipient.EMERGENCY_SQUAD, Recipient.COMMUNITY}
