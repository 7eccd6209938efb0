"""Dispatch meetings: called with the localities below and their video room, roll call,
minutes, decisions and the directives they produced; a sibling district sees nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.command_center.models import Directive, MeetingAttendance, Notification
from fangkong.command_center.tests.duty_factories import duty_staff_make

pytestmark = pytest.mark.django_db
BASE = "/api/v1/command/meetings"


def test_a_meeting_from_call_to_directives(tree, api, page_client):
    staff = duty_staff_make(tree)
    starts = (timezone.now() + timedelta(hours=1)).isoformat()
    bad = api(staff.city_commander).post(
        BASE, {"title": "疫情防控调度会", "starts_at": starts, "video_url": "javascript:alert(1)"}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["detail"]["errors"]] == ["video_url"]
    made = api(staff.city_commander).post(
        BASE,
        {
            "title": "疫情防控调度会",
            "starts_at": starts,
            "video_url": "https://meet.example.org/r/1",
        },
    )
    assert made.status_code == 201
    code = made.json()["code"]
    assert {a["region_code"] for a in made.json()["attendance"]} == {"110105", "110108"}
    assert Notification.objects.filter(user_id=staff.officer_b.user_id).exists()
    roll = api(staff.city_commander).post(f"{BASE}/{code}/roll-call", {"present": ["110105"]})
    assert {a["region_code"]: a["present"] for a in roll.json()["attendance"]} == {
        "110105": True,
        "110108": False,
    }
    wrong = api(staff.city_commander).post(f"{BASE}/{code}/roll-call", {"present": ["119999"]})
    assert wrong.status_code == 422
    assert (
        api(staff.commander_a).post(f"{BASE}/{code}/roll-call", {"present": []}).status_code == 403
    )
    kept = api(staff.city_commander).post(
        f"{BASE}/{code}/minutes", {"minutes": "通报疫情", "decisions": "各区今日完成排查"}
    )
    assert kept.json()["decisions"] == "各区今日完成排查"
    client = page_client(staff.city_commander)
    deadline = (timezone.localtime() + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")
    sent = client.post(
        f"/command/meetings/{code}/directive/",
        {"title": "完成排查", "body": "", "deadline": deadline, "units": ["110105", "110108"]},
    )
    assert sent.status_code == 302
    assert str(Directive.objects.values_list("meeting__code", flat=True).get()) == code
    page = client.get(f"/command/meetings/{code}/").content.decode()
    assert 'data-video-room="1"' in page
    assert "完成排查" in page
    assert api(staff.officer_a).get(f"{BASE}/{code}").status_code == 200
    assert MeetingAttendance.objects.filter(present=True).count() == 1
    assert page_client(staff.commander_b).get("/command/meetings/").status_code == 200
    assert client.post(f"/command/meetings/{code}/unknown/").status_code == 404


def test_a_sibling_district_sees_nothing_of_a_districts_meeting(tree, api):
    staff = duty_staff_make(tree)
    starts = (timezone.now() + timedelta(hours=1)).isoformat()
    made = api(staff.commander_a).post(BASE, {"title": "区调度会", "starts_at": starts})
    code = made.json()["code"]
    other = api(staff.commander_b).get(f"{BASE}/{code}")
    missing = api(staff.commander_b).get(f"{BASE}/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api(staff.commander_b).get(BASE).json()["total"] == 0
    assert api(staff.grid).get(BASE).status_code == 403
