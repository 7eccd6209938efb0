"""Orders and their plans per edition (R4), bulk issue that never duplicates, the explicit
re-plan when the rules change mid-way, governance and audit, through the services."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.core.errors import FangkongError, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import OrderEventKind, OrderKind, OrderTestStatus
from fangkong.isolation.models import IsolationOrder, OrderEvent, OrderTestTask
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.orders.services import order_issue, order_replan, orders_issue
from fangkong.isolation.tests.factories import staff_make
from fangkong.lab.models import RetestTask
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _dates(order: IsolationOrder) -> list[tuple[str, int, date]]:
    return [
        (t.phase, t.day, t.on)
        for t in OrderTestTask.objects.filter(order=order).exclude(status="dropped")
    ]


def test_a_ninth_edition_close_contact_gets_central_days_1_2_3_5_7_and_home_day_3(tree):
    staff = staff_make(tree)
    person = person_make(region=tree["grid_a1"])
    day0 = date(2022, 7, 14)
    order = order_issue(
        actor=staff.epidemiologist,
        person=person,
        group="close_contact",
        day0=day0,
        reason="密接判定",
    )
    assert order.kind == OrderKind.CENTRAL_QUARANTINE
    assert order.rule_set == "nhc-9@r1"
    assert order.central_until == date(2022, 7, 21)
    assert order.release_on == date(2022, 7, 24)
    assert _dates(order) == [
        ("central", 1, date(2022, 7, 15)),
        ("central", 2, date(2022, 7, 16)),
        ("central", 3, date(2022, 7, 17)),
        ("central", 5, date(2022, 7, 19)),
        ("central", 7, date(2022, 7, 21)),
        ("home_health_monitoring", 3, date(2022, 7, 24)),
    ]
    assert {t.swab_site for t in OrderTestTask.objects.filter(order=order)} == {"oropharyngeal"}
    issued = OrderEvent.objects.get(order=order, kind=OrderEventKind.ISSUED)
    assert (issued.actor_role, issued.rule_set, issued.reason) == (
        "epidemiologist",
        "nhc-9@r1",
        "密接判定",
    )
    audit = AuditEntry.objects.get(action="order_issue", object_id=str(order.code))
    assert audit.rule_set == "nhc-9@r1"


def test_a_ninth_edition_secondary_contact_is_home_quarantined_with_tests_on_days_1_4_7(tree):
    staff = staff_make(tree)
    person = person_make(region=tree["grid_a1"])
    order = order_issue(
        actor=staff.epidemiologist,
        person=person,
        group="secondary_contact",
        day0=date(2022, 7, 14),
        reason="次密接判定",
    )
    assert order.kind == OrderKind.HOME_QUARANTINE
    assert order.central_until is None
    assert order.release_on == date(2022, 7, 21)
    assert [(d, on.day) for _, d, on in _dates(order)] == [(1, 15), (4, 18), (7, 21)]


def test_under_the_20_measures_a_close_contact_gets_5_plus_3_days(tree):
    with time_machine.travel(datetime(2022, 11, 20, 9, tzinfo=SHANGHAI), tick=True):
        staff = staff_make(tree)
        person = person_make(region=tree["grid_a1"])
        order = order_issue(
            actor=staff.epidemiologist,
            person=person,
            group="close_contact",
            day0=date(2022, 11, 19),
            reason="密接判定",
        )
        assert order.rule_set == "measures-20@r1"
        assert (order.central_until, order.release_on) == (date(2022, 11, 24), date(2022, 11, 27))
        assert [(p, d) for p, d, _ in _dates(order)] == [
            ("central", 1),
            ("central", 2),
            ("central", 3),
            ("central", 5),
            ("home_isolation", 1),
            ("home_isolation", 3),
        ]
        # secondary contacts are not identified under the 20 measures: no plan, named field
        with pytest.raises(FangkongError) as refused:
            order_issue(
                actor=staff.epidemiologist,
                person=person,
                group="secondary_contact",
                day0=date(2022, 11, 19),
                reason="次密接",
            )
        assert refused.value.status == 422
        assert refused.value.code == "no_plan_for_group"
        assert refused.value.detail["errors"][0]["field"] == "group"


def test_bulk_issue_for_hundreds_is_idempotent_and_takes_a_constant_number_of_queries(tree):
    staff = staff_make(tree)
    persons = [person_make(region=tree["grid_a1"], name=f"张{n}") for n in range(150)]
    first = orders_issue(
        actor=staff.epidemiologist,
        persons=persons[:100],
        group="close_contact",
        day0=date(2022, 7, 14),
        reason="聚集性疫情密接",
    )
    assert len(first.created) == 100
    with CaptureQueriesContext(connection) as queries:
        again = orders_issue(
            actor=staff.epidemiologist,
            persons=persons,
            group="close_contact",
            day0=date(2022, 7, 14),
            reason="聚集性疫情密接",
        )
    assert (len(again.created), len(again.existing)) == (50, 100)
    assert {o.pk for o in again.existing} == {o.pk for o in first.created}
    assert len(queries) < 40
    assert IsolationOrder.objects.count() == 150
    assert OrderTestTask.objects.count() == 150 * 6
    assert OrderEvent.objects.filter(kind=OrderEventKind.ISSUED).count() == 150
    assert AuditEntry.objects.filter(action="order_issue").count() == 150
    retried = orders_issue(
        actor=staff.epidemiologist,
        persons=persons,
        group="close_contact",
        day0=date(2022, 7, 14),
        reason="重试",
    )
    assert (len(retried.created), len(retried.existing)) == (0, 150)
    assert IsolationOrder.objects.count() == 150


def test_issue_is_governed_reason_role_and_jurisdiction(tree):
    staff = staff_make(tree)
    person = person_make(region=tree["grid_a1"])
    with pytest.raises(ValidationFailed) as refused:
        order_issue(
            actor=staff.epidemiologist,
            person=person,
            group="close_contact",
            day0=date(2022, 7, 14),
            reason="",
        )
    assert [e["field"] for e in refused.value.errors] == ["reason"]
    with pytest.raises(ValidationFailed) as bad:
        order_issue(
            actor=staff.epidemiologist,
            person=person,
            group="neighbour",
            day0=date(2022, 7, 20),
            reason="x",
        )
    assert {e["field"] for e in bad.value.errors} == {"group", "day0"}
    with pytest.raises(PermissionDenied):
        order_issue(
            actor=staff.manager,
            person=person,
            group="close_contact",
            day0=date(2022, 7, 14),
            reason="x",
        )
    with pytest.raises(NotFound):
        order_issue(
            actor=staff.other_epidemiologist,
            person=person,
            group="close_contact",
            day0=date(2022, 7, 14),
            reason="x",
        )
    assert IsolationOrder.objects.count() == 0
    order = order_issue(
        actor=staff.epidemiologist,
        person=person,
        group="close_contact",
        day0=date(2022, 7, 14),
        reason="密接",
    )
    assert access_order(staff.manager, order.code) == order
    with pytest.raises(NotFound):
        access_order(staff.other_epidemiologist, order.code)
    with pytest.raises(PermissionDenied):
        access_order(staff.grid, order.code)


def test_a_rule_change_mid_way_keeps_the_order_until_it_is_replanned_with_a_reason(tree):
    with time_machine.travel(datetime(2022, 11, 9, 9, tzinfo=SHANGHAI), tick=True):
        staff = staff_make(tree)
        person = person_make(region=tree["grid_a1"])
        order = order_issue(
            actor=staff.epidemiologist,
            person=person,
            group="close_contact",
            day0=date(2022, 11, 8),
            reason="密接",
        )
        assert (order.rule_set, order.release_on) == ("nhc-9@r1", date(2022, 11, 18))
        with pytest.raises(FangkongError) as same:
            order_replan(actor=staff.epidemiologist, order=order, reason="新规")
        assert same.value.code == "rules_unchanged"
    with time_machine.travel(datetime(2022, 11, 12, 9, tzinfo=SHANGHAI), tick=True):
        # the 20 measures are in force now, but the order is not silently recalculated
        order.refresh_from_db()
        assert (order.rule_set, order.release_on) == ("nhc-9@r1", date(2022, 11, 18))
        OrderTestTask.objects.filter(order=order, on__lt=timezone.localdate()).update(
            status=OrderTestStatus.NEGATIVE
        )
        with pytest.raises(ValidationFailed):
            order_replan(actor=staff.epidemiologist, order=order, reason=" ")
        order = order_replan(actor=staff.epidemiologist, order=order, reason="执行二十条")
        assert order.rule_set == "measures-20@r1"
        assert (order.central_until, order.release_on) == (date(2022, 11, 13), date(2022, 11, 16))
        tasks = list(OrderTestTask.objects.filter(order=order))
        kept = [(t.day, t.status, t.rule_set) for t in tasks if t.status == "negative"]
        assert kept == [
            (1, "negative", "nhc-9@r1"),
            (2, "negative", "nhc-9@r1"),
            (3, "negative", "nhc-9@r1"),
        ]
        assert {t.status for t in tasks if t.rule_set == "nhc-9@r1"} == {"negative", "dropped"}
        scheduled = [(t.phase, t.day, t.on) for t in tasks if t.status == "scheduled"]
        assert scheduled == [
            ("central", 5, date(2022, 11, 13)),
            ("home_isolation", 1, date(2022, 11, 14)),
            ("home_isolation", 3, date(2022, 11, 16)),
        ]
        event = OrderEvent.objects.get(order=order, kind=OrderEventKind.REPLANNED)
        assert (event.from_value, event.to_value, event.reason) == (
            "nhc-9@r1",
            "measures-20@r1",
            "执行二十条",
        )
        assert event.detail["release_from"] == "2022-11-18"
        assert AuditEntry.objects.filter(action="order_replan").count() == 1
        # the dropped tests' lab tasks are closed, the new plan's tests get theirs
        assert (event.detail["lab_tasks_closed"], event.detail["lab_tasks_opened"]) == (3, 3)
        dropped = OrderTestTask.objects.filter(order=order, status="dropped")
        closed = RetestTask.objects.filter(id__in=dropped.values("lab_task_id"))
        assert {task.status for task in closed} == {"closed"}
        fresh = OrderTestTask.objects.filter(order=order, status="scheduled")
        opened = RetestTask.objects.filter(id__in=fresh.values("lab_task_id")).order_by("due_on")
        assert [(t.status, t.due_on, t.place, t.rule_set) for t in opened] == [
            ("open", date(2022, 11, 13), "site", "measures-20@r1"),
            ("open", date(2022, 11, 14), "home", "measures-20@r1"),
            ("open", date(2022, 11, 16), "home", "measures-20@r1"),
        ]
        closing = AuditEntry.objects.get(action="person_test_tasks_close")
        assert closing.reason == "执行二十条"
