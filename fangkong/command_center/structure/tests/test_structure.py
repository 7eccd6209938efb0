"""Command bodies with working groups and members; an incident's command moves up a level
(提级指挥) and keeps its history (R34); a district sees its own bodies and incidents, not a
sibling's."""

from __future__ import annotations

import pytest

from fangkong.command_center.models import IncidentEscalation, Notification
from fangkong.command_center.structure.services import (
    command_body_create,
    group_member_add,
    incident_escalate,
    incident_open,
    working_group_create,
)
from fangkong.command_center.tests.duty_factories import duty_staff_make
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db
BASE = "/api/v1/command"


def _bodies(staff):
    tree = staff.tree
    return (
        command_body_create(actor=staff.city_commander, region=tree["city"], name="市指挥部"),
        command_body_create(
            actor=staff.commander_a, region=tree["district_a"], name="朝阳区指挥部"
        ),
    )


def test_bodies_groups_and_members(tree):
    staff = duty_staff_make(tree)
    _city, district = _bodies(staff)
    with pytest.raises(Conflict):
        command_body_create(actor=staff.city_commander, region=tree["city"], name="重复")
    with pytest.raises(NotFound):
        command_body_create(actor=staff.commander_a, region=tree["district_b"], name="越界")
    group = working_group_create(actor=staff.commander_a, body=district, kind="tracing", name="")
    assert group.name == "Tracing"
    with pytest.raises(Conflict):
        working_group_create(actor=staff.commander_a, body=district, kind="tracing", name="")
    member = group_member_add(
        actor=staff.commander_a,
        group=group,
        username=staff.officer_a.username,
        leader=True,
        duty="组长",
    )
    assert member.leader
    with pytest.raises(NotFound):  # a sibling district's staff looks like an unknown name
        group_member_add(
            actor=staff.commander_a,
            group=group,
            username=staff.officer_b.username,
            leader=False,
            duty="",
        )
    with pytest.raises(PermissionDenied):
        working_group_create(actor=staff.officer_a, body=district, kind="testing", name="")


def test_escalation_moves_command_up_and_keeps_the_history(tree):
    staff = duty_staff_make(tree)
    city, district = _bodies(staff)
    incident = incident_open(
        actor=staff.commander_a, name="朝阳区聚集性疫情", region=tree["street_a"]
    )
    assert incident.body == district
    with pytest.raises(ValidationFailed) as refused:
        incident_escalate(actor=staff.commander_a, incident=incident, reason="跨区传播")
    assert refused.value.errors[0]["field"] == "body"
    with pytest.raises(ValidationFailed) as no_reason:
        incident_escalate(actor=staff.city_commander, incident=incident, reason=" ")
    assert no_reason.value.errors[0]["field"] == "reason"
    moved = incident_escalate(
        actor=staff.city_commander, incident=incident, reason="跨区传播，提级指挥"
    )
    assert moved.body == city
    steps = list(IncidentEscalation.objects.filter(incident=incident).order_by("at", "id"))
    assert [(s.from_body, s.to_body) for s in steps] == [(None, district), (district, city)]
    assert steps[1].reason == "跨区传播，提级指挥"
    assert Notification.objects.filter(
        user_id=staff.commander_a.user_id, kind="escalation"
    ).exists()
    with pytest.raises(ValidationFailed):  # command never moves down or sideways
        incident_escalate(actor=staff.city_commander, incident=moved, reason="再次")


def test_a_district_sees_its_own_incidents_not_a_siblings(tree, api, page_client):
    staff = duty_staff_make(tree)
    _bodies(staff)
    opened = api(staff.commander_a).post(
        f"{BASE}/incidents", {"name": "朝阳区聚集性疫情", "region_code": "110105001"}
    )
    assert opened.status_code == 201
    code = opened.json()["code"]
    assert api(staff.officer_a).get(f"{BASE}/incidents/{code}").status_code == 200
    other = api(staff.commander_b).get(f"{BASE}/incidents/{code}")
    missing = api(staff.commander_b).get(f"{BASE}/incidents/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    moved = api(staff.city_commander).post(f"{BASE}/incidents/{code}/escalate", {"reason": "提级"})
    assert moved.json()["body_region_code"] == "110100"
    assert len(moved.json()["history"]) == 2
    assert api(staff.commander_b).get(f"{BASE}/bodies").json()["total"] == 0
    assert api(staff.grid).get(f"{BASE}/bodies").status_code == 403
    page = page_client(staff.city_commander).get(f"/command/incidents/{code}/")
    assert page.status_code == 200
    assert "提级" in page.content.decode()
    assert page_client(staff.commander_b).get(f"/command/incidents/{code}/").status_code == 404
    assert page_client(staff.city_commander).get("/command/bodies/").status_code == 200
