"""The cases API: answers and database, for the right role, the wrong role (403), another
district (404, like a missing case) and anonymous callers (401)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.cases.models import Case, CaseEvent, Exposure, TrajectoryVisit
from fangkong.cases.services.investigation import investigation_timers_check
from fangkong.cases.tests.factories import case_from_retest, outbreak_make
from fangkong.core.models import AccessEntry, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def o(tree):
    return outbreak_make(tree)


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_list_and_detail_show_the_case_and_log_the_read(o, api):
    case = case_from_retest(o)
    client = api(o.epidemiologist)
    listed = client.get("/api/v1/cases")
    assert listed.status_code == 200, listed.json()
    body = listed.json()
    assert body["total"] == 1
    assert body["items"][0]["code"] == str(case.code)
    assert body["items"][0]["person"]["code"] == str(o.s.people[1].code)
    detail = client.get(f"/api/v1/cases/{case.code}").json()
    assert detail["classification"] == "suspected"
    assert detail["how_found"] == "pooled_retest"
    assert sorted(detail["tubes"]) == ["R0001", "T0001"]
    assert [t["step"] for t in detail["timers"]] == ["report", "core_facts", "full"]
    reads = AccessEntry.objects.filter(action__in=["case_list", "case_read"])
    assert {r.action for r in reads} == {"case_list", "case_read"}
    assert all(r.subject_ids == [str(o.s.people[1].code)] for r in reads)
    assert all(r.purpose == "investigation" for r in reads)
    # filters
    assert client.get("/api/v1/cases", classification="confirmed").json()["total"] == 0
    assert client.get("/api/v1/cases", overdue="true").json()["total"] == 0


def test_another_district_gets_404_and_anonymous_401(o, api):
    case = case_from_retest(o)
    other = api(o.other_epidemiologist)
    assert other.get(f"/api/v1/cases/{case.code}").status_code == 404
    missing = other.get(f"/api/v1/cases/{uuid.uuid4()}")
    refused = other.post(
        f"/api/v1/cases/{case.code}/classify", {"classification": "asymptomatic", "reason": "x"}
    )
    assert missing.status_code == refused.status_code == 404
    assert missing.json()["code"] == refused.json()["code"] == "case_not_found"
    assert other.get("/api/v1/cases").json()["total"] == 0
    assert other.get(f"/api/v1/cases/{case.code}/trajectory").status_code == 404
    assert api(None).get("/api/v1/cases").status_code == 401


def test_wrong_role_gets_403(o, api):
    case = case_from_retest(o)
    assert api(o.grid).get("/api/v1/cases").status_code == 403
    sampler = api(o.s.sampler)
    assert sampler.get(f"/api/v1/cases/{case.code}").status_code == 403
    commander = api(o.s.commander)  # reads, but does not classify or investigate
    assert commander.get(f"/api/v1/cases/{case.code}").status_code == 200
    answer = commander.post(
        f"/api/v1/cases/{case.code}/classify", {"classification": "asymptomatic", "reason": "x"}
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "role_not_allowed"
    visit = {"place": "超市", "started_at": timezone.now().isoformat(), "source": "interview"}
    assert api(o.clinician).post(f"/api/v1/cases/{case.code}/trajectory", visit).status_code == 403


def test_classification_without_a_reason_is_refused_naming_the_field(o, api):
    case = case_from_retest(o)
    client = api(o.epidemiologist)
    answer = client.post(f"/api/v1/cases/{case.code}/classify", {"classification": "asymptomatic"})
    assert answer.status_code == 422
    assert answer.json()["detail"]["errors"][0]["field"] == "reason"
    assert Case.objects.get(pk=case.pk).classification == "suspected"
    done = client.post(
        f"/api/v1/cases/{case.code}/classify",
        {"classification": "asymptomatic", "reason": "PCR positive, no symptoms"},
    )
    assert done.status_code == 200, done.json()
    assert done.json()["classification"] == "asymptomatic"
    event = CaseEvent.objects.get(case=case, kind="classified")
    assert (event.reason, event.rule_set, event.actor) == (
        "PCR positive, no symptoms",
        "nhc-9@r1",
        o.epidemiologist.username,
    )
    assert AuditEntry.objects.filter(action="case_classify", object_id=str(case.code)).exists()


def test_an_antigen_case_cannot_be_confirmed_through_the_api(o, api):
    person = o.s.people[4]
    antigen = api(o.clinician).post(
        "/api/v1/lab/antigen",
        {
            "person": str(person.code),
            "source": "self",
            "result": "positive",
            "tested_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        },
        headers=_key(),
    )
    assert antigen.status_code == 201, antigen.json()
    case = Case.objects.get(person=person)
    answer = api(o.epidemiologist).post(
        f"/api/v1/cases/{case.code}/classify",
        {"classification": "confirmed", "reason": "fever", "onset_date": str(timezone.localdate())},
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "pcr_result_required"
    assert answer.json()["detail"]["errors"][0]["field"] == "classification"


def test_open_by_hand_is_idempotent(o, api):
    client = api(o.clinician)
    body = {
        "person": str(o.s.people[2].code),
        "how_found": "fever_clinic",
        "reason": "fever 38.5, CT",
        "onset_date": str(timezone.localdate()),
    }
    first = client.post("/api/v1/cases", body, headers=_key())
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/cases", body, headers=_key())
    assert again.status_code == 200
    assert again.json()["code"] == first.json()["code"]
    assert Case.objects.count() == 1
    bad = client.post("/api/v1/cases", {**body, "reason": ""})
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0]["field"] == "reason"


def test_trajectory_and_exposures_are_added_and_their_reads_logged(o, api):
    case = case_from_retest(o)
    client = api(o.epidemiologist)
    start = timezone.now() - timedelta(days=2)
    added = client.post(
        f"/api/v1/cases/{case.code}/trajectory",
        {
            "place": "望京菜市场",
            "venue_code": "BJ-0001",
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=30)).isoformat(),
            "source": "venue_scans",
        },
        headers=_key(),
    )
    assert added.status_code == 201, added.json()
    bad = client.post(
        f"/api/v1/cases/{case.code}/trajectory",
        {
            "place": "x",
            "started_at": start.isoformat(),
            "ended_at": (start - timedelta(hours=1)).isoformat(),
            "source": "interview",
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0]["field"] == "ended_at"
    before = AccessEntry.objects.count()
    listed = client.get(f"/api/v1/cases/{case.code}/trajectory")
    assert listed.status_code == 200
    assert [v["place"] for v in listed.json()["items"]] == ["望京菜市场"]
    read = AccessEntry.objects.order_by("-id")[0]
    assert AccessEntry.objects.count() == before + 1
    assert (read.action, read.subject_ids) == ("case_trajectory_read", [str(case.person.code)])
    removed = client.post(
        f"/api/v1/cases/{case.code}/trajectory/{added.json()['code']}/remove",
        {"reason": "duplicate"},
    )
    assert removed.status_code == 204
    assert client.get(f"/api/v1/cases/{case.code}/trajectory").json()["total"] == 0
    assert TrajectoryVisit.objects.get().removed_reason == "duplicate"

    housemate = o.s.people[0]
    exposure = client.post(
        f"/api/v1/cases/{case.code}/exposures",
        {
            "kind": "household",
            "person": str(housemate.code),
            "exposed_on": str(timezone.localdate()),
        },
        headers=_key(),
    )
    assert exposure.status_code == 201, exposure.json()
    assert Exposure.objects.get().person == housemate
    page = client.get(f"/api/v1/cases/{case.code}/exposures")
    assert page.json()["items"][0]["person"] == str(housemate.code)
    read = AccessEntry.objects.order_by("-id")[0]
    assert set(read.subject_ids) == {str(case.person.code), str(housemate.code)}
    nobody = client.post(
        f"/api/v1/cases/{case.code}/exposures",
        {"kind": "venue", "exposed_on": str(timezone.localdate())},
    )
    assert nobody.status_code == 422
    assert nobody.json()["detail"]["errors"][0]["field"] == "description"
    history = client.get(f"/api/v1/cases/{case.code}/history").json()
    assert {"visit_added", "visit_removed", "exposure", "opened"} <= {
        e["kind"] for e in history["items"]
    }


def test_steps_and_alerts(o, api):
    case = case_from_retest(o)
    client = api(o.epidemiologist)
    done = client.post(f"/api/v1/cases/{case.code}/steps/report/complete")
    assert done.status_code == 200, done.json()
    assert done.json()["timers"][0]["met_at"] is not None
    with time_machine.travel(timezone.now() + timedelta(hours=5), tick=False):
        assert investigation_timers_check() == 1
        assert client.get(f"/api/v1/cases/{case.code}").json()["timers"][1]["overdue"] is True
        assert client.get("/api/v1/cases", overdue="true").json()["total"] == 1
    alerts = client.get("/api/v1/cases/alerts").json()
    assert alerts["total"] == 1
    alert = alerts["items"][0]
    assert (alert["case"], alert["step"], alert["state"], alert["owner_role"]) == (
        str(case.code),
        "core_facts",
        "open",
        "epidemiologist",
    )
    assert api(o.other_epidemiologist).get("/api/v1/cases/alerts").json()["total"] == 0
    assert (
        api(o.other_epidemiologist)
        .post(f"/api/v1/cases/alerts/{alert['code']}/acknowledge", {})
        .status_code
        == 404
    )
    acked = client.post(f"/api/v1/cases/alerts/{alert['code']}/acknowledge", {"note": "on it"})
    assert acked.status_code == 200
    assert acked.json()["state"] == "acknowledged"
    again = client.post(f"/api/v1/cases/alerts/{alert['code']}/acknowledge", {})
    assert again.status_code == 409
    closed = client.post(f"/api/v1/cases/alerts/{alert['code']}/close", {})
    assert closed.json()["state"] == "closed"
    assert AuditEntry.objects.filter(action__startswith="case_alert_").count() == 3
    took = client.post(f"/api/v1/cases/{case.code}/take")
    assert took.json()["investigator"] == o.epidemiologist.username


def test_the_case_list_seeks_by_cursor_and_by_number(o, api):
    """Deep pages of the case list are seek-paged (``core.paging.paginate_seek``): the page
    after a cursor is the page of that number, ties on the time ordered by the id."""
    case = case_from_retest(o)
    for k in (0, 2, 3):
        Case.objects.create(
            person=o.s.people[k],
            region=case.region,
            classification=case.classification,
            how_found=case.how_found,
            opened_at=case.opened_at if k else case.opened_at - timedelta(hours=1),
            rule_set=case.rule_set,
        )
    client = api(o.epidemiologist)
    expected = [
        str(code)
        for code in Case.objects.order_by("-opened_at", "-id").values_list("code", flat=True)
    ]
    walked, page, number = [], {"next_cursor": "", "has_next": True}, 0
    while page["has_next"]:
        number += 1
        cursor = {"after": page["next_cursor"]} if page["next_cursor"] else {}
        page = client.get("/api/v1/cases", page=number, page_size=1, **cursor).json()
        assert page["items"][0]["code"] == expected[number - 1]
        assert page["total"] == 4
        walked.append(page["items"][0]["code"])
    assert walked == expected
    assert page["next_cursor"] == ""
    by_number = client.get("/api/v1/cases", page=3, page_size=1).json()
    assert by_number["items"][0]["code"] == expected[2]
