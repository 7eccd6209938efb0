"""Coverage of a round (R14): the numbers per node equal direct counts over persons,
exemptions and bindings; exemptions; the not-yet-tested list; scoping; the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.lab.choices import ExemptionReason
from fangkong.lab.coverage.selectors import (
    LEVELS,
    coverage_by_building,
    coverage_by_household,
    round_coverage,
    untested_page,
)
from fangkong.lab.coverage.tests.builders import coverage_build, coverage_direct
from fangkong.lab.models import Exemption
from fangkong.people.models import Person
from fangkong.regions.models import Region


def test_coverage_numbers_equal_direct_counts_at_every_node(tree):
    s, _a2, _b = coverage_build(tree)
    coverage = round_coverage(actor=s.commander, screening_round=s.round)
    now = timezone.now()
    assert {node.code for node in coverage.nodes.values()} == {
        tree[key].code
        for key in ("city", "district_a", "street_a", "community_a", "grid_a1", "grid_a2")
    }
    for node in coverage.nodes.values():
        direct = coverage_direct(s.round, node.path, now)
        got = {
            "population": node.population,
            "exempt": node.exempt,
            "untested": node.untested,
            "tested": node.tested,
        }
        assert got == direct, node.name
    a1 = coverage.node(tree["grid_a1"].code)
    assert a1 is not None
    assert (a1.population, a1.exempt, a1.should_test, a1.tested, a1.untested) == (12, 1, 11, 5, 7)
    a2 = coverage.node(tree["grid_a2"].code)
    assert a2 is not None
    assert (a2.population, a2.exempt, a2.tested, a2.untested) == (6, 2, 2, 2)
    district = coverage.node(tree["district_a"].code)
    assert district is not None
    assert district.untested == a1.untested + a2.untested
    assert coverage.totals.population == 18
    assert (coverage.totals.should_test, coverage.totals.covered) == (15, 6)
    assert district.percent == 40.0
    assert [n.code for n in coverage.at_level(LEVELS["grid"])] == [
        tree["grid_a1"].code,
        tree["grid_a2"].code,
    ]


def test_an_expired_exemption_puts_the_person_back_on_the_list(tree):
    s, a2, _b = coverage_build(tree)
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        coverage = round_coverage(actor=s.commander, screening_round=s.round)
        node = coverage.node(tree["grid_a2"].code)
        assert node is not None
        assert node.exempt == 1
        assert node.untested == 3
        assert node.untested == coverage_direct(s.round, node.path, timezone.now())["untested"]
        listed = untested_page(
            actor=s.commander, screening_round=s.round, region=tree["grid_a2"]
        ).items
        assert a2[1] in listed


def test_untested_list_excludes_exempt_and_bound_people_and_is_ordered(tree):
    s, a2, _b = coverage_build(tree)
    page = untested_page(actor=s.commander, screening_round=s.round, page_size=200)
    codes = [p.code for p in page.items]
    # A1: 1 (exempt for another round only), 2 (revoked), 7..11; A2: 4, 5.
    expected = [s.people[i].code for i in (1, 2, 7, 8, 9, 10, 11)] + [a2[4].code, a2[5].code]
    assert sorted(codes) == sorted(expected)
    paths = [p.region.path for p in page.items]
    assert paths == sorted(paths)
    assert not page.has_next
    logged = AccessEntry.objects.filter(action="round_untested_view").latest("id")
    assert sorted(logged.subject_ids) == sorted(str(c) for c in codes)
    small = untested_page(actor=s.commander, screening_round=s.round, page_size=4)
    assert len(small.items) == 4
    assert small.has_next
    second = untested_page(actor=s.commander, screening_round=s.round, page=2, page_size=4)
    assert not {p.pk for p in small.items} & {p.pk for p in second.items}


def test_households_and_buildings_of_a_grid(tree):
    s, _a2, _b = coverage_build(tree)
    households = coverage_by_household(
        actor=s.commander, screening_round=s.round, region=tree["grid_a1"]
    )
    # Households of three: [0,1,2] → 1, 2 untested; [3,4,5] all bound; [6,7,8] → 7, 8;
    # [9,10,11] → all three.
    assert [h.counts.untested for h in households] == [2, 2, 3]
    assert all(h.counts.population == 3 for h in households)
    buildings = coverage_by_building(
        actor=s.commander, screening_round=s.round, region=tree["grid_a1"]
    )
    assert sum(b.counts.population for b in buildings) == 12
    assert sum(b.counts.untested for b in buildings) == 7


def test_grid_worker_sees_only_their_grid(tree, make_actor, api):
    s, _a2, _b = coverage_build(tree)
    worker = make_actor(Role.GRID_WORKER, tree["grid_a1"])
    coverage = round_coverage(actor=worker, screening_round=s.round)
    assert set(coverage.nodes) == {tree["grid_a1"].code}
    node = coverage.node(tree["grid_a1"].code)
    assert node is not None
    direct = coverage_direct(s.round, tree["grid_a1"].path, timezone.now(), worker.region_path)
    assert node.untested == direct["untested"] == coverage.totals.untested == 7
    page = untested_page(actor=worker, screening_round=s.round, page_size=200)
    assert {p.region_id for p in page.items} == {tree["grid_a1"].pk}

    client = api(worker)
    body = client.get(f"/api/v1/lab/rounds/{s.round.code}/coverage", level="grid").json()
    assert [n["code"] for n in body["items"]] == [tree["grid_a1"].code]
    assert body["totals"]["untested"] == 7
    assert client.get(f"/api/v1/lab/rounds/{s.round.code}/coverage").json()["items"] == []
    listed = client.get(f"/api/v1/lab/rounds/{s.round.code}/untested", page_size=200).json()
    assert {row["region_code"] for row in listed["items"]} == {tree["grid_a1"].code}
    # The other grid of the same community is not theirs.
    other = client.get(f"/api/v1/lab/rounds/{s.round.code}/untested", region=tree["grid_a2"].code)
    assert other.status_code == 404


def test_coverage_api_answers_per_level_and_guards_access(tree, make_actor, api):
    s, _a2, _b = coverage_build(tree)
    url = f"/api/v1/lab/rounds/{s.round.code}/coverage"
    response = api(s.commander).get(url, level="community")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["level"] == "community"
    [community] = body["items"]
    assert community["code"] == tree["community_a"].code
    assert community["should_test"] == 15
    assert community["untested"] == 9
    assert community["tested"] == 7
    assert body["totals"]["population"] == 18
    assert api(s.commander).get(url, level="building").status_code == 422
    assert api(None).get(url).status_code == 401
    other_district = make_actor(Role.COMMANDER, tree["district_b"])
    missing = api(other_district).get(url)
    assert missing.status_code == 404
    assert missing.json()["code"] == "round_not_found"
    technician = api(s.technician).get(url)
    assert technician.status_code == 403
    assert api(s.commander).get(f"/api/v1/lab/rounds/{uuid.uuid4()}/coverage").status_code == 404


def test_exemption_through_the_api_takes_the_person_off_the_list(tree, api):
    s, _a2, _b = coverage_build(tree)
    client = api(s.commander)
    person = s.people[9]
    response = client.post(
        "/api/v1/lab/exemptions",
        {
            "person": str(person.code),
            "reason": "negative_48h",
            "valid_until": (timezone.now() + timedelta(days=1)).isoformat(),
            "round": str(s.round.code),
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["round"] == str(s.round.code)
    exemption = Exemption.objects.get(person=person, round=s.round)
    assert exemption.reason == ExemptionReason.NEGATIVE_48H
    assert AuditEntry.objects.filter(action="exemption_grant", object_id=str(person.code)).exists()
    listed = untested_page(actor=s.commander, screening_round=s.round, page_size=200).items
    assert person not in listed

    bad = client.post(
        "/api/v1/lab/exemptions",
        {
            "person": str(person.code),
            "reason": "other",
            "valid_until": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0]["field"] == "note"
    wrong_role = api(s.technician).post(
        "/api/v1/lab/exemptions",
        {
            "person": str(person.code),
            "reason": "away",
            "valid_until": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert wrong_role.status_code == 403
    outside = Region.objects.get(pk=tree["grid_b1"].pk)
    stranger = Person.objects.filter(region=outside).first()
    assert stranger is not None
    not_theirs = api(s.sampler).post(
        "/api/v1/lab/exemptions",
        {
            "person": str(stranger.code),
            "reason": "away",
            "valid_until": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )
    assert not_theirs.status_code == 403  # samplers record no exemptions at all


def test_person_test_history_lists_bindings_and_logs_the_read(tree, make_actor, api):
    s, _a2, _b = coverage_build(tree)
    person = s.people[3]
    client = api(s.commander)
    response = client.get(f"/api/v1/lab/people/{person.code}/tests")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [b["tube"] for b in body["bindings"]] == ["T1001"]
    assert body["bindings"][0]["round"] == str(s.round.code)
    assert body["bindings"][0]["result"] == "pending"
    assert body["antigen"] == []
    assert body["retests"] == []
    views = AccessEntry.objects.filter(action="person_view").values_list("subject_ids", flat=True)
    assert [str(person.code)] in list(views)
    assert api(s.technician).get(f"/api/v1/lab/people/{person.code}/tests").status_code == 403
    stranger = Person.objects.filter(region=tree["grid_b1"]).first()
    assert stranger is not None
    assert client.get(f"/api/v1/lab/people/{stranger.code}/tests").status_code == 200
    district_b = api(make_actor(Role.COMMANDER, tree["district_b"]))
    assert district_b.get(f"/api/v1/lab/people/{person.code}/tests").status_code == 404
