"""Orders for a case's confirmed contacts, in bulk: the group follows the contact's kind,
day 0 the last exposure, a retried call creates nothing, persons of other districts and
dismissed candidates get none; through the service, the API and the page."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import OrderKind
from fangkong.isolation.intake.selectors import cases_awaiting_orders, contacts_without_order
from fangkong.isolation.intake.services import contact_orders_issue
from fangkong.isolation.models import IsolationOrder, OrderSource, OrderTestTask
from fangkong.isolation.orders.services import order_issue
from fangkong.isolation.tests.factories import staff_make
from fangkong.people.tests.factories import person_make
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.services import contacts_decide, contacts_derive
from fangkong.tracing.contacts.tests.factories import overlapping_guests, scene_make

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)
VISIT = datetime(2022, 7, 11, 18, 0, tzinfo=LOCAL)


def _scene(tree, *, home="grid_a2"):
    """A case with a housemate and three guests who overlapped its visit on 11 July: two
    guests and the housemate confirmed close contacts, the third dismissed."""
    scene = scene_make(tree, onset=date(2022, 7, 14), visit_at=VISIT)
    guests = overlapping_guests(scene, VISIT, 3, home=home)
    contacts_derive(actor=scene.epidemiologist, case=scene.case)
    links = {link.person_id: link.code for link in ContactLink.objects.filter(case=scene.case)}
    contacts_decide(
        actor=scene.epidemiologist,
        case=scene.case,
        codes=[links[g.pk] for g in guests[:2]] + [links[scene.housemate.pk]],
        decision="confirm",
        reason="同桌用餐",
    )
    contacts_decide(
        actor=scene.epidemiologist,
        case=scene.case,
        codes=[links[guests[2].pk]],
        decision="dismiss",
        reason="另一厅",
    )
    return scene, guests


def test_confirmed_close_contacts_get_orders_from_their_last_exposure_once(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, guests = _scene(tree)
        staff = staff_make(tree)
        assert contacts_without_order(actor=staff.manager, case=scene.case).count() == 3
        assert [(c.pk, n) for c, n in cases_awaiting_orders(actor=staff.manager)] == [
            (scene.case.pk, 3)
        ]
        report = contact_orders_issue(actor=staff.manager, case=scene.case, reason="密接隔离")
        again = contact_orders_issue(actor=staff.manager, case=scene.case, reason="密接隔离")
    assert len(report.created) == 3
    assert report.existing == []
    assert report.skipped == {}
    assert again.created == []
    assert again.existing == []
    orders = {o.person_id: o for o in IsolationOrder.objects.all()}
    assert set(orders) == {guests[0].pk, guests[1].pk, scene.housemate.pk}
    assert all(o.group == "close_contact" for o in orders.values())
    assert all(o.kind == OrderKind.CENTRAL_QUARANTINE for o in orders.values())
    # the venue guests from the end of the overlap; the housemate until the case was opened
    assert orders[guests[0].pk].day0 == date(2022, 7, 11)
    assert orders[guests[0].pk].release_on == date(2022, 7, 21)
    assert orders[scene.housemate.pk].day0 == date(2022, 7, 15)
    assert OrderTestTask.objects.filter(order=orders[guests[0].pk]).count() == 6
    assert OrderSource.objects.count() == 3
    assert contacts_without_order(actor=staff.manager, case=scene.case).count() == 0
    assert cases_awaiting_orders(actor=staff.manager) == []
    entry = AuditEntry.objects.get(action="contact_orders_issue")
    assert entry.object_id == str(scene.case.code)
    assert AuditEntry.objects.filter(action="order_issue").count() == 3


def test_a_secondary_contact_gets_home_quarantine_from_the_day_its_contact_was_confirmed(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, guests = _scene(tree)
        partner = person_make(region=tree["grid_a2"], household=guests[0].household, name="家属")
        contacts_derive(actor=scene.epidemiologist, case=scene.case)
        link = ContactLink.objects.get(case=scene.case, person=partner)
        assert link.kind == "secondary"
        contacts_decide(
            actor=scene.epidemiologist,
            case=scene.case,
            codes=[link.code],
            decision="confirm",
            reason="密接家属",
        )
        staff = staff_make(tree)
        contact_orders_issue(actor=staff.epidemiologist, case=scene.case, reason="次密接")
    order = IsolationOrder.objects.get(person=partner)
    assert order.group == "secondary_contact"
    assert order.kind == OrderKind.HOME_QUARANTINE
    assert order.day0 == date(2022, 7, 15)
    assert [t.day for t in OrderTestTask.objects.filter(order=order)] == [1, 4, 7]


def test_a_person_already_under_an_open_order_keeps_it_and_the_link_points_at_it(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, guests = _scene(tree)
        staff = staff_make(tree)
        earlier = order_issue(
            actor=staff.epidemiologist,
            person=guests[0],
            group="close_contact",
            day0=date(2022, 7, 10),
            reason="另一病例的密接",
        )
        report = contact_orders_issue(actor=staff.manager, case=scene.case, reason="密接隔离")
    assert [o.pk for o in report.existing] == [earlier.pk]
    assert len(report.created) == 2
    assert IsolationOrder.objects.filter(person=guests[0]).count() == 1
    assert OrderSource.objects.filter(order=earlier).count() == 1


def test_contacts_living_in_another_district_are_left_to_it(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, guests = _scene(tree, home="grid_b1")
        staff = staff_make(tree)
        report = contact_orders_issue(actor=staff.manager, case=scene.case, reason="密接隔离")
    assert report.skipped == {"out_of_scope": 2}
    assert [o.person_id for o in report.created] == [scene.housemate.pk]
    assert not IsolationOrder.objects.filter(person__in=guests).exists()


def test_intake_needs_the_role_and_a_reason(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, _guests = _scene(tree)
        staff = staff_make(tree)
        with pytest.raises(PermissionDenied):
            contact_orders_issue(actor=staff.grid, case=scene.case, reason="密接隔离")
        with pytest.raises(ValidationFailed) as refused:
            contact_orders_issue(actor=staff.manager, case=scene.case, reason=" ")
    assert refused.value.errors[0]["field"] == "reason"
    assert not IsolationOrder.objects.exists()


def test_the_api_issues_once_and_hides_another_districts_case(tree, api):
    with time_machine.travel(NINTH, tick=False):
        scene, _guests = _scene(tree)
        staff = staff_make(tree)
        url = f"/api/v1/isolation/cases/{scene.case.code}/contact-orders"
        assert api(staff.manager).get(url).json() == {"waiting": 3}
        first = api(staff.manager).post(url, {"reason": "密接隔离"})
        second = api(staff.manager).post(url, {"reason": "密接隔离"})
        hidden = api(staff.other_manager).post(url, {"reason": "密接隔离"})
        forbidden = api(staff.grid).post(url, {"reason": "密接隔离"})
        missing = api(staff.manager).post(
            "/api/v1/isolation/cases/00000000-0000-0000-0000-000000000000/contact-orders",
            {"reason": "密接隔离"},
        )
    assert first.status_code == 200
    assert len(first.json()["created"]) == 3
    assert first.json()["waiting"] == 0
    assert second.json()["created"] == []
    assert second.json()["existing"] == []
    assert hidden.status_code == 404
    assert missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"]
    assert forbidden.status_code == 403
    assert IsolationOrder.objects.count() == 3


def test_the_intake_page_lists_the_case_and_issues_its_orders(tree, page_client):
    with time_machine.travel(NINTH, tick=True):
        scene, _guests = _scene(tree)
        staff = staff_make(tree)
        client = page_client(staff.manager)
        listing = client.get("/isolation/intake/")
        assert listing.status_code == 200
        assert str(scene.case.code) in listing.content.decode()
        url = f"/isolation/intake/cases/{scene.case.code}/contact-orders/"
        assert client.post(url, {"reason": ""}).status_code == 422
        assert client.post(url, {"reason": "密接隔离"}).status_code == 302
        assert page_client(staff.grid).get("/isolation/intake/").status_code in (302, 403)
        assert page_client(staff.other_manager).post(url, {"reason": "x"}).status_code == 404
    assert IsolationOrder.objects.count() == 3
    assert str(scene.case.code) not in client.get("/isolation/intake/").content.decode()
