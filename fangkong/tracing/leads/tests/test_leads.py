"""Lead lists (R21): contacts living in another district are pushed there with the rule set's
deadline; only that district sees them, and only what locating needs; each check ends with an
outcome and a reason; persons not checked by the deadline are counted per district."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.tracing.contacts.services import contacts_derive
from fangkong.tracing.contacts.tests.factories import overlapping_guests, scene_make
from fangkong.tracing.leads.models import LeadItem, LeadList
from fangkong.tracing.leads.selectors import leads_not_checked
from fangkong.tracing.leads.services import lead_lists_push

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)


@pytest.fixture
def pushed(tree):
    """A case in district A; two guests from district B, one from A; derived and pushed."""
    with time_machine.travel(NINTH, tick=False):
        visit_at = NINTH - timedelta(days=2)
        scene = scene_make(tree, onset=NINTH.date() - timedelta(days=1), visit_at=visit_at)
        scene.guests = overlapping_guests(scene, visit_at, 2, home="grid_b1")
        overlapping_guests(scene, visit_at, 1, key="2")
        contacts_derive(actor=scene.epidemiologist, case=scene.case)
        lists = lead_lists_push(actor=scene.epidemiologist, case=scene.case)
    return scene, lists


def test_contacts_living_elsewhere_are_pushed_once_with_the_rule_set_deadline(pushed, tree):
    pushed, lists = pushed
    assert [(p.district, p.persons) for p in lists] == [(tree["district_b"].name, 2)]
    lead_list = LeadList.objects.get()
    assert lead_list.to_region == tree["district_b"]
    assert lead_list.deadline == NINTH + timedelta(hours=24)
    assert lead_list.rule_set.startswith("nhc-9")
    assert {i.person_id for i in LeadItem.objects.all()} == {g.pk for g in pushed.guests}
    entry = AuditEntry.objects.get(action="lead_list_push")
    assert entry.extra["persons"] == 2
    with time_machine.travel(NINTH + timedelta(minutes=5), tick=False):
        assert lead_lists_push(actor=pushed.epidemiologist, case=pushed.case) == []


def test_the_receiving_district_sees_only_what_locating_needs(pushed, tree, api):
    pushed, _lists = pushed
    receiver = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_b"])
    code = LeadList.objects.get().code
    with time_machine.travel(NINTH + timedelta(hours=1), tick=False):
        inbox = api(receiver).get("/api/v1/tracing/leads").json()
        assert [row["code"] for row in inbox["items"]] == [str(code)]
        answer = api(receiver).get(f"/api/v1/tracing/leads/{code}/items")
    assert answer.status_code == 200
    body = answer.json()
    item = body["items"][0]
    assert set(item) == {
        "code",
        "person",
        "name",
        "id_masked",
        "phone",
        "address",
        "kind",
        "confirmed",
        "deadline",
        "outcome",
        "checked_by",
        "reason",
    }
    assert "*" in item["id_masked"]
    assert item["address"].startswith("外区")
    text = answer.content.decode()
    assert str(pushed.case.code) not in text
    assert str(pushed.case.person.code) not in text
    assert pushed.case.person.name not in text
    assert pushed.venue.name not in text
    read = AccessEntry.objects.filter(action="lead_list_read").latest("id")
    assert {row["person"] for row in body["items"]} == set(read.subject_ids)


def test_other_districts_get_404_and_wrong_roles_403(pushed, tree, api):
    pushed, _lists = pushed
    code = LeadList.objects.get().code
    item = LeadItem.objects.order_by("id")[0]
    # the sending district and a third party see nothing of the list
    for actor in (
        pushed.epidemiologist,
        actor_make(role=Role.EPIDEMIOLOGIST, region=tree["grid_a1"]),
    ):
        assert api(actor).get(f"/api/v1/tracing/leads/{code}/items").status_code == 404
        checked = api(actor).post(
            f"/api/v1/tracing/leads/items/{item.code}/check",
            {"outcome": "located", "reason": "x"},
        )
        assert checked.status_code == 404
        assert api(actor).get("/api/v1/tracing/leads").json()["items"] == []
    sampler = actor_make(role=Role.SAMPLER, region=tree["district_b"])
    assert api(sampler).get(f"/api/v1/tracing/leads/{code}/items").status_code == 403
    assert LeadItem.objects.filter(outcome="pending").count() == 2


def test_a_check_needs_an_outcome_and_a_reason_and_happens_once(pushed, tree, api):
    pushed, _lists = pushed
    grid = actor_make(role=Role.GRID_WORKER, region=tree["grid_b1"])
    item = LeadItem.objects.order_by("id")[0]
    url = f"/api/v1/tracing/leads/items/{item.code}/check"
    with time_machine.travel(NINTH + timedelta(hours=2), tick=False):
        no_reason = api(grid).post(url, {"outcome": "located", "reason": ""})
        assert no_reason.status_code == 422
        assert no_reason.json()["detail"]["errors"][0]["field"] == "reason"
        bad = api(grid).post(url, {"outcome": "arrested", "reason": "x"})
        assert bad.status_code == 422
        done = api(grid).post(url, {"outcome": "located", "reason": "已落位，居家"})
        assert (done.status_code, done.json()["outcome"]) == (200, "located")
        again = api(grid).post(url, {"outcome": "duplicate", "reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "lead_already_checked")
    item.refresh_from_db()
    assert (item.checked_by, item.checked_role, item.reason) == (
        grid.username,
        "grid_worker",
        "已落位，居家",
    )
    assert item.rule_set.startswith("nhc-9")
    assert AuditEntry.objects.filter(action="lead_item_check", object_id=str(item.code)).exists()


def test_persons_not_checked_after_24_hours_are_counted_per_district(pushed, tree):
    pushed, _lists = pushed
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    item = LeadItem.objects.order_by("id")[0]
    with time_machine.travel(NINTH + timedelta(hours=23, minutes=59), tick=False):
        [row] = leads_not_checked(actor=commander)
        assert (row.region_code, row.not_checked, row.pending) == (tree["district_b"].code, 0, 2)
    LeadItem.objects.filter(pk=item.pk).update(outcome="located")
    with time_machine.travel(NINTH + timedelta(hours=24, minutes=1), tick=False):
        [row] = leads_not_checked(actor=commander)
        assert (row.not_checked, row.pending) == (1, 1)
        district_a = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
        assert leads_not_checked(actor=district_a) == []


def test_the_inbox_and_list_pages_and_the_push_button(pushed, tree, page_client):
    pushed, _lists = pushed
    receiver = actor_make(role=Role.GRID_WORKER, region=tree["grid_b1"])
    client = page_client(receiver)
    inbox = client.get("/tracing/leads/")
    assert inbox.status_code == 200
    code = LeadList.objects.get().code
    assert f"/tracing/leads/{code}/" in inbox.content.decode()
    page = client.get(f"/tracing/leads/{code}/").content.decode()
    assert pushed.guests[0].name in page
    assert pushed.case.person.name not in page
    item = LeadItem.objects.order_by("id")[0]
    refused = client.post(f"/tracing/leads/items/{item.code}/check/", {"outcome": "located"})
    assert refused.status_code == 422
    done = client.post(
        f"/tracing/leads/items/{item.code}/check/",
        {"outcome": "not_in_area", "reason": "已搬离"},
        follow=True,
    )
    assert done.status_code == 200
    item.refresh_from_db()
    assert item.outcome == "not_in_area"
    assert page_client(pushed.epidemiologist).get(f"/tracing/leads/{code}/").status_code == 404
    sender = page_client(pushed.epidemiologist)
    pushed_again = sender.post(f"/tracing/cases/{pushed.case.code}/leads/push/", follow=True)
    assert pushed_again.status_code == 200
    assert LeadList.objects.count() == 1
