"""The picture's residents' requests equal the community app's own figures of the same node
(issue 22 §1: residents' requests late among what is late)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.command_center.models import NodeDayFigure
from fangkong.command_center.picture.services import figures_refresh
from fangkong.community.figures import community_figures
from fangkong.community.requests.services import request_file
from fangkong.community.tests.factories import covered_homes, staff_make
from fangkong.core.actor import SYSTEM

pytestmark = pytest.mark.django_db


def test_residents_requests_in_the_picture_equal_the_community_figures(tree):
    staff = staff_make(tree)
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    _r, homes = covered_homes(staff, staff.worker, 3)
    start = datetime(2022, 7, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=False) as clock:
        request_file(actor=staff.duty, household=homes[0], category="emergency", channel="hotline")
        request_file(actor=staff.duty, household=homes[1], category="food", channel="hotline")
        clock.move_to(start + timedelta(hours=1))
        figures_refresh(actor=SYSTEM, days=1)
        today = timezone.localdate()
        for node in (tree["city"], tree["district_a"], tree["district_b"]):
            own = community_figures(actor=commander, node=node, day=today)
            stored = {
                row.measure: row.value
                for row in NodeDayFigure.objects.filter(region=node, day=today)
            }
            assert stored.get("requests_open", 0) == own.requests_open
            assert stored.get("requests_overdue", 0) == own.requests_overdue
            assert stored.get("requests_filed", 0) == own.requests_filed
    assert own.requests_open == 0  # district_b, last in the loop: nothing filed there
    city = NodeDayFigure.objects.get(region=tree["city"], day=today, measure="requests_open")
    assert city.value == 2
