"""Key groups, arrivals and antigen results through their services and selectors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.actor import SYSTEM
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.lab.choices import MemberOutcome, RetestReason, RetestStatus, TubeKind
from fangkong.lab.models import AntigenTest, Binding, KeyGroupMember, RetestTask, Tube
from fangkong.lab.obligations.selectors import (
    ArrivalFilter,
    antigen_list,
    arrival_list,
    key_group_interval,
    key_group_overdue_list,
)
from fangkong.lab.obligations.services import (
    antigen_record,
    arrival_register,
    key_group_assign,
    key_group_remove,
)
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import residents_make, screening_make
from fangkong.policy import choices as policy_choices
from fangkong.policy.schema import KeyGroupSchedule
from fangkong.policy.services import rule_set_override_create


def _bind(s, barcode, numbers, **extra):
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(
            barcode=barcode, members=[MemberInput(id_number=n) for n in numbers], **extra
        ),
    )


@pytest.fixture
def setup(tree, make_actor):
    s = screening_make(tree, residents=4)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    return s, grid


# --------------------------------------------------------------------------- key groups


def test_interval_from_each_kind_of_cadence():
    def schedule(**cadence):
        base = {"interval_days": None, "times_per_week": None, "rolling_share_per_day": None}
        return KeyGroupSchedule(
            name_zh="组",
            name_en="group",
            test_kind=policy_choices.TestKind.PCR,
            **{**base, **cadence},
        )

    assert key_group_interval(schedule(interval_days=3)) == timedelta(days=3)
    assert key_group_interval(schedule(times_per_week=2)) == timedelta(days=3.5)
    assert key_group_interval(schedule(rolling_share_per_day=0.2)) == timedelta(days=5)


def test_assign_records_member_and_audit(setup):
    s, grid = setup
    person = s.people[0]
    member = key_group_assign(
        actor=grid, person=person, group="inbound_contact", since=timezone.localdate()
    )
    stored = KeyGroupMember.objects.get(pk=member.pk)
    assert (stored.person_id, stored.group, stored.region_id) == (
        person.id,
        "inbound_contact",
        person.region_id,
    )
    entry = AuditEntry.objects.filter(action="key_group_assign").get()
    assert entry.object_id == str(person.code)
    assert "nhc-9" in entry.rule_set


def test_assign_refuses_a_group_the_rules_do_not_have(setup):
    s, grid = setup
    with pytest.raises(ValidationFailed) as caught:
        key_group_assign(
            actor=grid, person=s.people[0], group="students", since=timezone.localdate()
        )
    assert caught.value.code == "group_unknown"
    assert caught.value.errors[0]["field"] == "group"
    assert not KeyGroupMember.objects.exists()


def test_assign_refuses_end_before_start_and_a_second_time(setup):
    s, grid = setup
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as caught:
        key_group_assign(
            actor=grid,
            person=s.people[0],
            group="inbound_contact",
            since=today,
            until=today - timedelta(days=1),
        )
    assert caught.value.errors[0]["field"] == "until"
    key_group_assign(actor=grid, person=s.people[0], group="inbound_contact", since=today)
    with pytest.raises(Conflict) as again:
        key_group_assign(actor=grid, person=s.people[0], group="inbound_contact", since=today)
    assert again.value.code == "key_group_member_exists"
    assert KeyGroupMember.objects.count() == 1


def test_assign_checks_role_and_scope(setup, tree, make_actor):
    s, _grid = setup
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        key_group_assign(
            actor=s.technician, person=s.people[0], group="inbound_contact", since=today
        )
    other = make_actor(Role.GRID_WORKER, tree["community_b"])
    with pytest.raises(NotFound):
        key_group_assign(actor=other, person=s.people[0], group="inbound_contact", since=today)
    assert not KeyGroupMember.objects.exists()


def test_remove_needs_a_reason_and_a_member(setup):
    s, grid = setup
    person = s.people[0]
    key_group_assign(actor=grid, person=person, group="inbound_contact", since=timezone.localdate())
    with pytest.raises(ValidationFailed):
        key_group_remove(actor=grid, person=person, group="inbound_contact", reason=" ")
    key_group_remove(actor=grid, person=person, group="inbound_contact", reason="调离岗位")
    assert not KeyGroupMember.objects.exists()
    assert AuditEntry.objects.get(action="key_group_remove").reason == "调离岗位"
    with pytest.raises(NotFound) as caught:
        key_group_remove(actor=grid, person=person, group="inbound_contact", reason="again")
    assert caught.value.code == "key_group_member_not_found"


def test_overdue_list_names_the_untested_and_those_past_their_interval(setup):
    s, grid = setup
    today = timezone.localdate()
    tested, never, ended = s.people[0], s.people[1], s.people[2]
    for person in (tested, never):
        key_group_assign(actor=grid, person=person, group="inbound_contact", since=today)
    key_group_assign(
        actor=grid,
        person=ended,
        group="inbound_contact",
        since=today - timedelta(days=10),
        until=today - timedelta(days=1),
    )
    _bind(s, "K0001", [s.ids[0]], group="key_group", ratio=1)

    now_list = key_group_overdue_list(actor=grid)
    assert [row.person_code for row in now_list.rows] == [str(never.code)]
    assert now_list.rows[0].last_tested_at is None
    assert now_list.rows[0].overdue is True

    everyone = key_group_overdue_list(actor=grid, overdue_only=False)
    by_code = {row.person_code: row for row in everyone.rows}
    assert set(by_code) == {str(tested.code), str(never.code)}  # the ended one is not in force
    assert by_code[str(tested.code)].overdue is False
    assert by_code[str(tested.code)].interval_hours == 24
    assert by_code[str(tested.code)].next_due_at is not None

    later = key_group_overdue_list(actor=grid, now=timezone.now() + timedelta(days=2))
    assert {row.person_code for row in later.rows} == {str(tested.code), str(never.code)}
    assert AccessEntry.objects.filter(action="key_group_list").exists()


def test_overdue_list_is_scoped_and_one_query(setup, tree, make_actor, django_assert_num_queries):
    s, grid = setup
    today = timezone.localdate()
    outsiders, _ids, _households = residents_make(tree["grid_b1"], 2)
    commander_b = make_actor(Role.COMMANDER, tree["district_b"])
    for person in s.people:
        key_group_assign(actor=grid, person=person, group="inbound_contact", since=today)
    for person in outsiders:
        key_group_assign(actor=commander_b, person=person, group="port_high_risk_post", since=today)
    inspector = make_actor(Role.INSPECTOR, tree["district_b"])
    listed = key_group_overdue_list(actor=inspector)
    assert {row.person_code for row in listed.rows} == {str(p.code) for p in outsiders}
    assert {row.person_name for row in listed.rows} == {"—"}  # inspectors see no names
    key_group_overdue_list(actor=grid)  # warm the rules cache
    # the page, its count, the access row: its chain's last hash and the row (PostgreSQL: the
    # chain's lock, and the row by COPY, which the count does not see); the rules are kept
    with django_assert_num_queries(4):
        key_group_overdue_list(actor=grid)
    with pytest.raises(PermissionDenied):
        key_group_overdue_list(actor=s.technician)


# --------------------------------------------------------------------------- arrivals


def test_arrival_due_within_the_window_and_tested_by_a_later_binding(setup):
    s, grid = setup
    arrived = timezone.now() - timedelta(hours=30)
    late = arrival_register(actor=grid, person=s.people[0], arrived_at=arrived, origin="上海")
    fresh = arrival_register(
        actor=grid, person=s.people[1], arrived_at=timezone.now(), origin="广州"
    )
    assert late.test_due_at == arrived + timedelta(hours=24)  # nhc-9: arrivals.test_within_hours
    _page, rows = arrival_list(actor=grid, status=ArrivalFilter.OVERDUE)
    assert [row.code for row in rows] == [str(late.code)]
    _bind(s, "A0001", [s.ids[0], s.ids[1]])
    _page, rows = arrival_list(actor=grid, status=ArrivalFilter.TESTED)
    assert {row.code for row in rows} == {str(late.code), str(fresh.code)}
    _page, rows = arrival_list(actor=grid, status=ArrivalFilter.OVERDUE)
    assert rows == []
    assert AuditEntry.objects.filter(action="arrival_register").count() == 2


def test_arrival_testing_before_arrival_does_not_count(setup):
    s, grid = setup
    _bind(s, "A0002", [s.ids[0]])
    arrival = arrival_register(
        actor=grid, person=s.people[0], arrived_at=timezone.now() + timedelta(minutes=5), origin="X"
    )
    _page, rows = arrival_list(actor=grid, status=ArrivalFilter.UNTESTED)
    assert [row.code for row in rows] == [str(arrival.code)]


def test_arrival_refuses_bad_input(setup):
    s, grid = setup
    with pytest.raises(ValidationFailed) as caught:
        arrival_register(
            actor=grid,
            person=s.people[0],
            arrived_at=timezone.now() + timedelta(days=1),
            origin="",
        )
    fields = {error["field"]: error["code"] for error in caught.value.errors}
    assert fields == {"origin": "required", "arrived_at": "in_the_future"}
    with pytest.raises(PermissionDenied):
        arrival_register(actor=s.sampler, person=s.people[0], arrived_at=timezone.now(), origin="X")


# --------------------------------------------------------------------------- antigen


def test_positive_antigen_opens_one_pcr_task_and_touches_no_pcr_result(setup):
    s, grid = setup
    _bind(s, "G0001", s.ids[:2])
    before = list(Binding.objects.values_list("id", "outcome"))
    test = antigen_record(
        actor=grid,
        person=s.people[0],
        source="self",
        result="positive",
        tested_at=timezone.now(),
        kit_serial="KIT-123",
    )
    task = RetestTask.objects.get()
    assert (task.reason, task.status, task.person_id) == (
        RetestReason.ANTIGEN,
        RetestStatus.OPEN,
        s.people[0].id,
    )
    assert AntigenTest.objects.get(pk=test.pk).pcr_task_id == task.id
    assert list(Binding.objects.values_list("id", "outcome")) == before
    assert set(Tube.objects.values_list("result", flat=True)) == {"pending"}

    # A second positive reuses the open task: one PCR tube for the person.
    again = antigen_record(
        actor=grid, person=s.people[0], source="clinic", result="positive", tested_at=timezone.now()
    )
    assert again.pcr_task_id == task.id
    assert RetestTask.objects.count() == 1

    # The task is sampled by a single re-test tube.
    retest = _bind(s, "G0002", [s.ids[0]], kind=TubeKind.RETEST)
    assert retest.tube.ratio == 1
    assert RetestTask.objects.get().status == RetestStatus.SAMPLED
    assert Binding.objects.get(tube=retest.tube).outcome == MemberOutcome.PENDING


def test_negative_and_invalid_antigen_open_no_task(setup):
    s, grid = setup
    for result in ("negative", "invalid"):
        antigen_record(
            actor=grid, person=s.people[1], source="self", result=result, tested_at=timezone.now()
        )
    assert not RetestTask.objects.exists()
    page = antigen_list(actor=grid, person=s.people[1])
    assert [t.result for t in page.items] == ["invalid", "negative"]
    assert AuditEntry.objects.filter(action="antigen_record").count() == 2


def test_a_negative_antigen_of_a_suspected_person_needs_pcr(setup):
    """R16: symptoms reported with the test, or held in place after a pooled positive."""
    s, grid = setup
    symptoms = antigen_record(
        actor=grid,
        person=s.people[0],
        source="clinic",
        result="negative",
        tested_at=timezone.now(),
        symptomatic=True,
    )
    task = RetestTask.objects.get(person=s.people[0])
    assert (task.reason, task.status) == (RetestReason.ANTIGEN, RetestStatus.OPEN)
    assert task.rule_set
    assert (symptoms.pcr_task_id, symptoms.symptomatic, symptoms.suspected) == (
        task.id,
        True,
        "symptoms",
    )
    entry = AuditEntry.objects.get(action="antigen_record", object_id=str(symptoms.code))
    assert entry.reason == "antigen negative, suspected (symptoms)"
    assert entry.rule_set == task.rule_set

    # held in place: a pooled positive's member keeps the task the pool opened
    held = _bind(s, "G0003", s.ids[1:3])
    Binding.objects.filter(tube=held.tube).update(outcome=MemberOutcome.HELD)
    pooled_task = RetestTask.objects.create(
        person=s.people[1], region_id=s.people[1].region_id, reason=RetestReason.POOLED_POSITIVE
    )
    while_held = antigen_record(
        actor=grid, person=s.people[1], source="self", result="negative", tested_at=timezone.now()
    )
    assert (while_held.pcr_task_id, while_held.suspected) == (pooled_task.id, "held")
    assert RetestTask.objects.filter(person=s.people[1]).count() == 1

    # neither: a negative self-test is just recorded
    plain = antigen_record(
        actor=grid, person=s.people[3], source="self", result="negative", tested_at=timezone.now()
    )
    assert (plain.pcr_task_id, plain.suspected) == (None, "")
    # an invalid result of a person with symptoms asks for a new antigen test, not PCR
    invalid = antigen_record(
        actor=grid,
        person=s.people[3],
        source="self",
        result="invalid",
        tested_at=timezone.now(),
        symptomatic=True,
    )
    assert invalid.pcr_task_id is None
    assert not RetestTask.objects.filter(person=s.people[3]).exists()


def test_a_rule_set_decides_which_antigen_results_need_pcr(setup):
    s, grid = setup
    rule_set_override_create(
        actor=SYSTEM,
        key="no-antigen-pcr",
        region=s.round.region,
        name_zh="抗原阳性不再核酸复核",
        name_en="No PCR after antigen",
        effective_from=date(2022, 7, 1),
        parameters={
            "antigen": {"pcr_after_positive": False, "pcr_after_negative_if_suspected": False}
        },
        reason="Local decision",
    )
    for result in ("positive", "negative"):
        test = antigen_record(
            actor=grid,
            person=s.people[0],
            source="clinic",
            result=result,
            tested_at=timezone.now(),
            symptomatic=True,
        )
        assert test.pcr_task_id is None
    assert not RetestTask.objects.exists()


def test_antigen_refuses_bad_input_and_wrong_role(setup, tree, make_actor):
    s, grid = setup
    with pytest.raises(ValidationFailed) as caught:
        antigen_record(
            actor=grid,
            person=s.people[0],
            source="lab",
            result="maybe",
            tested_at=timezone.now() - timedelta(days=60),
            kit_serial="x" * 65,
        )
    assert {e["field"] for e in caught.value.errors} == {
        "source",
        "result",
        "tested_at",
        "kit_serial",
    }
    with pytest.raises(PermissionDenied):
        antigen_record(
            actor=s.commander,
            person=s.people[0],
            source="self",
            result="positive",
            tested_at=timezone.now(),
        )
    other = make_actor(Role.CLINICIAN, tree["district_b"])
    with pytest.raises(NotFound):
        antigen_record(
            actor=other,
            person=s.people[0],
            source="clinic",
            result="positive",
            tested_at=timezone.now(),
        )
    assert not AntigenTest.objects.exists()
    assert not RetestTask.objects.exists()
