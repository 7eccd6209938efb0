"""The contacts API and page: the epidemiologist derives, lists and decides in bulk; other
districts get 404, wrong roles 403, anonymous visitors nothing; reads are logged."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AccessEntry
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.tests.factories import overlapping_guests, scene_make

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)


@pytest.fixture
def scene(tree):
    with time_machine.travel(NINTH, tick=True):
        visit_at = NINTH - timedelta(days=2)
        made = scene_make(tree, onset=NINTH.date() - timedelta(days=1), visit_at=visit_at)
        made.guests = overlapping_guests(made, visit_at, 3)
        yield made


def _base(scene):
    return f"/api/v1/tracing/cases/{scene.case.code}/contacts"


def test_derive_list_and_confirm_through_the_api(scene, api):
    client = api(scene.epidemiologist)
    derived = client.post(f"{_base(scene)}/derive")
    assert derived.status_code == 200, derived.content
    assert derived.json()["created"] == {"venue": 3, "household": 1}
    listed = client.get(_base(scene), status="candidate")
    body = listed.json()
    assert (listed.status_code, body["total"], body["counts"]["candidate"]) == (200, 4, 4)
    assert {item["name"] for item in body["items"]} >= {"客0", "客1", "客2", "同住"}
    entry = AccessEntry.objects.filter(action="case_contacts_read").latest("id")
    assert str(scene.case.person.code) in entry.subject_ids
    assert {item["person"] for item in body["items"]} <= set(entry.subject_ids)
    codes = [item["code"] for item in body["items"][:3]]
    confirmed = client.post(f"{_base(scene)}/confirm", {"contacts": codes, "reason": "同桌"})
    assert (confirmed.status_code, confirmed.json()) == (200, {"changed": 3})
    assert ContactLink.objects.filter(status="confirmed").count() == 3
    again = client.post(f"{_base(scene)}/dismiss", {"contacts": codes, "reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "contact_not_candidate")
    no_reason = client.post(f"{_base(scene)}/dismiss", {"contacts": codes[:1], "reason": ""})
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"]["errors"][0]["field"] == "reason"


def test_other_districts_get_404_wrong_roles_403_anonymous_401(scene, api):
    api(scene.epidemiologist).post(f"{_base(scene)}/derive")
    other = api(scene.other_epidemiologist)
    assert other.get(_base(scene)).status_code == 404
    assert other.post(f"{_base(scene)}/derive").status_code == 404
    code = str(ContactLink.objects.all()[0].code)
    refused = other.post(f"{_base(scene)}/confirm", {"contacts": [code], "reason": "r"})
    assert refused.status_code == 404
    grid = api(actor_make(role=Role.GRID_WORKER, region=scene.tree["district_a"]))
    assert grid.get(_base(scene)).status_code == 403
    commander = api(actor_make(role=Role.COMMANDER, region=scene.tree["district_a"]))
    assert commander.get(_base(scene)).status_code == 200
    assert commander.post(f"{_base(scene)}/derive").status_code == 403
    assert api(None).get(_base(scene)).status_code == 401
    assert ContactLink.objects.filter(status="candidate").count() == 4


def test_the_contacts_tab_derives_and_decides_in_bulk(scene, page_client):
    client = page_client(scene.epidemiologist)
    url = f"/tracing/cases/{scene.case.code}/contacts/"
    assert "客0" not in client.get(url).content.decode()
    derived = client.post(f"{url}derive/", follow=True)
    html = derived.content.decode()
    assert derived.status_code == 200
    assert "客0" in html
    assert "同住" in html
    codes = [str(c) for c in ContactLink.objects.values_list("code", flat=True)[:2]]
    decided = client.post(
        f"{url}decide/", {"contacts": codes, "decision": "confirm", "reason": "同桌"}, follow=True
    )
    assert decided.status_code == 200
    assert ContactLink.objects.filter(status="confirmed").count() == 2
    refused = client.post(f"{url}decide/", {"contacts": codes, "decision": "dismiss", "reason": ""})
    assert refused.status_code == 422
    assert ContactLink.objects.filter(status="confirmed").count() == 2


def test_the_contacts_tab_refuses_other_districts_wrong_roles_and_anonymous(scene, page_client):
    url = f"/tracing/cases/{scene.case.code}/contacts/"
    assert page_client(scene.other_epidemiologist).get(url).status_code == 404
    grid = actor_make(role=Role.GRID_WORKER, region=scene.tree["district_a"])
    assert page_client(grid).get(url).status_code == 403
    assert Client().get(url).status_code in (302, 401)
    assert page_client(scene.epidemiologist).get(url).status_code == 200


def test_the_contacts_tab_shows_classmates_labelled_as_the_class(scene, page_client):
    from fangkong.people.groups.tests.factories import group_make
    from fangkong.people.tests.factories import person_make

    classmate = person_make(region=scene.tree["grid_a2"], name="同班同学", id_number=None)
    group_make(
        region=scene.tree["district_a"],
        members=[scene.case.person, classmate],
        kind="school_class",
        name="初一(2)班",
    )
    client = page_client(scene.epidemiologist)
    url = f"/tracing/cases/{scene.case.code}/contacts/"
    html = client.post(f"{url}derive/", follow=True).content.decode()
    row = next(line for line in html.split("<tr>") if "同班同学" in line)
    assert "Class" in row
