"""Sweeps reconcile with the registry: every household of the area is in exactly one state,
the counts equal a direct count, new residents are registered and missing ones flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.community.choices import FindingKind, VisitState
from fangkong.community.models import SweepFinding, SweepVisit
from fangkong.community.sweeps.access import access_visit
from fangkong.community.sweeps.selectors import sweep_progress, visits_pending
from fangkong.community.sweeps.services import NewResident, sweep_close, sweep_open, visit_record
from fangkong.community.tests.factories import covered_homes, members_of, staff_make
from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.people.models import Household, Person

pytestmark = pytest.mark.django_db


def test_a_visit_registers_new_residents_and_flags_missing_ones(tree):
    staff = staff_make(tree)
    _responsible, homes = covered_homes(staff, staff.worker, 2)
    sweep = sweep_open(
        actor=staff.duty, region=tree["community_a"], name="第一轮排查", reason="封控"
    )
    assert sweep.deadline == sweep.opened_at + timedelta(hours=24)
    visit = access_visit(staff.worker, sweep.code, homes[0].code, roles={"grid_worker"})
    first, second = members_of(homes[0])
    with pytest.raises(ValidationFailed) as refused:
        visit_record(
            actor=staff.worker,
            visit=visit,
            state="present",
            residents_counted=3,
            present=[first.code],
        )
    assert refused.value.errors[0]["field"] == "residents_counted"
    report = visit_record(
        actor=staff.worker,
        visit=visit,
        state=VisitState.PRESENT,
        residents_counted=2,
        present=[first.code],
        new_residents=[NewResident(name="新住户")],
    )
    assert [p.name for p in report.registered] == ["新住户"]
    assert report.missing == [second]
    assert Person.objects.filter(household=homes[0]).count() == 3
    kinds = sorted(SweepFinding.objects.values_list("kind", flat=True))
    assert kinds == [FindingKind.MISSING, FindingKind.NEW_RESIDENT]
    with pytest.raises(Conflict):
        visit_record(actor=staff.worker, visit=report.visit, state=VisitState.AWAY)
    with pytest.raises(NotFound):
        access_visit(staff.worker_two, sweep.code, homes[0].code, roles={"grid_worker"})


STATES = st.sampled_from(
    [VisitState.PENDING, VisitState.PRESENT, VisitState.AWAY, VisitState.REFUSED, VisitState.EMPTY]
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(states=st.lists(STATES, min_size=6, max_size=6))
def test_at_the_end_every_household_is_in_exactly_one_state_and_counts_match(tree, states):
    staff = staff_make(tree)
    _responsible, homes = covered_homes(staff, staff.worker, 6, members=1)
    sweep = sweep_open(actor=staff.duty, region=tree["district_a"], name="排查", reason="封控")
    for home, state in zip(homes, states, strict=True):
        if state == VisitState.PENDING:
            continue
        visit = access_visit(staff.worker, sweep.code, home.code, roles={"grid_worker"})
        present = [p.code for p in members_of(home)] if state == VisitState.PRESENT else []
        visit_record(
            actor=staff.worker,
            visit=visit,
            state=state,
            residents_counted=len(present) if present else None,
            present=present,
        )
    closed = sweep_close(actor=staff.duty, sweep=sweep, reason="到期")
    area = Household.objects.filter(region__path__startswith=tree["district_a"].path)
    assert SweepVisit.objects.filter(sweep=sweep).count() == area.count()
    assert set(
        SweepVisit.objects.filter(sweep=sweep).values_list("household_id", flat=True)
    ) == set(area.values_list("id", flat=True))
    for state in VisitState.values:
        direct = sum(1 for s in states if s == state) + (
            area.count() - len(homes) if state == VisitState.PENDING else 0
        )
        assert closed.totals[state] == direct
    assert sum(closed.totals.values()) == area.count()
    progress = sweep_progress(actor=staff.duty, sweep=sweep)
    assert sum(grid.total for grid in progress) == area.count()
    assert visits_pending(actor=staff.worker, sweep=sweep).count() == states.count(
        VisitState.PENDING
    )
    with pytest.raises(Conflict):
        sweep_close(actor=staff.duty, sweep=sweep, reason="again")
    assert closed.closed_at is not None
    assert closed.closed_at <= timezone.now()
