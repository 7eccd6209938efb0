"""Plan tests as lab test tasks of the person (issue 20 §2, §6): opened per edition with the
plan's dates and places, sampled from their day on, their tube's result coming back through
``lab.findings`` once, a positive opening the suspected case and blocking the release, and
the tasks closed when a result is entered by hand or the order is released."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from fangkong.cases.models import Case
from fangkong.core.errors import FangkongError
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.isolation.choices import OrderEventKind, OrderTestStatus, ResultSource
from fangkong.isolation.models import IsolationOrder, OrderEvent, OrderTestTask
from fangkong.isolation.monitoring.links import link_token
from fangkong.isolation.monitoring.services import resident_link_issue
from fangkong.isolation.orders.release import order_release, order_test_record
from fangkong.isolation.orders.services import order_issue, orders_issue
from fangkong.isolation.tests.factories import Staff, facility_make, staff_make
from fangkong.lab.choices import RetestReason, RetestStatus, SamplingPlace, TubeKind
from fangkong.lab.models import RetestTask
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.transport.services import package_receive

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY0 = date(2022, 7, 14)


def _setup(tree) -> tuple[Screening, Staff]:
    s = screening_make(tree, residents=3)
    staff = staff_make(tree)
    facility_make(staff, rooms=4)
    return s, staff


def _order(s: Screening, staff: Staff, index: int = 0) -> IsolationOrder:
    return order_issue(
        actor=staff.epidemiologist,
        person=s.people[index],
        group="close_contact",
        day0=DAY0,
        reason="密接",
    )


def _sample(s: Screening, barcode: str, index: int = 0) -> None:
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(
            barcode=barcode,
            members=[MemberInput(id_number=s.ids[index])],
            kind=TubeKind.RETEST,
        ),
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=[barcode])


def _result(
    s: Screening,
    barcode: str,
    result: str,
    ct_n: float | None = None,
    ct_orf1ab: float | None = None,
) -> None:
    row = ResultInput(barcode=barcode, result=result, row=1, ct_n=ct_n, ct_orf1ab=ct_orf1ab)
    results_apply(actor=s.technician, lab=s.lab, rows=[row])


def test_each_plan_test_is_a_lab_task_due_on_its_day_at_the_site_or_home(tree):
    s, staff = _setup(tree)
    report = orders_issue(
        actor=staff.epidemiologist,
        persons=s.people,
        group="close_contact",
        day0=DAY0,
        reason="密接",
    )
    assert len(report.created) == 3
    tests = OrderTestTask.objects.filter(order__person=s.people[0]).select_related("lab_task")
    # 9th edition close contact: central days 1, 2, 3, 5, 7 and home day 3 (from day 0 + 7)
    assert [(t.phase, t.day, t.on) for t in tests] == [
        ("central", 1, date(2022, 7, 15)),
        ("central", 2, date(2022, 7, 16)),
        ("central", 3, date(2022, 7, 17)),
        ("central", 5, date(2022, 7, 19)),
        ("central", 7, date(2022, 7, 21)),
        ("home_health_monitoring", 3, date(2022, 7, 24)),
    ]
    for test in tests:
        task = test.lab_task
        assert task is not None
        assert (task.person_id, task.reason, task.status, task.due_on) == (
            s.people[0].id,
            RetestReason.QUARANTINE,
            RetestStatus.OPEN,
            test.on,
        )
        assert task.place == (SamplingPlace.SITE if test.phase == "central" else SamplingPlace.HOME)
        assert task.rule_set == test.rule_set == "nhc-9@r1"
    assert RetestTask.objects.filter(reason=RetestReason.QUARANTINE).count() == 18
    # set-based: one audit row for the lab tasks of the whole batch
    assert AuditEntry.objects.filter(action="person_test_tasks_open").count() == 1
    # a retried issue opens nothing new
    orders_issue(
        actor=staff.epidemiologist, persons=s.people, group="close_contact", day0=DAY0, reason="x"
    )
    assert RetestTask.objects.filter(reason=RetestReason.QUARANTINE).count() == 18


def test_a_task_is_sampled_from_its_day_on_and_a_result_marks_the_test_once(tree):
    s, staff = _setup(tree)
    order = _order(s, staff)
    _sample(s, "Q0001")  # 15 July: central day 1 is due, the others are not yet
    with pytest.raises(FangkongError) as early:
        _sample(s, "Q0002")
    assert early.value.code == "no_retest_task"
    _result(s, "Q0001", "negative", ct_n=38.0, ct_orf1ab=39.0)
    _result(s, "Q0001", "negative", ct_n=38.0, ct_orf1ab=39.0)  # the same file again
    first = OrderTestTask.objects.select_related("tube").get(order=order, phase="central", day=1)
    assert first.tube is not None
    assert (first.status, first.result_source, first.tube.barcode) == (
        OrderTestStatus.NEGATIVE,
        ResultSource.LAB,
        "Q0001",
    )
    assert first.resulted_at is not None
    events = OrderEvent.objects.filter(order=order, kind=OrderEventKind.TEST_RESULT)
    assert [(e.from_value, e.to_value, e.detail["tube"]) for e in events] == [
        ("scheduled", "negative", "Q0001")
    ]
    assert AuditEntry.objects.filter(action="order_tests_from_lab").count() == 1
    assert OrderTestTask.objects.filter(order=order, status="scheduled").count() == 5
    with time_machine.travel(datetime(2022, 7, 16, 9, tzinfo=SHANGHAI), tick=True):
        _sample(s, "Q0002")  # day 2 now due
    assert RetestTask.objects.get(retest_tube__barcode="Q0002").due_on == date(2022, 7, 16)


def test_a_positive_plan_test_opens_the_suspected_case_and_blocks_the_release(tree):
    s, staff = _setup(tree)
    order = _order(s, staff)
    _sample(s, "Q0001")
    _result(s, "Q0001", "positive", ct_n=25.0, ct_orf1ab=26.0)
    test = OrderTestTask.objects.get(order=order, phase="central", day=1)
    assert test.status == OrderTestStatus.POSITIVE
    case = Case.objects.get(person=s.people[0])
    assert case.how_found == "quarantined_contact"
    with (
        time_machine.travel(datetime(2022, 7, 25, 10, tzinfo=SHANGHAI), tick=True),
        pytest.raises(FangkongError) as refused,
    ):
        order_release(actor=staff.manager, order=order, reason="期满")
    codes = [e["code"] for e in refused.value.detail["errors"]]
    assert codes[0] == "test_positive"


def test_an_invalid_tube_keeps_the_test_scheduled_on_a_new_task(tree):
    s, staff = _setup(tree)
    order = _order(s, staff)
    _sample(s, "Q0001")
    _result(s, "Q0001", "invalid")
    test = OrderTestTask.objects.select_related("lab_task").get(order=order, phase="central", day=1)
    assert test.status == OrderTestStatus.SCHEDULED
    assert test.lab_task is not None
    assert (test.lab_task.status, test.lab_task.reason, test.lab_task.place) == (
        RetestStatus.OPEN,
        RetestReason.QUARANTINE,
        SamplingPlace.SITE,
    )
    _sample(s, "Q0002")
    _result(s, "Q0002", "negative")
    assert OrderTestTask.objects.get(pk=test.pk).status == OrderTestStatus.NEGATIVE


def test_hand_entered_results_close_the_lab_tasks_and_release_closes_the_rest(tree):
    s, staff = _setup(tree)
    order = _order(s, staff)
    _sample(s, "Q0001")
    _result(s, "Q0001", "negative")
    for test in OrderTestTask.objects.filter(order=order, status="scheduled"):
        order_test_record(
            actor=staff.manager, order=order, phase=test.phase, day=test.day, result="negative"
        )
    manual = OrderTestTask.objects.filter(order=order, result_source=ResultSource.MANUAL)
    assert manual.count() == 5
    tasks = RetestTask.objects.filter(id__in=manual.values("lab_task_id"))
    assert {task.status for task in tasks} == {RetestStatus.CLOSED}
    with time_machine.travel(datetime(2022, 7, 25, 10, tzinfo=SHANGHAI), tick=True):
        released = order_release(actor=staff.manager, order=order, reason="期满解除")
    assert released.status == "released"
    assert not RetestTask.objects.filter(person=s.people[0], status=RetestStatus.OPEN).exists()
    closing = AuditEntry.objects.filter(action="person_test_tasks_close")
    assert closing.count() == 5
    assert {entry.reason for entry in closing} == {"result entered by hand"}


def test_the_site_manager_sees_todays_tests_with_their_lab_state_and_the_resident_theirs(
    tree, page_client
):
    s, staff = _setup(tree)
    order = _order(s, staff)
    _order(s, staff, 1)
    _sample(s, "Q0001")  # person 0's day-1 test sampled, person 1's still to sample
    page = page_client(staff.manager).get("/isolation/checks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-lab-state="sampled"') == 1
    assert html.count('data-lab-state="open"') == 1
    assert "Q0001" in html
    assert AccessEntry.objects.filter(action="tests_due").exists()
    # another district's manager sees none of them
    other = page_client(staff.other_manager).get("/isolation/checks/").content.decode()
    assert "data-lab-state=" not in other
    # the resident's own page lists their six plan tests with where and the lab state
    link = resident_link_issue(actor=staff.manager, order=order)
    mine = page_client(staff.manager).get(
        reverse("isolation:resident", kwargs={"token": link_token(link)})
    )
    assert mine.content.decode().count("data-lab-state=") == 6


def test_the_order_api_shows_each_tests_lab_state_and_another_district_gets_404(tree, api):
    s, staff = _setup(tree)
    order = _order(s, staff)
    _sample(s, "Q0001")
    _result(s, "Q0001", "negative")
    body = api(staff.epidemiologist).get(f"/api/v1/isolation/orders/{order.code}").json()
    first, second = body["tests"][:2]
    assert (first["status"], first["tube"], first["result_source"], first["lab_state"]) == (
        "negative",
        "Q0001",
        "lab",
        "",
    )
    assert (second["status"], second["lab_state"], second["place"]) == ("scheduled", "open", "site")
    assert body["tests"][-1]["place"] == "home"
    hidden = api(staff.other_epidemiologist).get(f"/api/v1/isolation/orders/{order.code}")
    assert hidden.status_code == 404
