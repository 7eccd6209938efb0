"""Lab alerts through ``/api/v1/lab``: listed in scope, assigned, closed with a reason; and
anonymous, wrong-role and other-jurisdiction callers refused (other jurisdictions as 404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.lab.choices import AlertStatus
from fangkong.lab.models import LabAlert
from fangkong.lab.results.alerts import turnaround_alerts_raise
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import screening_make

BASE = "/api/v1/lab"


@pytest.fixture
def env(tree, make_actor):
    return {
        "s": screening_make(tree, residents=4),
        "grid": make_actor(Role.GRID_WORKER, tree["community_a"]),
        "commander_b": make_actor(Role.COMMANDER, tree["district_b"]),
    }


def _bind(s, barcode, numbers):
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in numbers]),
    ).tube


@pytest.fixture
def late(env):
    s = env["s"]
    tube = _bind(s, "L1001", [s.ids[3]])
    with time_machine.travel(tube.due_at + timedelta(minutes=1), tick=False):
        turnaround_alerts_raise(now=timezone.now())
    return LabAlert.objects.get(tube=tube)


def test_alerts_list_assign_close(env, api, late, make_actor, tree):
    s = env["s"]
    commander = api(s.commander)
    listed = commander.get(f"{BASE}/alerts", status="open")
    assert listed.status_code == 200
    assert [(i["kind"], i["tube"]) for i in listed.json()["items"]] == [("late_result", "L1001")]
    duty = make_actor(Role.DUTY_OFFICER, tree["district_a"])
    username = User.objects.get(pk=duty.user_id).username
    assigned = commander.post(f"{BASE}/alerts/late_result/L1001/assign", {"username": username})
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["owner"] == username
    closed = api(duty).post(f"{BASE}/alerts/late_result/L1001/close", {"reason": "已补报结果"})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    stored = LabAlert.objects.get(pk=late.pk)
    assert (stored.status, stored.closing_reason, stored.owner) == (
        AlertStatus.CLOSED,
        "已补报结果",
        username,
    )
    again = api(duty).post(f"{BASE}/alerts/late_result/L1001/close", {"reason": "x"})
    assert again.status_code == 409
    assert again.json()["code"] == "alert_closed"


def test_alert_refusals(env, api, late):
    s = env["s"]
    close = f"{BASE}/alerts/late_result/L1001/close"
    assign = f"{BASE}/alerts/late_result/L1001/assign"
    assert api(None).get(f"{BASE}/alerts").status_code == 401
    assert api(env["grid"]).get(f"{BASE}/alerts").status_code == 403
    assert api(env["commander_b"]).get(f"{BASE}/alerts").json()["items"] == []
    for path, body in ((close, {"reason": "x"}), (assign, {"username": "nobody"})):
        assert api(None).post(path, body).status_code == 401
        assert api(s.technician).post(path, body).status_code == 403
        other = api(env["commander_b"]).post(path, body)
        assert other.status_code == 404
        assert other.json()["code"] == "alert_not_found"
    assert api(s.commander).post(assign, {"username": "nobody"}).status_code == 404
    empty = api(s.commander).post(close, {"reason": ""})
    assert empty.status_code == 422
    assert LabAlert.objects.get(pk=late.pk).status == AlertStatus.OPEN
