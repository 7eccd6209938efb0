"""Orders from the other sources (issue 20 §2): registered arrivals in bulk with the plan of
the rule set's ``quarantine.<arrival group>`` per edition, idempotent; and a positive case
allowed home isolation under the rule set's ``positives``; access, roles and audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fangkong.core.errors import FangkongError, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import OrderKind
from fangkong.isolation.intake.arrivals import arrival_orders_issue
from fangkong.isolation.intake.home_isolation import home_isolation_order_issue
from fangkong.isolation.intake.tests.factories import arrival_make
from fangkong.isolation.models import IsolationOrder, OrderEvent, OrderSource, OrderTestTask
from fangkong.isolation.orders.positives import HOME_ISOLATED_GROUP
from fangkong.isolation.tests.factories import staff_make
from fangkong.isolation.treatment.tests.factories import ward_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")
BASE = "/api/v1/isolation"
UNDER_20_MEASURES = datetime(2022, 11, 15, 10, tzinfo=LOCAL)
UNDER_NEW_10 = datetime(2022, 12, 10, 10, tzinfo=LOCAL)
UNDER_10TH = datetime(2023, 2, 1, 10, tzinfo=LOCAL)


def _plan(order: IsolationOrder) -> list[tuple[str, int, date]]:
    return [(t.phase, t.day, t.on) for t in OrderTestTask.objects.filter(order=order)]


def test_ninth_edition_arrivals_from_a_high_risk_area_go_to_central_quarantine_7_days(tree):
    staff = staff_make(tree)
    arrival = arrival_make(tree)
    day0 = timezone.localdate(arrival.arrived_at)
    report = arrival_orders_issue(
        actor=staff.manager, arrivals=[arrival], group="high_risk_area_arrival", reason="高风险区来"
    )
    (order,) = report.created
    assert (order.kind, order.group, order.day0, order.rule_set) == (
        OrderKind.CENTRAL_QUARANTINE,
        "high_risk_area_arrival",
        day0,
        "nhc-9@r1",
    )
    assert order.release_on == day0 + timedelta(days=7)
    assert [day for _phase, day, _on in _plan(order)] == [1, 2, 3, 5, 7]
    low = arrival_orders_issue(
        actor=staff.manager,
        arrivals=[arrival_make(tree)],
        group="low_risk_area_arrival",
        reason="低风险区来",
    ).created[0]
    # 9th edition, low-risk area: 3 days of home health monitoring, tests on days 1 and 2
    assert low.kind == OrderKind.HEALTH_MONITORING
    assert [(phase, day) for phase, day, _on in _plan(low)] == [
        ("home_health_monitoring", 1),
        ("home_health_monitoring", 2),
    ]


def test_under_the_20_measures_a_high_risk_arrival_is_home_isolated_and_new_10_has_no_plan(tree):
    staff = staff_make(tree)
    with time_machine.travel(UNDER_20_MEASURES, tick=False):
        order = arrival_orders_issue(
            actor=staff.manager,
            arrivals=[arrival_make(tree)],
            group="high_risk_area_arrival",
            reason="高风险区来",
        ).created[0]
        assert (order.kind, order.rule_set) == (OrderKind.HOME_QUARANTINE, "measures-20@r1")
        assert [day for _phase, day, _on in _plan(order)] == [1, 3, 5, 7]
    with time_machine.travel(UNDER_NEW_10, tick=False):
        with pytest.raises(FangkongError) as refused:
            arrival_orders_issue(
                actor=staff.manager,
                arrivals=[arrival_make(tree)],
                group="medium_risk_area_arrival",
                reason="中风险区来",
            )
        assert refused.value.code == "no_plan_for_group"
    with time_machine.travel(UNDER_10TH, tick=False):
        with pytest.raises(FangkongError) as refused:
            arrival_orders_issue(
                actor=staff.manager, arrivals=[arrival_make(tree)], group="inbound", reason="入境"
            )
        assert refused.value.code == "no_plan_for_group"


def test_arrival_orders_are_idempotent_recorded_and_audited(tree):
    staff = staff_make(tree)
    arrivals = [arrival_make(tree) for _ in range(3)]
    first = arrival_orders_issue(
        actor=staff.manager, arrivals=arrivals, group="inbound", reason="入境"
    )
    again = arrival_orders_issue(
        actor=staff.manager, arrivals=arrivals, group="inbound", reason="入境"
    )
    assert len(first.created) == 3
    assert (again.created, sorted(o.pk for o in again.existing)) == (
        [],
        sorted(o.pk for o in first.created),
    )
    assert IsolationOrder.objects.count() == 3
    assert OrderSource.objects.filter(kind="arrival").count() == 3
    audits = AuditEntry.objects.filter(action="arrival_order_issue")
    assert audits.count() == 3
    assert {a.rule_set for a in audits} == {"nhc-9@r1"}
    with pytest.raises(PermissionDenied):
        arrival_orders_issue(actor=staff.grid, arrivals=arrivals, group="inbound", reason="x")
    with pytest.raises(FangkongError) as bad:
        arrival_orders_issue(
            actor=staff.manager, arrivals=arrivals, group="close_contact", reason=""
        )
    assert {e["field"] for e in bad.value.detail["errors"]} == {"group"}


def test_arrival_orders_api_wrong_role_403_other_district_404_naming_the_row(tree, api):
    staff = staff_make(tree)
    mine, theirs = arrival_make(tree), arrival_make(tree, key="district_b")
    body = {"arrivals": [str(mine.code)], "group": "inbound", "reason": "入境"}
    assert api(staff.grid).post(f"{BASE}/arrival-orders", body).status_code == 403
    elsewhere = api(staff.manager).post(
        f"{BASE}/arrival-orders", {**body, "arrivals": [str(mine.code), str(theirs.code), "x"]}
    )
    assert elsewhere.status_code == 404
    assert [e["row"] for e in elsewhere.json()["detail"]["errors"]] == [2, 3]
    done = api(staff.epidemiologist).post(f"{BASE}/arrival-orders", body)
    assert done.status_code == 200
    assert len(done.json()["created"]) == 1
    no_reason = api(staff.manager).post(f"{BASE}/arrival-orders", {**body, "reason": " "})
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["detail"]["errors"]] == ["reason"]
    again = api(staff.manager).post(f"{BASE}/arrival-orders", body)
    assert again.json()["existing"] == done.json()["created"]


def test_a_positive_allowed_home_isolation_gets_an_order_under_the_positives_rule(tree):
    ward = ward_make(tree)
    day0 = NINTH_EDITION_DAY.date()
    order = home_isolation_order_issue(actor=ward.clinician, case=ward.case, reason="轻症居家")
    assert (order.kind, order.group, order.day0, order.release_on, order.rule_set) == (
        OrderKind.HOME_ISOLATION,
        HOME_ISOLATED_GROUP,
        day0,
        day0 + timedelta(days=7),  # 9th edition positives: release after 7 days
        "nhc-9@r1",
    )
    assert order.person_id == ward.case.person_id
    again = home_isolation_order_issue(actor=ward.clinician, case=ward.case, reason="再次")
    assert again.pk == order.pk
    event = OrderEvent.objects.get(order=order, kind="issued")
    assert (event.actor, event.reason, event.rule_set) == (
        ward.clinician.username,
        "轻症居家",
        "nhc-9@r1",
    )
    assert (
        AuditEntry.objects.filter(action="home_isolation_order_issue").count() == 1
    )  # again: read
    with pytest.raises(PermissionDenied):
        home_isolation_order_issue(actor=ward.staff.manager, case=ward.case, reason="x")


def test_home_isolation_refused_where_the_rules_isolate_no_positive_and_without_reason(tree):
    ward = ward_make(tree)
    with pytest.raises(FangkongError) as no_reason:
        home_isolation_order_issue(actor=ward.clinician, case=ward.case, reason=" ")
    assert no_reason.value.detail["errors"][0]["field"] == "reason"
    with time_machine.travel(UNDER_10TH, tick=False), pytest.raises(FangkongError) as refused:
        home_isolation_order_issue(
            actor=ward.clinician,
            case=ward.case,
            reason="居家",
            isolated_since=UNDER_10TH.date() - timedelta(days=1),
        )
    assert refused.value.code == "positives_not_isolated"
    assert not IsolationOrder.objects.filter(kind=OrderKind.HOME_ISOLATION).exists()


def test_home_isolation_api_other_district_404_wrong_role_403(tree, api):
    ward = ward_make(tree)
    path = f"{BASE}/cases/{ward.case.code}/home-isolation"
    assert api(ward.staff.manager).post(path, {"reason": "居家"}).status_code == 403
    other = api(ward.other_clinician).post(path, {"reason": "居家"})
    missing = api(ward.other_clinician).post(
        f"{BASE}/cases/{'0' * 8}-0000-0000-0000-{'0' * 12}/home-isolation", {"reason": "居家"}
    )
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    done = api(ward.clinician).post(path, {"reason": "轻症居家"})
    assert done.status_code == 200
    assert done.json()["release_on"] == str(NINTH_EDITION_DAY.date() + timedelta(days=7))
