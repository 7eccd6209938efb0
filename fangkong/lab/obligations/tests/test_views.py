"""The key-group, arrival and antigen pages: lists, forms (POST-redirect-GET, one
write per idempotency key), and anonymous / wrong-role / other-jurisdiction users."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.lab.choices import RetestReason
from fangkong.lab.models import AntigenTest, Arrival, KeyGroupMember, RetestTask
from fangkong.lab.obligations.services import key_group_assign
from fangkong.lab.tests.factories import screening_make

PAGES = ["lab:keygroups", "lab:arrivals", "lab:antigen"]


@pytest.fixture
def env(tree, make_actor):
    s = screening_make(tree, residents=4)
    return {
        "s": s,
        "grid": make_actor(Role.GRID_WORKER, tree["community_a"]),
        "grid_b": make_actor(Role.GRID_WORKER, tree["community_b"]),
        "clinician": make_actor(Role.CLINICIAN, tree["district_a"]),
        "commander_b": make_actor(Role.COMMANDER, tree["district_b"]),
    }


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_goes_to_login(db, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("lab:keygroups", Role.LAB_TECHNICIAN),
        ("lab:arrivals", Role.SUPPLIES_OFFICER),
        ("lab:antigen", Role.LAB_TECHNICIAN),
    ],
)
def test_wrong_role_is_refused(tree, make_actor, page_client, name, role):
    response = page_client(make_actor(role, tree["district_a"])).get(reverse(name))
    assert response.status_code == 403


def test_keygroups_page_lists_overdue_and_assigns_once(env, page_client):
    s, grid = env["s"], env["grid"]
    client = page_client(grid)
    form = {
        "action": "assign",
        "idempotency_key": "kg-1",
        "person": str(s.people[0].code),
        "group": "inbound_contact",
        "since": timezone.localdate().isoformat(),
    }
    first = client.post(reverse("lab:keygroups"), form)
    assert first.status_code == 302
    again = client.post(reverse("lab:keygroups"), form)  # a double submit
    assert again.status_code == 302
    assert KeyGroupMember.objects.count() == 1
    page = client.get(reverse("lab:keygroups"))
    assert page.status_code == 200
    assert s.people[0].name in page.content.decode()
    # an English page names the group in English (the rule set's name_en)
    assert "People in direct contact with inbound persons" in page.content.decode()
    chinese = client.get(reverse("lab:keygroups"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "直接接触入境人员、物品和环境的人员" in chinese.content.decode()

    other = page_client(env["grid_b"]).get(reverse("lab:keygroups"))
    assert s.people[0].name not in other.content.decode()


def test_keygroups_page_shows_service_errors_on_the_form(env, page_client):
    s = env["s"]
    client = page_client(env["grid"])
    response = client.post(
        reverse("lab:keygroups"),
        {
            "action": "assign",
            "person": str(s.people[0].code),
            "group": "inbound_contact",
            "since": timezone.localdate().isoformat(),
            "until": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert not KeyGroupMember.objects.exists()
    outsider = page_client(env["grid_b"]).post(
        reverse("lab:keygroups"),
        {
            "action": "assign",
            "person": str(s.people[0].code),
            "group": "inbound_contact",
            "since": timezone.localdate().isoformat(),
        },
    )
    assert outsider.status_code == 404
    assert not KeyGroupMember.objects.exists()


def test_keygroups_page_removes_with_a_reason(env, page_client):
    s, grid = env["s"], env["grid"]
    key_group_assign(
        actor=grid, person=s.people[0], group="inbound_contact", since=timezone.localdate()
    )
    response = page_client(grid).post(
        reverse("lab:keygroups"),
        {
            "action": "remove",
            "person": str(s.people[0].code),
            "group": "inbound_contact",
            "reason": "离岗",
        },
    )
    assert response.status_code == 302
    assert not KeyGroupMember.objects.exists()


def test_inspector_reads_but_cannot_write(env, tree, make_actor, page_client):
    s = env["s"]
    inspector = page_client(make_actor(Role.INSPECTOR, tree["district_a"]))
    assert inspector.get(reverse("lab:keygroups")).status_code == 200
    refused = inspector.post(
        reverse("lab:keygroups"),
        {
            "action": "assign",
            "person": str(s.people[0].code),
            "group": "inbound_contact",
            "since": timezone.localdate().isoformat(),
        },
    )
    assert refused.status_code == 403
    assert not KeyGroupMember.objects.exists()


def test_arrivals_page_registers_and_lists(env, page_client, django_assert_max_num_queries):
    s, grid = env["s"], env["grid"]
    client = page_client(grid)
    response = client.post(
        reverse("lab:arrivals"),
        {
            "idempotency_key": "arr-1",
            "person": str(s.people[1].code),
            "arrived_at": _local(timezone.now() - timedelta(hours=1)),
            "origin": "乌鲁木齐",
        },
    )
    assert response.status_code == 302
    arrival = Arrival.objects.get()
    assert arrival.origin == "乌鲁木齐"
    with django_assert_max_num_queries(12):
        page = client.get(reverse("lab:arrivals"), {"status": "untested"})
    assert page.status_code == 200
    assert "乌鲁木齐" in page.content.decode()
    assert (
        "乌鲁木齐" not in page_client(env["grid_b"]).get(reverse("lab:arrivals")).content.decode()
    )
    bad = client.post(
        reverse("lab:arrivals"),
        {
            "person": str(s.people[1].code),
            "arrived_at": _local(timezone.now() + timedelta(days=2)),
            "origin": "X",
        },
    )
    assert bad.status_code == 422
    assert Arrival.objects.count() == 1


def test_antigen_page_records_positive_as_pcr_task(env, page_client):
    s, clinician = env["s"], env["clinician"]
    client = page_client(clinician)
    response = client.post(
        reverse("lab:antigen"),
        {
            "idempotency_key": "ag-1",
            "person": str(s.people[2].code),
            "source": "clinic",
            "result": "positive",
            "tested_at": _local(timezone.now()),
            "kit_serial": "K-9",
        },
    )
    assert response.status_code == 302
    test = AntigenTest.objects.get()
    assert test.pcr_task is not None
    assert RetestTask.objects.get(pk=test.pcr_task.pk).reason == RetestReason.ANTIGEN
    page = client.get(reverse("lab:antigen"), {"person": str(s.people[2].code)})
    assert page.status_code == 200
    assert "K-9" in page.content.decode()
    other = page_client(env["grid_b"]).get(
        reverse("lab:antigen"), {"person": str(s.people[2].code)}
    )
    assert other.status_code == 404


def test_antigen_page_sends_a_negative_with_symptoms_to_pcr(env, page_client):
    s, clinician = env["s"], env["clinician"]
    client = page_client(clinician)
    form = client.get(reverse("lab:antigen")).content.decode()
    assert 'name="symptomatic"' in form
    response = client.post(
        reverse("lab:antigen"),
        {
            "idempotency_key": "ag-2",
            "person": str(s.people[1].code),
            "source": "clinic",
            "result": "negative",
            "tested_at": _local(timezone.now()),
            "symptomatic": "on",
        },
    )
    assert response.status_code == 302
    test = AntigenTest.objects.get()
    assert (test.symptomatic, test.suspected, test.pcr_task is not None) == (True, "symptoms", True)
    page = client.get(reverse("lab:antigen")).content.decode()
    assert "negative with symptoms" in page
