"""The command picture's figures of a node equal a direct count, in a constant number of
queries; out of scope is 404, wrong role 403."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.community.figures import community_figures
from fangkong.community.requests.services import request_file
from fangkong.community.sweeps.services import sweep_open
from fangkong.community.tests.factories import covered_homes, staff_make
from fangkong.core.errors import NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def test_figures_count_open_overdue_and_sweep_progress(tree):
    staff = staff_make(tree)
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    _r, homes = covered_homes(staff, staff.worker, 3)
    start = datetime(2022, 7, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=False) as clock:
        request_file(actor=staff.duty, household=homes[0], category="emergency", channel="hotline")
        request_file(actor=staff.duty, household=homes[1], category="food", channel="hotline")
        sweep_open(actor=staff.duty, region=tree["grid_a1"], name="排查", reason="封控")
        clock.move_to(start + timedelta(hours=1))
        with CaptureQueriesContext(connection) as queries:
            figures = community_figures(
                actor=commander, node=tree["district_a"], day=timezone.localdate()
            )
        assert len(queries) <= 9  # one grouped query per measure, whatever the node
    assert (figures.requests_open, figures.requests_overdue, figures.emergencies_open) == (2, 1, 1)
    assert figures.requests_filed == 2
    assert (figures.sweeps_open, figures.sweep_households, figures.sweep_visited) == (1, 3, 0)
    other = community_figures(actor=commander, node=tree["district_b"], day=start.date())
    assert other.requests_open == 0
    assert other.sweep_households == 0
    with pytest.raises(NotFound):
        community_figures(actor=staff.duty, node=tree["district_b"], day=start.date())
    with pytest.raises(PermissionDenied):
        community_figures(actor=staff.worker, node=tree["grid_a1"], day=start.date())
