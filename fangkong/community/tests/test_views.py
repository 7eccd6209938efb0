"""The community pages: the grid worker's day shows only their households, the compound
page its households and needs, the resident's page only its own household's requests and
why it is restricted; another district and a bad link are 404, wrong roles 403."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from fangkong.community.closures.services import restriction_from_area
from fangkong.community.models import ResidentRequest, SweepVisit
from fangkong.community.requests.services import request_file, resident_link_issue
from fangkong.community.sweeps.services import sweep_open
from fangkong.community.tests.factories import covered_homes, homes_make, members_of, staff_make
from fangkong.core.models import AccessEntry
from fangkong.policy.choices import DesignationUnit
from fangkong.risk_areas.services import risk_area_designate

pytestmark = pytest.mark.django_db


def test_the_grid_workers_day_shows_their_households_sweep_and_requests(tree, page_client):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 2)
    other = homes_make(tree["grid_a1"], 1, building="8")[0]
    request_file(actor=staff.duty, household=homes[0], category="food", channel="hotline")
    request_file(actor=staff.duty, household=other, category="gas", channel="hotline")
    sweep = sweep_open(
        actor=staff.duty, region=tree["community_a"], name="第一轮排查", reason="封控"
    )
    page = page_client(staff.worker).get("/community/")
    text = page.content.decode()
    assert page.status_code == 200
    assert homes[0].address in text
    assert other.address not in text
    assert "第一轮排查" in text
    assert AccessEntry.objects.filter(action="coverage_list").exists()
    sweep_page = page_client(staff.worker).get(f"/community/sweeps/{sweep.code}/")
    assert sweep_page.status_code == 200
    assert other.address not in sweep_page.content.decode()
    member = members_of(homes[0])[0]
    url = f"/community/sweeps/{sweep.code}/visit/{homes[0].code}/"
    refused = page_client(staff.worker).post(
        url, {"state": "present", "residents_counted": "5", "present": [str(member.code)]}
    )
    assert refused.status_code == 422
    done = page_client(staff.worker).post(
        url, {"state": "present", "residents_counted": "1", "present": [str(member.code)]}
    )
    assert done.status_code == 302
    assert SweepVisit.objects.get(sweep=sweep, household=homes[0]).state == "present"
    assert (
        page_client(staff.worker)
        .get(f"/community/sweeps/{sweep.code}/visit/{other.code}/")
        .status_code
        == 404
    )
    assert page_client(staff.other_duty).get(f"/community/sweeps/{sweep.code}/").status_code == 404
    assert page_client(staff.dispatcher).get("/community/").status_code == 403


def test_the_compound_page_and_the_residents_page(tree, page_client):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 2)
    area = risk_area_designate(
        actor=staff.commander,
        region=tree["grid_a1"],
        unit=DesignationUnit.COMPOUND,
        level="high",
        name="幸福里",
        reason="病例居住",
    )
    restriction = restriction_from_area(actor=staff.commander, area=area, reason="高风险区封控")
    mine = request_file(
        actor=staff.duty, household=homes[0], category="dialysis", channel="hotline"
    )
    theirs = request_file(actor=staff.duty, household=homes[1], category="food", channel="hotline")
    compound = page_client(staff.duty).get(f"/community/compounds/{restriction.code}/")
    assert compound.status_code == 200
    assert homes[1].address in compound.content.decode()
    assert (
        page_client(staff.other_duty).get(f"/community/compounds/{restriction.code}/").status_code
        == 404
    )
    token = resident_link_issue(actor=staff.worker, household=homes[0])
    resident = Client().get(f"/community/r/{token}/")
    text = resident.content.decode()
    assert resident.status_code == 200
    assert "高风险区封控" in text
    assert homes[0].address in text
    assert homes[1].address not in text
    assert str(theirs.code) not in text
    sent = {"category": "emergency", "description": "胸痛", "submit_key": str(uuid.uuid4())}
    filed = Client().post(f"/community/r/{token}/", sent)
    assert filed.status_code == 302
    assert Client().post(f"/community/r/{token}/", sent).status_code == 302  # sent twice
    emergency = ResidentRequest.objects.get(household=homes[0], category="emergency")
    assert emergency.channel == "resident"
    assert emergency.filed_by == "resident-link"
    confirm_other = Client().post(f"/community/r/{token}/", {"confirm": str(theirs.code)})
    assert confirm_other.status_code == 404
    assert Client().get(f"/community/r/{token}x/").status_code == 404
    queue = page_client(staff.duty).get("/community/requests/")
    text = queue.content.decode()
    assert queue.status_code == 200
    # the emergency filed last leads the queue, before the dialysis and the food filed earlier
    assert (
        text.index(str(emergency.code)) < text.index(str(mine.code)) < text.index(str(theirs.code))
    )
