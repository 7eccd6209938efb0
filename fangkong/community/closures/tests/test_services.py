"""Restricted compounds: from a risk area with its level's measures, households listed,
the gate log where the measures ask, lifting with the area, governed and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.community.closures.selectors import restriction_households, restrictions_over
from fangkong.community.closures.services import (
    Place,
    gate_record,
    restriction_from_area,
    restriction_impose,
    restriction_lift,
    restrictions_follow_areas,
)
from fangkong.community.models import RestrictionEvent
from fangkong.community.tests.factories import covered_homes, homes_make, staff_make
from fangkong.core.errors import Conflict, FangkongError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.policy.choices import DesignationUnit
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.services import risk_area_designate

pytestmark = pytest.mark.django_db


def _area(staff, tree, level="high"):
    return risk_area_designate(
        actor=staff.commander,
        region=tree["grid_a1"],
        unit=DesignationUnit.COMPOUND,
        level=level,
        name="幸福里小区",
        reason="病例居住小区",
    )


def test_a_high_risk_area_closes_its_compound_and_lifts_with_it(tree):
    staff = staff_make(tree)
    _responsible, homes = covered_homes(staff, staff.worker, 3)
    outside = homes_make(tree["grid_a2"], 1)
    area = _area(staff, tree)
    restriction = restriction_from_area(actor=staff.commander, area=area, reason="高风险区封控")
    assert (restriction.kind, restriction.stay_home, restriction.gate_log) == (
        "closure",
        True,
        True,
    )
    assert restriction.rule_set.startswith("nhc-9")
    assert restriction.until == area.clock_from + timedelta(days=7)
    assert list(restriction_households(actor=staff.duty, restriction=restriction)) == homes
    assert list(restrictions_over(homes[0])) == [restriction]
    assert list(restrictions_over(outside[0])) == []
    gate_record(actor=staff.worker, restriction=restriction, direction="out", purpose="透析就医")
    with pytest.raises(Conflict):
        restriction_from_area(actor=staff.commander, area=area, reason="again")
    with pytest.raises(Conflict):
        restriction_lift(actor=staff.commander, restriction=restriction, reason="提前解封")
    # the area's own lifting (7 clean days and a round) is risk_areas' to test: lifted here
    RiskArea.objects.filter(pk=area.pk).update(status="lifted", lifted_at=timezone.now())
    assert restrictions_follow_areas() == (1, 0)
    restriction.refresh_from_db()
    assert restriction.status == "lifted"
    assert list(
        RestrictionEvent.objects.filter(restriction=restriction).values_list("kind", "actor")
    ) == [
        ("imposed", staff.commander.username),
        ("lifted", "system"),
    ]
    assert AuditEntry.objects.filter(action="restriction_impose", reason="高风险区封控").exists()


def test_a_local_decision_needs_a_restricting_level_and_an_end(tree):
    staff = staff_make(tree)
    where = Place(tree["grid_a1"], "building", "3")
    with pytest.raises(FangkongError) as refused:
        restriction_impose(
            actor=staff.commander, where=where, level="low", until=timezone.localdate(), reason="x"
        )
    assert refused.value.detail["errors"][0]["field"] == "level"
    restriction = restriction_impose(
        actor=staff.commander,
        where=where,
        level="medium",
        until=timezone.localdate() + timedelta(days=4),
        reason="管控",
    )
    assert restriction.kind == "control"
    with pytest.raises(PermissionDenied):
        restriction_lift(actor=staff.duty, restriction=restriction, reason="x")
    restriction_lift(actor=staff.commander, restriction=restriction, reason="到期解除")
    with pytest.raises(Conflict):
        gate_record(actor=staff.worker, restriction=restriction, direction="in", purpose="x")
    with pytest.raises(NotFound):
        restriction_impose(
            actor=staff.commander,
            where=Place(tree["grid_b1"]),
            level="high",
            until=timezone.localdate(),
            reason="x",
        )
