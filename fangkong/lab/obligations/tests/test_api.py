"""Key groups, arrivals and antigen results through ``/api/v1/lab``: each endpoint
for the right role, anonymous (401), a wrong role (403) and another jurisdiction (404)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.lab.choices import RetestReason
from fangkong.lab.models import AntigenTest, Arrival, KeyGroupMember, RetestTask
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import screening_make

BASE = "/api/v1/lab"


@pytest.fixture
def env(tree, make_actor):
    s = screening_make(tree, residents=4)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    grid_b = make_actor(Role.GRID_WORKER, tree["community_b"])
    clinician = make_actor(Role.CLINICIAN, tree["district_a"])
    clinician_b = make_actor(Role.CLINICIAN, tree["district_b"])
    commander_b = make_actor(Role.COMMANDER, tree["district_b"])
    return {
        "s": s,
        "grid": grid,
        "grid_b": grid_b,
        "clinician": clinician,
        "clinician_b": clinician_b,
        "commander_b": commander_b,
    }


def _key():
    return {"Idempotency-Key": str(uuid.uuid4())}


def _bind(s, barcode, numbers):
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in numbers]),
    ).tube


# --------------------------------------------------------------------------- key groups


def test_key_group_assign_list_and_remove(env, api):
    s, grid = env["s"], env["grid"]
    person = s.people[0]
    today = timezone.localdate().isoformat()
    created = api(grid).post(
        f"{BASE}/key-groups",
        {"person": str(person.code), "group": "inbound_contact", "since": today},
        headers=_key(),
    )
    assert created.status_code == 201, created.json()
    assert created.json() == {
        "person": str(person.code),
        "group": "inbound_contact",
        "since": today,
        "until": None,
    }
    assert KeyGroupMember.objects.filter(person=person, group="inbound_contact").exists()

    listed = api(grid).get(f"{BASE}/key-groups/overdue")
    assert listed.status_code == 200
    body = listed.json()
    assert "nhc-9" in body["rule_set"]
    assert [item["person"] for item in body["items"]] == [str(person.code)]
    assert body["items"][0]["overdue"] is True
    assert body["items"][0]["name"] == person.name

    _bind(s, "K1001", [s.ids[0]])
    assert api(grid).get(f"{BASE}/key-groups/overdue").json()["items"] == []
    every = api(grid).get(f"{BASE}/key-groups/overdue", all="true").json()["items"]
    assert [(i["person"], i["overdue"]) for i in every] == [(str(person.code), False)]

    removed = api(grid).post(
        f"{BASE}/key-groups/{person.code}/inbound_contact/remove", {"reason": "调岗"}
    )
    assert removed.status_code == 204
    assert not KeyGroupMember.objects.exists()


def test_key_group_assign_refusals(env, api):
    s, grid = env["s"], env["grid"]
    payload = {
        "person": str(s.people[0].code),
        "group": "inbound_contact",
        "since": timezone.localdate().isoformat(),
    }
    assert api(None).post(f"{BASE}/key-groups", payload).status_code == 401
    wrong = api(s.technician).post(f"{BASE}/key-groups", payload)
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "role_not_allowed"
    other = api(env["grid_b"]).post(f"{BASE}/key-groups", payload)
    assert other.status_code == 404
    assert other.json()["code"] == "person_not_found"
    unknown = api(grid).post(f"{BASE}/key-groups", {**payload, "group": "students"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "group_unknown"
    assert unknown.json()["detail"]["errors"][0]["field"] == "group"
    assert not KeyGroupMember.objects.exists()


def test_key_group_remove_and_list_refusals(env, api):
    s, grid = env["s"], env["grid"]
    path = f"{BASE}/key-groups/{s.people[0].code}/inbound_contact/remove"
    assert api(None).post(path, {"reason": "x"}).status_code == 401
    assert api(s.technician).post(path, {"reason": "x"}).status_code == 403
    assert api(env["grid_b"]).post(path, {"reason": "x"}).status_code == 404
    missing = api(grid).post(path, {"reason": "x"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "key_group_member_not_found"

    listing = f"{BASE}/key-groups/overdue"
    assert api(None).get(listing).status_code == 401
    assert api(s.technician).get(listing).status_code == 403
    other = api(env["grid_b"]).get(listing, region=s.people[0].region.code)
    assert other.status_code == 404


# --------------------------------------------------------------------------- arrivals


def test_arrival_register_and_list(env, api):
    s, grid = env["s"], env["grid"]
    arrived = timezone.now() - timedelta(hours=2)
    created = api(grid).post(
        f"{BASE}/arrivals",
        {"person": str(s.people[1].code), "arrived_at": arrived.isoformat(), "origin": "广州"},
        headers=_key(),
    )
    assert created.status_code == 201, created.json()
    arrival = Arrival.objects.get()
    assert created.json()["code"] == str(arrival.code)
    assert arrival.test_due_at == arrival.arrived_at + timedelta(hours=24)

    untested = api(grid).get(f"{BASE}/arrivals", status="untested").json()["items"]
    assert [item["code"] for item in untested] == [str(arrival.code)]
    _bind(s, "A1001", [s.ids[1]])
    tested = api(grid).get(f"{BASE}/arrivals", status="tested").json()["items"]
    assert [item["code"] for item in tested] == [str(arrival.code)]
    assert tested[0]["tested_at"] is not None
    assert api(env["grid_b"]).get(f"{BASE}/arrivals").json()["items"] == []


def test_arrival_refusals(env, api):
    s = env["s"]
    payload = {
        "person": str(s.people[1].code),
        "arrived_at": timezone.now().isoformat(),
        "origin": "广州",
    }
    assert api(None).post(f"{BASE}/arrivals", payload).status_code == 401
    assert api(s.technician).post(f"{BASE}/arrivals", payload).status_code == 403
    assert api(env["grid_b"]).post(f"{BASE}/arrivals", payload).status_code == 404
    future = api(env["grid"]).post(
        f"{BASE}/arrivals",
        {**payload, "arrived_at": (timezone.now() + timedelta(days=2)).isoformat()},
    )
    assert future.status_code == 422
    assert future.json()["detail"]["errors"][0]["field"] == "arrived_at"
    assert not Arrival.objects.exists()
    assert api(None).get(f"{BASE}/arrivals").status_code == 401
    assert api(s.technician).get(f"{BASE}/arrivals").status_code == 403


# --------------------------------------------------------------------------- antigen


def test_antigen_record_and_list(env, api):
    s, clinician = env["s"], env["clinician"]
    person = s.people[2]
    key = _key()
    payload = {
        "person": str(person.code),
        "source": "clinic",
        "result": "positive",
        "tested_at": timezone.now().isoformat(),
        "kit_serial": "AG-0001",
    }
    created = api(clinician).post(f"{BASE}/antigen", payload, headers=key)
    assert created.status_code == 201, created.json()
    task = RetestTask.objects.get()
    assert task.reason == RetestReason.ANTIGEN
    assert created.json()["pcr_task"] == str(task.code)
    replay = api(clinician).post(f"{BASE}/antigen", payload, headers=key)
    assert replay.json() == created.json()
    assert AntigenTest.objects.count() == 1

    listed = api(clinician).get(f"{BASE}/persons/{person.code}/antigen")
    assert listed.status_code == 200
    assert [item["code"] for item in listed.json()["items"]] == [created.json()["code"]]
    assert (listed.json()["total"], listed.json()["total_capped"]) == (1, False)
    path = f"{BASE}/persons/{person.code}/antigen"
    assert api(None).get(path).status_code == 401
    assert api(s.technician).get(path).status_code == 403
    assert api(env["clinician_b"]).get(path).status_code == 404


def test_a_negative_antigen_with_symptoms_opens_a_pcr_task(env, api):
    s, clinician = env["s"], env["clinician"]
    payload = {
        "person": str(s.people[1].code),
        "source": "clinic",
        "result": "negative",
        "tested_at": timezone.now().isoformat(),
        "symptomatic": True,
    }
    created = api(clinician).post(f"{BASE}/antigen", payload, headers=_key())
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["symptomatic"], body["suspected"]) == (True, "symptoms")
    assert body["pcr_task"] == str(RetestTask.objects.get(person=s.people[1]).code)
    without = {**payload, "person": str(s.people[0].code), "symptomatic": False}
    plain = api(clinician).post(f"{BASE}/antigen", without, headers=_key()).json()
    assert (plain["suspected"], plain["pcr_task"]) == ("", None)


def test_antigen_refusals(env, api):
    s = env["s"]
    payload = {
        "person": str(s.people[2].code),
        "source": "self",
        "result": "negative",
        "tested_at": timezone.now().isoformat(),
    }
    assert api(None).post(f"{BASE}/antigen", payload).status_code == 401
    assert api(s.commander).post(f"{BASE}/antigen", payload).status_code == 403
    assert api(env["clinician_b"]).post(f"{BASE}/antigen", payload).status_code == 404
    bad = api(env["clinician"]).post(f"{BASE}/antigen", {**payload, "result": "unclear"})
    assert bad.status_code == 422
    assert not AntigenTest.objects.exists()
