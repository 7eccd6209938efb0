"""The case pages: list, case, investigation (the fast trajectory entry), for the right role,
the wrong role, another district and anonymous visitors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.cases.models import Case, TrajectoryVisit
from fangkong.cases.tests.factories import case_from_retest, outbreak_make
from fangkong.core.models import AccessEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def o(tree):
    return outbreak_make(tree)


def test_the_list_shows_the_district_s_cases(o, page_client, django_assert_max_num_queries):
    case = case_from_retest(o)
    client = page_client(o.epidemiologist)
    with django_assert_max_num_queries(25):
        page = client.get("/cases/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/cases/{case.code}/" in html
    assert o.s.people[1].name in html
    assert AccessEntry.objects.filter(action="case_list").exists()
    filtered = client.get("/cases/", {"classification": "confirmed"}).content.decode()
    assert f"/cases/{case.code}/" not in filtered
    other = page_client(o.other_epidemiologist).get("/cases/").content.decode()
    assert f"/cases/{case.code}/" not in other


def test_pages_refuse_wrong_roles_other_districts_and_anonymous(o, page_client):
    case = case_from_retest(o)
    assert page_client(o.grid).get("/cases/").status_code == 403
    assert page_client(o.other_epidemiologist).get(f"/cases/{case.code}/").status_code == 404
    assert (
        page_client(o.other_epidemiologist).get(f"/cases/{case.code}/investigation/").status_code
        == 404
    )
    assert Client().get("/cases/").status_code == 302
    assert page_client(o.s.commander).post(f"/cases/{case.code}/classify/", {}).status_code == 403


def test_the_case_page_shows_timers_and_classifies_with_a_reason(o, page_client):
    case = case_from_retest(o)
    client = page_client(o.epidemiologist)
    page = client.get(f"/cases/{case.code}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("data-due=") == 3
    assert "R0001" in html
    assert "nhc-9@r1" in html
    refused = client.post(f"/cases/{case.code}/classify/", {"classification": "asymptomatic"})
    assert refused.status_code == 422
    assert Case.objects.get(pk=case.pk).classification == "suspected"
    done = client.post(
        f"/cases/{case.code}/classify/", {"classification": "asymptomatic", "reason": "PCR+"}
    )
    assert done.status_code == 302
    assert Case.objects.get(pk=case.pk).classification == "asymptomatic"
    step = client.post(f"/cases/{case.code}/steps/report/", {"next": "investigation"})
    assert step.status_code == 302
    assert step["Location"].endswith("/investigation/")


def test_the_investigation_page_adds_visits_row_by_row(o, page_client):
    case = case_from_retest(o)
    client = page_client(o.epidemiologist)
    page = client.get(f"/cases/{case.code}/investigation/")
    assert page.status_code == 200
    assert 'id="visit-form"' in page.content.decode()
    assert AccessEntry.objects.filter(action="case_trajectory_read").exists()
    start = timezone.localtime() - timedelta(days=1)
    row = {
        "place": "望京菜市场",
        "venue_code": "BJ-1",
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M"),
        "source": "interview",
    }
    added = client.post(f"/cases/{case.code}/investigation/visits/", row, HTTP_HX_REQUEST="true")
    assert added.status_code == 200
    html = added.content.decode()
    assert "望京菜市场" in html
    assert 'hx-swap-oob="true"' in html
    # the next row starts where this one ended
    assert (start + timedelta(minutes=45)).strftime("%Y-%m-%dT%H:%M") in html
    bad = client.post(
        f"/cases/{case.code}/investigation/visits/",
        {**row, "place": "", "ended_at": ""},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 200
    assert bad["HX-Retarget"] == "#visit-form"
    plain = client.post(f"/cases/{case.code}/investigation/visits/", {**row, "place": "超市"})
    assert plain.status_code == 302
    assert TrajectoryVisit.objects.filter(case=case).count() == 2
    visit = TrajectoryVisit.objects.get(place="超市")
    client.post(f"/cases/{case.code}/investigation/visits/{visit.code}/remove/", {"reason": "dup"})
    visit.refresh_from_db()
    assert visit.removed_reason == "dup"
    exposure = client.post(
        f"/cases/{case.code}/investigation/exposures/",
        {"kind": "work", "description": "同办公室", "exposed_on": str(timezone.localdate())},
    )
    assert exposure.status_code == 302
    # a clinician reads the investigation but does not write it
    assert page_client(o.clinician).get(f"/cases/{case.code}/investigation/").status_code == 200
    assert (
        page_client(o.clinician).post(f"/cases/{case.code}/investigation/visits/", row).status_code
        == 403
    )
