"""Care requests: filed by staff or through the resident's page with the rule set's deadline
for the category, taken by an owner, flagged when overdue, decided with an outcome; an
appeal against an order is never decided by who issued it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.care.access import access_care_request
from fangkong.isolation.care.selectors import care_list
from fangkong.isolation.care.services import (
    care_request_decide,
    care_request_file,
    care_request_file_by_resident,
    care_request_take,
)
from fangkong.isolation.models import CareEvent, IsolationOrder
from fangkong.isolation.orders.services import order_issue
from fangkong.isolation.tests.factories import Staff, staff_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db


def _order(tree: dict[str, Any]) -> tuple[Staff, IsolationOrder]:
    staff = staff_make(tree)
    person = person_make(region=tree["community_a"])
    order = order_issue(
        actor=staff.epidemiologist,
        person=person,
        group="close_contact",
        day0=NINTH_EDITION_DAY.date() - timedelta(days=1),
        reason="密接",
    )
    return staff, order


def test_a_request_gets_the_rule_sets_deadline_for_its_category_and_its_filer_as_owner(tree):
    staff, order = _order(tree)
    request = care_request_file(
        actor=staff.manager, order=order, category="medicine", text="降压药（氨氯地平）两盒"
    )
    # 9th edition: medicine within 4 hours, appeals within 24
    assert request.deadline - request.filed_at == timedelta(hours=4)
    assert (request.owner_id, request.filed_by_kind, request.rule_set) == (
        staff.manager.user_id,
        "staff",
        "nhc-9@r1",
    )
    assert CareEvent.objects.filter(request=request, kind="filed").exists()
    assert AuditEntry.objects.filter(action="care_request_file").count() == 1
    with pytest.raises(ValidationFailed) as bad:
        care_request_file(actor=staff.manager, order=order, category="money", text="")
    assert {e["field"] for e in bad.value.errors} == {"category", "text"}


def test_a_resident_request_is_unowned_until_taken_and_flagged_overdue_after_its_deadline(tree):
    staff, order = _order(tree)
    request = care_request_file_by_resident(
        order=order, category="special_diet", text="清真饮食", family=True
    )
    assert (request.owner_id, request.filed_by_kind) == (None, "family")
    assert not care_list(actor=staff.manager, now=timezone.now(), overdue=True).exists()
    later = timezone.now() + timedelta(hours=25)
    late = care_list(actor=staff.manager, now=later, overdue=True)
    assert [r.code for r in late] == [request.code]
    assert list(late.values_list("is_overdue", flat=True)) == [True]  # type: ignore[misc]
    taken = care_request_take(actor=staff.manager, request=request)
    assert taken.owner_id == staff.manager.user_id
    done = care_request_decide(
        actor=staff.manager, request=taken, outcome="granted", note="已安排清真餐"
    )
    assert (done.status, done.outcome, done.decided_by) == (
        "decided",
        "granted",
        staff.manager.username,
    )
    assert not care_list(actor=staff.manager, now=later, overdue=True).exists()
    with pytest.raises(Conflict):
        care_request_take(actor=staff.manager, request=done)


def test_an_appeal_decided_by_the_orders_issuer_is_refused_and_by_another_is_audited(tree):
    staff, order = _order(tree)
    appeal = care_request_file(
        actor=staff.manager, order=order, category="appeal", text="本人当日不在该场所"
    )
    with pytest.raises(PermissionDenied) as issuer:
        care_request_decide(
            actor=staff.epidemiologist, request=appeal, outcome="upheld", note="维持"
        )
    assert issuer.value.code == "appeal_decided_by_issuer"
    with pytest.raises(PermissionDenied):  # a site manager does not decide appeals
        care_request_decide(actor=staff.manager, request=appeal, outcome="upheld", note="维持")
    second = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    with pytest.raises(ValidationFailed) as wrong:
        care_request_decide(actor=second, request=appeal, outcome="resolved", note="x")
    assert wrong.value.errors[0]["field"] == "outcome"
    decided = care_request_decide(
        actor=second, request=appeal, outcome="upheld", note="行程轨迹核实有交集，维持隔离"
    )
    assert (decided.outcome, decided.decided_by) == ("upheld", second.username)
    entry = AuditEntry.objects.get(action="care_request_decide")
    assert entry.reason == "行程轨迹核实有交集，维持隔离"
    assert entry.rule_set == "nhc-9@r1"


def test_requests_of_another_district_look_missing_and_a_released_order_takes_none(tree):
    staff, order = _order(tree)
    request = care_request_file(actor=staff.manager, order=order, category="carer", text="需陪护")
    with pytest.raises(NotFound):
        access_care_request(staff.other_manager, request.code)
    with pytest.raises(PermissionDenied):
        access_care_request(staff.grid, request.code)
    IsolationOrder.objects.filter(pk=order.pk).update(status="released")
    order.refresh_from_db()
    with pytest.raises(Conflict) as closed:
        care_request_file(actor=staff.manager, order=order, category="complaint", text="投诉")
    assert closed.value.code == "order_not_open"


def test_the_deadline_follows_the_rules_in_force_when_filed(tree):
    staff, order = _order(tree)
    with time_machine.travel(NINTH_EDITION_DAY + timedelta(hours=3), tick=False):
        request = care_request_file(
            actor=staff.manager, order=order, category="appeal", text="申诉"
        )
    assert request.deadline == NINTH_EDITION_DAY + timedelta(hours=27)
