"""A positive isolated at home is released under the rule set's ``positives`` — day count and
two tests at least 24 h apart with Ct ≥ 35 — by the same rule as a Fangcang discharge; then
handed to home health monitoring; roles, districts and audit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from fangkong.core.errors import Conflict, FangkongError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import OrderKind, OrderStatus
from fangkong.isolation.intake.home_isolation import home_isolation_order_issue
from fangkong.isolation.models import IsolationOrder, OrderEvent
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.orders.positives import positive_test_record
from fangkong.isolation.orders.release import order_release
from fangkong.isolation.treatment.tests.factories import Ward, ward_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY

pytestmark = pytest.mark.django_db
DAY0 = NINTH_EDITION_DAY


def _home_isolated(ward: Ward) -> IsolationOrder:
    return home_isolation_order_issue(actor=ward.clinician, case=ward.case, reason="轻症居家")


def _test(ward: Ward, order: IsolationOrder, at: datetime, result: str, ct: float | None) -> None:
    positive_test_record(
        actor=ward.clinician, order=order, sampled_at=at, result=result, ct_n=ct, ct_orf1ab=ct
    )


def _refusal(ward: Ward, order: IsolationOrder) -> set[str]:
    order.refresh_from_db()
    with pytest.raises(FangkongError) as refused:
        order_release(actor=ward.staff.epidemiologist, order=order, reason="解除居家隔离")
    assert refused.value.code == "release_conditions_unmet"
    return {error["code"] for error in refused.value.detail["errors"]}


def test_release_is_refused_until_the_day_count_and_two_tests_24h_apart_with_ct_35(tree):
    ward = ward_make(tree)
    order = _home_isolated(ward)
    assert _refusal(ward, order) == {"release_day_not_reached", "tests_missing"}
    with time_machine.travel(DAY0 + timedelta(days=7, hours=1), tick=False):
        _test(ward, order, DAY0 + timedelta(days=6), "positive", 32.0)
        _test(ward, order, DAY0 + timedelta(days=7), "positive", 36.0)
        assert _refusal(ward, order) == {"ct_below_threshold"}
    # the latest two now pass, but only 20 hours apart
    with time_machine.travel(DAY0 + timedelta(days=8), tick=False):
        _test(ward, order, DAY0 + timedelta(days=7, hours=20), "negative", None)
        assert _refusal(ward, order) == {"tests_too_close"}
    assert IsolationOrder.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_release_when_the_positives_rule_holds_hands_over_to_home_health_monitoring(tree):
    ward = ward_make(tree)
    order = _home_isolated(ward)
    with time_machine.travel(DAY0 + timedelta(days=7, hours=2), tick=False):
        _test(ward, order, DAY0 + timedelta(days=6), "positive", 35.0)
        _test(ward, order, DAY0 + timedelta(days=7), "negative", None)
        order.refresh_from_db()
        done = order_release(actor=ward.staff.epidemiologist, order=order, reason="达到解除标准")
        assert done.status == OrderStatus.RELEASED
        follow = IsolationOrder.objects.get(
            person_id=order.person_id, kind=OrderKind.HEALTH_MONITORING
        )
        # 9th edition: 7 days of home health monitoring after release
        assert follow.release_on == (DAY0 + timedelta(days=7)).date() + timedelta(days=7)
    event = OrderEvent.objects.get(order=order, kind="released")
    assert (event.actor, event.reason, event.rule_set) == (
        ward.staff.epidemiologist.username,
        "达到解除标准",
        "nhc-9@r1",
    )
    assert AuditEntry.objects.filter(action="positive_test_record").count() == 2


def test_release_tests_wrong_role_other_district_bad_values_and_a_plain_order(tree, api):
    ward = ward_make(tree)
    order = _home_isolated(ward)
    with pytest.raises(PermissionDenied):
        positive_test_record(
            actor=ward.staff.manager, order=order, sampled_at=DAY0, result="negative"
        )
    with pytest.raises(NotFound):
        access_order(ward.other_clinician, order.code)
    with pytest.raises(FangkongError) as bad:
        positive_test_record(
            actor=ward.clinician, order=order, sampled_at=DAY0, result="positive", ct_n=36.0
        )
    assert {e["field"] for e in bad.value.detail["errors"]} == {"ct_orf1ab"}
    path = f"/api/v1/isolation/orders/{order.code}/positive-tests"
    body = {"sampled_at": DAY0.isoformat(), "result": "negative"}
    assert api(ward.staff.manager).post(path, body).status_code == 403
    assert api(ward.other_clinician).post(path, body).status_code == 404
    answer = api(ward.clinician).post(path, body)
    assert answer.status_code == 200
    assert answer.json()["kind"] == "home_isolation"


def test_a_contacts_order_takes_no_positive_release_test(tree):
    from fangkong.isolation.orders.services import order_issue
    from fangkong.people.tests.factories import person_make

    ward = ward_make(tree)
    order = order_issue(
        actor=ward.staff.epidemiologist,
        person=person_make(region=tree["grid_a1"]),
        group="close_contact",
        day0=DAY0.date() - timedelta(days=1),
        reason="密接",
    )
    with pytest.raises(Conflict) as refused:
        positive_test_record(actor=ward.clinician, order=order, sampled_at=DAY0, result="negative")
    assert refused.value.code == "not_home_isolated"
