"""``demo_prepare``: a city, one account per role at a sensible node, idempotent; and the
``sim_city`` command."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fangkong.accounts.choices import Role
from fangkong.accounts.models import Membership, User
from fangkong.core.models import AuditEntry
from fangkong.people.models import Person
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.sim.demo import EXTRA_ACCOUNTS, ROLE_PLACES, demo_prepare

ROOT = Path(__file__).resolve().parents[3]
LEVELS = {
    "city": RegionLevel.CITY,
    "district": RegionLevel.COUNTY,
    "community": RegionLevel.COMMUNITY,
    "grid": RegionLevel.GRID,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_demo_prepare_makes_one_account_per_role_and_is_idempotent(monkeypatch):
    monkeypatch.setenv("FANGKONG_DEMO_PASSWORD", "Correct-Horse-Battery-42")
    out = io.StringIO()
    demo_prepare(residents=400, seed=9, fresh=False, out=out, url="http://127.0.0.1:8000/")

    assert Person.objects.count() == 400
    assert set(ROLE_PLACES) == set(Role)
    for role, place in ROLE_PLACES.items():
        user = User.objects.get(username=role.value)
        assert user.check_password("Correct-Horse-Battery-42")
        membership = Membership.objects.select_related("region").get(user=user)
        assert membership.role == role
        assert membership.region.level == LEVELS[place]
        assert membership.region.path.startswith("440000.447100")
    printed = out.getvalue()
    assert "commander" in printed
    assert "grid_worker" in printed
    assert "Correct-Horse-Battery-42" not in printed
    assert "http://127.0.0.1:8000/" in printed

    monkeypatch.setenv("FANGKONG_DEMO_PASSWORD", "Staple-Lantern-Orbit-77")
    demo_prepare(residents=900, seed=9, fresh=False, out=io.StringIO())
    assert Person.objects.count() == 400
    # one account per role, and the officer on duty of each district (sim.demo_duty)
    officers = User.objects.filter(username__regex=r"^duty_[0-9]+$").count()
    assert officers >= 1
    accounts = len(Role) + len(EXTRA_ACCOUNTS) + officers
    assert User.objects.count() == accounts
    assert Membership.objects.count() == accounts
    assert User.objects.get(username="epidemiologist").check_password("Staple-Lantern-Orbit-77")
    assert AuditEntry.objects.filter(action="demo_password_reset").count() == accounts
    # the second district's epidemiologist, the receiving side of lead lists
    second = Membership.objects.select_related("region").get(user__username="epidemiologist2")
    first = Membership.objects.select_related("region").get(user__username="epidemiologist")
    assert (second.role, second.region.level) == (Role.EPIDEMIOLOGIST, RegionLevel.COUNTY)
    assert second.region.parent_id == first.region.parent_id
    # a city this small has one district, which both then work in
    districts = Region.objects.filter(level=RegionLevel.COUNTY).count()
    assert (second.region != first.region) == (districts > 1)
    assert AuditEntry.objects.filter(action="people_bulk_load").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_demo_prints_the_generated_password_it_sets(monkeypatch):
    monkeypatch.delenv("FANGKONG_DEMO_PASSWORD", raising=False)
    out = io.StringIO()
    demo_prepare(residents=50, seed=1, fresh=False, out=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("Password of every"))
    password = line.rsplit(": ", 1)[1]
    assert len(password) >= 12
    assert User.objects.get(username="commander").check_password(password)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_a_weak_demo_password_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("FANGKONG_DEMO_PASSWORD", "short")
    with pytest.raises(ImproperlyConfigured, match="FANGKONG_DEMO_PASSWORD"):
        demo_prepare(residents=50, seed=1, fresh=False, out=io.StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_sim_city_command_loads_and_refuses_a_second_city():
    out = io.StringIO()
    call_command("sim_city", "--residents", "300", "--seed", "4", stdout=out)
    assert Person.objects.count() == 300
    assert "residents/s" in out.getvalue()
    with pytest.raises(CommandError, match="already"):
        call_command("sim_city", "--residents", "300", stdout=io.StringIO())


@pytest.mark.slow
def test_fangkong_demo_on_a_fresh_data_dir_twice(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        FANGKONG_DATA_DIR=str(tmp_path / "data"), FANGKONG_DEMO_PASSWORD="Quiet-River-Copper-19"
    )
    command = [sys.executable, "-m", "fangkong.cli", "demo", "--no-serve", "--residents", "300"]

    def run(*extra: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [*command, *extra], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    first = run("--fresh")
    assert "commander" in first
    second = run()
    assert "Reusing the city" in second
    database = tmp_path / "data" / "fangkong.sqlite3"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM people_person").fetchone() == (300,)
        # one account per role and the extra ones; the districts' officers on duty besides
        roles = "SELECT COUNT(*) FROM accounts_user WHERE username NOT GLOB 'duty_[0-9]*'"
        assert db.execute(roles).fetchone() == (len(Role) + len(EXTRA_ACCOUNTS),)
    third = run("--fresh", "--seed", "2")
    assert "Generating a city of 300" in third


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_demo_opens_on_a_screening_round_in_progress(monkeypatch):
    from fangkong.cases.models import Case, CaseTube
    from fangkong.core.actor import SYSTEM
    from fangkong.lab.choices import MemberOutcome, RetestStatus, TubeKind, TubeResult, TubeStatus
    from fangkong.lab.models import Binding, Lab, Notification, RetestTask, SamplingPoint, Tube
    from fangkong.lab.results.retests import retest_tasks_in_scope

    monkeypatch.setenv("FANGKONG_DEMO_PASSWORD", "Correct-Horse-Battery-42")
    demo_prepare(residents=1500, seed=7, fresh=False, days=10, out=io.StringIO())
    sampler = User.objects.get(username="sampler")
    technician = User.objects.get(username="lab_technician")
    assert SamplingPoint.objects.filter(staff=sampler).count() == 1
    assert Lab.objects.filter(staff=technician).count() == 1
    tubes = Tube.objects.filter(kind=TubeKind.SCREENING)
    assert tubes.count() > 10
    assert set(tubes.values_list("ratio", flat=True)) == {10}
    statuses = set(tubes.values_list("status", flat=True))
    assert TubeStatus.RESULTED in statuses
    assert statuses & {TubeStatus.IN_TRANSIT, TubeStatus.PACKAGED, TubeStatus.RECEIVED}
    pooled = tubes.filter(result=TubeResult.POOLED_POSITIVE)
    # The older half of the pooled positives is re-tested singly; the rest wait, held.
    retested = RetestTask.objects.filter(
        status=RetestStatus.DONE, source_tube__isnull=False
    ).values("source_tube")  # not the quarantine plans' tests, which no pooled tube sent
    waiting = pooled.exclude(id__in=retested)
    assert waiting.exists()
    held = Binding.objects.filter(tube__in=waiting, outcome=MemberOutcome.HELD).count()
    tasks = [t for t in retest_tasks_in_scope(SYSTEM, status="open") if t.source_tube in waiting]
    assert len(tasks) == held
    # a positive re-test opened a case through the lab's findings, linked to both tubes
    positives = Tube.objects.filter(kind=TubeKind.RETEST, result=TubeResult.POSITIVE)
    assert positives.exists()
    cases = Case.objects.filter(how_found="pooled_retest")
    assert cases.count() == positives.count()
    assert CaseTube.objects.filter(case__in=cases, tube__in=positives).count() == cases.count()
    assert all(case.timers.count() == 3 for case in cases)
    assert Notification.objects.filter(tube__in=pooled).count() >= 3 * pooled.count()
    # the first cases' compound is a high-risk area, the rest of the district a low one; the
    # cases classified asymptomatic reached both through the case feed (issue 19 §8)
    from django.utils import timezone

    from fangkong.policy.selectors import rules_for
    from fangkong.risk_areas.models import AreaInfection, RiskArea, RiskAreaEvent
    from fangkong.risk_areas.selectors import lifting_assess

    high = RiskArea.objects.get(level="high", status="designated")
    low = RiskArea.objects.get(level="low", unit="county_remainder")
    assert rules_for(high.region, timezone.localdate()).parameters.risk_areas.enabled
    classified = Case.objects.filter(classification="asymptomatic").exclude(
        how_found="direct_report"
    )
    assert 1 <= classified.count() <= 3
    codes = {str(code) for code in classified.values_list("code", flat=True)}
    # the earlier days' cases imported at the end (补录) count where they live too
    imported = Case.objects.filter(
        how_found="direct_report", classification__in=["confirmed", "asymptomatic"]
    )
    imported_codes = {str(code) for code in imported.values_list("code", flat=True)}
    for area in (high, low):
        references = set(
            AreaInfection.objects.filter(area=area).values_list("reference", flat=True)
        )
        assert codes <= references
        assert references - codes <= imported_codes
    designated = RiskAreaEvent.objects.get(area=high, kind="designated")
    assert (designated.actor, designated.actor_role) == ("commander", "commander")
    assert designated.reason
    recorded = RiskAreaEvent.objects.filter(area=high, kind="infection_recorded")
    assert set(recorded.values_list("actor", flat=True)) == {"epidemiologist"}
    assessment = lifting_assess(high)
    assert (assessment.days_clean, assessment.days_required) == (0, 7)
    assert assessment.target == "medium"
    # the city's scans and dwell intervals went in through the tracing ingestion, a batch a day
    from fangkong.tracing.models import IngestBatch, Venue
    from fangkong.tracing.store import dwells_frame, scans_frame

    assert Venue.objects.exists()
    batches = IngestBatch.objects.all()
    assert set(batches.values_list("status", flat=True)) == {"accepted"}
    # fed by the demo administrator, so the city's tracing page lists them
    assert set(batches.values_list("created_by", flat=True)) == {"administrator"}
    assert batches.filter(kind="scans").count() == 10
    today = timezone.localdate()
    scans = scans_frame(today - timedelta(days=10), today).collect()
    assert scans.height == sum(batches.filter(kind="scans").values_list("rows_accepted", flat=True))
    assert scans["venue"].n_unique() > 10
    assert dwells_frame(today - timedelta(days=10), today).collect().height > 0
    # the high-risk compound is closed, covered, swept and served (issue 21)
    from fangkong.community.models import (
        Coverage,
        MedicalExit,
        ResidentRequest,
        Restriction,
        SweepVisit,
    )
    from fangkong.people.models import Household

    closure = Restriction.objects.get(risk_area=high)
    assert (closure.kind, closure.status, closure.stay_home) == ("closure", "active", True)
    homes = Household.objects.filter(region=high.region)
    assert Coverage.objects.filter(household__in=homes).count() == homes.count()
    assert SweepVisit.objects.filter(household__in=homes).count() == homes.count()
    assert SweepVisit.objects.filter(household__in=homes, state="present").exists()
    assert ResidentRequest.objects.filter(category="food").count() >= 1
    dialysis = MedicalExit.objects.get(request__category="dialysis")
    assert dialysis.approved_at is not None
    assert dialysis.vehicle_plate
    assert dialysis.return_by is not None
    # the city's work teams and classes are in the people register
    from fangkong.people.models import GroupMember, PersonGroup

    assert PersonGroup.objects.filter(kind="school_class").exists()
    assert PersonGroup.objects.filter(kind="work_team").exists()
    assert GroupMember.objects.count() > 100
    # the first orders' due plan tests went through the lab as tasks of the person and came
    # back negative from their tubes; the others were entered by hand (issue 20 §2)
    from fangkong.isolation.models import OrderTestTask

    through_lab = OrderTestTask.objects.filter(result_source="lab", status="negative")
    assert through_lab.exists()
    assert all(test.tube_id is not None for test in through_lab)
    assert RetestTask.objects.filter(reason="quarantine", status="open").exists()
    # the investigated cases' candidates living elsewhere went to their districts as lead
    # lists; the receiving district's demo epidemiologist sees those pushed to it
    from fangkong.tracing.leads.models import LeadList

    receiving = Membership.objects.select_related("region").get(user__username="epidemiologist2")
    if Region.objects.filter(level=RegionLevel.COUNTY).count() > 1:  # else nowhere to push
        assert LeadList.objects.filter(to_region=receiving.region).exists()
    else:
        assert not LeadList.objects.exists()
    # a package held up on the road since the morning: its people's results are past the
    # demo city's target, and the commander's picture shows the district behind (issue 22)
    from fangkong.accounts.actors import actor_from_membership
    from fangkong.command_center.picture.selectors import picture_get

    overdue = Binding.objects.filter(
        tube__result=TubeResult.PENDING, tube__due_at__lt=timezone.now()
    )
    assert overdue.exists()
    assert set(overdue.values_list("tube__package__status", flat=True)) == {"in_transit"}
    commander = actor_from_membership(
        Membership.objects.select_related("user", "region").get(user__username="commander")
    )
    district = Membership.objects.get(user__username="epidemiologist").region
    assert district.parent is not None
    behind = picture_get(actor=commander, region=district.parent).behind()
    assert [row["region"] for row in behind][:1] == [district]
    assert behind[0]["late"]["results_late"] == overdue.count()
    # the cases reported before Fangkong came in through the import, at their report times,
    # so the command picture's curve covers several earlier days (by report and by onset)
    from fangkong.cases.models import InvestigationTimer
    from fangkong.command_center.models import NodeDayFigure

    imported = Case.objects.filter(how_found="direct_report")
    assert 3 <= imported.count() <= 60
    assert all(case.opened_at.date() < timezone.localdate() for case in imported)
    assert imported.exclude(report_card="").count() == imported.count()
    assert not InvestigationTimer.objects.filter(
        case__in=imported, met_at__isnull=True, due_at__lt=timezone.now()
    ).exists()
    curve = NodeDayFigure.objects.filter(region=district, day__lt=timezone.localdate())
    assert curve.filter(measure="cases_by_report").values("day").distinct().count() >= 3
    assert curve.filter(measure="cases_by_onset").values("day").distinct().count() >= 3


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_the_second_districts_epidemiologist_receives_a_lead_list_from_the_first(monkeypatch):
    from fangkong.accounts.actors import actor_from_membership
    from fangkong.tracing.leads.models import LeadList

    monkeypatch.setenv("FANGKONG_DEMO_PASSWORD", "Correct-Horse-Battery-42")
    demo_prepare(residents=8_000, seed=7, fresh=False, days=10, out=io.StringIO())
    first = Membership.objects.select_related("region").get(user__username="epidemiologist")
    second = Membership.objects.select_related("region").get(user__username="epidemiologist2")
    assert second.region != first.region
    lists = LeadList.objects.filter(from_region__path__startswith=first.region.path)
    received = lists.filter(to_region=second.region)
    assert received.exists()
    # the receiving epidemiologist (signed in at that district) may open it; the sender not
    from fangkong.core.errors import NotFound
    from fangkong.tracing.leads.access import access_lead_list

    lead = received.earliest("pushed_at")
    assert access_lead_list(actor_from_membership(second), lead.code) == lead
    with pytest.raises(NotFound):
        access_lead_list(actor_from_membership(first), lead.code)
