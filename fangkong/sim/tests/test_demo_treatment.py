"""The demo's treatment step: positives admitted to Fangcang beds, release tests recorded as
their days come, the discharge refused before the rule set's day and done on it (with the
hand-over to home health monitoring); care requests filed and an appeal decided by the
commander, not the epidemiologist who issued the orders; a second run on the same day does
nothing new."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.isolation.models import Admission, CareRequest, IsolationOrder
from fangkong.isolation.treatment.tests.factories import ward_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.sim.demo_treatment import treatment_run

pytestmark = pytest.mark.django_db


def test_the_demo_admits_discharges_on_the_right_day_and_decides_an_appeal(tree):
    with time_machine.travel(NINTH_EDITION_DAY, tick=False):
        ward = ward_make(tree)
        actors = {
            "city": tree["city"],
            "district": tree["district_a"],
            "manager": ward.staff.manager,
            "epidemiologist": ward.outbreak.epidemiologist,
            "clinician": ward.clinician,
            "commander": ward.staff.commander,
        }
        first = treatment_run(**actors)
        assert first.admitted == 1
        assert first.discharged == 0
        assert first.next_discharge == NINTH_EDITION_DAY.date() + timedelta(days=7)
        assert "release_day_not_reached" in first.refused
        assert first.requests == 3
        assert first.appeal_decided_by == ward.staff.commander.username
        appeal = CareRequest.objects.get(category="appeal")
        assert appeal.decided_by != appeal.order.issued_by
        again = treatment_run(**actors)
        assert (again.admitted, again.tests, again.discharged, again.requests) == (0, 0, 0, 0)
    day = timezone.make_aware(datetime.combine(first.next_discharge, time(9, 0)))
    with time_machine.travel(day, tick=False):
        later = treatment_run(**actors)
    assert (later.tests, later.discharged) == (2, 1)
    admission = Admission.objects.get()
    assert admission.status == "discharged"
    assert admission.discharged_at is not None
    assert timezone.localdate(admission.discharged_at) == first.next_discharge
    assert admission.monitoring_order_id is not None
    monitoring = IsolationOrder.objects.get(pk=admission.monitoring_order_id)
    assert monitoring.kind == "health_monitoring"


def test_the_demo_override_brings_fangcang_discharge_and_quarantine_under_the_10th_edition(tree):
    from fangkong.policy.selectors import rules_for
    from fangkong.sim.demo_treatment import treatment_override

    today = timezone.localdate()
    assert rules_for(tree["district_a"], today).parameters.positives is None
    treatment_override(tree["city"])
    treatment_override(tree["city"])  # once
    rules = rules_for(tree["district_a"], today)
    assert rules.parameters.positives is not None
    assert rules.parameters.positives.release_after_days == 7
    assert rules.parameters.plan("close_contact") is not None
    assert "demo-city-treatment" in rules.label
