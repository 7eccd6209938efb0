"""A case's infection recorded in the risk areas its residence lies in (issue 19 §8), through
``case_classify`` and the database it leaves."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.services.cases import case_classify
from fangkong.cases.tests.factories import case_from_retest, outbreak_make
from fangkong.core.models import AuditEntry
from fangkong.risk_areas.models import AreaInfection, RiskArea, RiskAreaEvent
from fangkong.risk_areas.services import risk_area_designate

pytestmark = pytest.mark.django_db


def _designate(actor, region, level, **fields) -> RiskArea:
    values = {"unit": "compound", "name": "幸福里小区", "reason": "两例本土感染者居住", **fields}
    return risk_area_designate(actor=actor, region=region, level=level, **values)


def test_a_confirmed_case_is_recorded_in_every_open_area_covering_its_residence(tree):
    o = outbreak_make(tree)
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    case = case_from_retest(o)
    # the case's person lives in the first household, in grid A1
    residence = o.s.households[0]
    assert o.s.people[1].household_id == residence.id
    compound = _designate(commander, residence.region, "high")
    district_low = _designate(
        commander, tree["district_a"], "low", unit="county_remainder", name="其余地区"
    )
    other_building = _designate(
        commander, residence.region, "high", unit="building", building="99", name="99号楼"
    )
    elsewhere = _designate(commander, tree["grid_a2"], "high", name="别处小区")
    lifted = _designate(commander, tree["community_a"], "medium", unit="workplace", name="园区")
    # lifted days ago (the lifting step itself is risk_areas' to test)
    RiskArea.objects.filter(pk=lifted.pk).update(status="lifted", lifted_at=timezone.now())
    # a suspected case is not yet an infection the areas count
    assert not AreaInfection.objects.exists()

    case_classify(
        actor=o.epidemiologist, case=case, classification="asymptomatic", reason="PCR 阳性"
    )

    infections = AreaInfection.objects.filter(reference=str(case.code))
    assert {i.area_id for i in infections} == {compound.id, district_low.id}
    assert {i.found_on for i in infections} == {case.first_positive_on}
    assert {i.recorded_by for i in infections} == {o.epidemiologist.username}
    assert all(i.rule_set_version.startswith("nhc-9") for i in infections)
    compound.refresh_from_db()
    assert compound.last_infection_on == case.first_positive_on
    event = RiskAreaEvent.objects.get(area=compound, kind="infection_recorded")
    assert event.actor == o.epidemiologist.username
    assert "PCR 阳性" in event.reason
    assert event.rule_set_version.startswith("nhc-9")
    assert AuditEntry.objects.filter(
        action="area_infection_record", object_id=str(compound.code)
    ).exists()
    for untouched in (other_building, elsewhere, lifted):
        assert not AreaInfection.objects.filter(area=untouched).exists()

    # confirmed later: the same infection, nothing recorded twice
    case_classify(
        actor=o.clinician,
        case=case,
        classification="confirmed",
        reason="出现症状",
        onset_date=timezone.localdate(),
    )
    assert AreaInfection.objects.filter(reference=str(case.code)).count() == 2
    assert RiskAreaEvent.objects.filter(area=compound, kind="infection_recorded").count() == 1


def test_a_ruled_out_case_records_nothing(tree):
    o = outbreak_make(tree)
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    case = case_from_retest(o)
    _designate(commander, o.s.households[0].region, "high")
    case_classify(actor=o.epidemiologist, case=case, classification="discarded", reason="假阳性")
    assert not AreaInfection.objects.exists()


def test_the_case_page_shows_its_areas_and_the_area_page_links_the_case(tree, page_client):
    o = outbreak_make(tree)
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    case = case_from_retest(o)
    area = _designate(commander, o.s.households[0].region, "high", name="幸福里小区")
    case_classify(
        actor=o.epidemiologist, case=case, classification="asymptomatic", reason="PCR 阳性"
    )
    page = page_client(o.epidemiologist).get(f"/cases/{case.code}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert f'href="/risk-areas/{area.code}/"' in text
    assert "幸福里小区" in text
    # a clinician sees the areas but not the risk-area pages
    text = page_client(o.clinician).get(f"/cases/{case.code}/").content.decode()
    assert "幸福里小区" in text
    assert f"/risk-areas/{area.code}/" not in text

    link = f'href="/cases/{case.code}/"'
    assert link in page_client(o.epidemiologist).get(f"/risk-areas/{area.code}/").content.decode()
    # a grid worker reads areas, not cases: the code without the link
    grid = page_client(o.grid).get(f"/risk-areas/{area.code}/").content.decode()
    assert str(case.code) in grid
    assert link not in grid
