"""The lab alerts page: lists the alerts in scope, assigns and closes them (a reason
required), and refuses anonymous, wrong-role and other-jurisdiction users."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.lab.choices import AlertStatus
from fangkong.lab.models import LabAlert
from fangkong.lab.results.alerts import turnaround_alerts_raise
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import screening_make


def test_anonymous_goes_to_login(db):
    response = Client().get(reverse("lab:alerts"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_wrong_role_is_refused(tree, make_actor, page_client):
    grid = make_actor(Role.GRID_WORKER, tree["district_a"])
    assert page_client(grid).get(reverse("lab:alerts")).status_code == 403


def _late(s):
    tube = tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode="V0001", members=[MemberInput(id_number=s.ids[0])]),
    ).tube
    with time_machine.travel(tube.due_at + timedelta(minutes=1), tick=False):
        turnaround_alerts_raise(now=timezone.now())
    return LabAlert.objects.get()


def test_alerts_page_lists_assigns_and_closes(page_client, make_actor, tree):
    s = screening_make(tree, residents=4)
    commander_b = make_actor(Role.COMMANDER, tree["district_b"])
    alert = _late(s)
    client = page_client(s.commander)
    page = client.get(reverse("lab:alerts"))
    assert page.status_code == 200
    assert "V0001" in page.content.decode()
    assert "V0001" not in page_client(commander_b).get(reverse("lab:alerts")).content.decode()
    duty = make_actor(Role.DUTY_OFFICER, tree["district_a"])
    username = User.objects.get(pk=duty.user_id).username
    assigned = client.post(
        reverse("lab:alerts"),
        {"action": "assign", "kind": "late_result", "barcode": "V0001", "username": username},
    )
    assert assigned.status_code == 302
    assert LabAlert.objects.get(pk=alert.pk).owner == username
    no_reason = client.post(
        reverse("lab:alerts"),
        {"action": "close", "kind": "late_result", "barcode": "V0001", "reason": ""},
    )
    assert no_reason.status_code == 422
    closed = client.post(
        reverse("lab:alerts"),
        {"action": "close", "kind": "late_result", "barcode": "V0001", "reason": "已改送他处"},
    )
    assert closed.status_code == 302
    stored = LabAlert.objects.get(pk=alert.pk)
    assert (stored.status, stored.closing_reason) == (AlertStatus.CLOSED, "已改送他处")
    outsider = page_client(commander_b).post(
        reverse("lab:alerts"),
        {"action": "close", "kind": "late_result", "barcode": "V0001", "reason": "x"},
    )
    assert outsider.status_code == 404
