"""The picture's residents' requests equal the community app's own figures of the same node
(issue 22 §1: residents' requests late among what is late)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.command_center.models import NodeDayFigure
from fangkong.command_center.picture.services import figures_refresh
from fangkong.command_center.picture.sources import COMMUNITY_MEASURES
from fangkong.community.figures import community_figures
from fangkong.community.requests.services import request_file
from fangkong.community.sweeps.services import sweep_open
from fangkong.community.tests.factories import covered_homes, staff_make
from fangkong.core.actor import SYSTEM
from fangkong.supplies.figures import supplies_figures
from fangkong.supplies.stock.services import stock_issue
from fangkong.supplies.tests.factories import items_make, warehouse_make
from fangkong.supplies.tests.factories import staff_make as supplies_staff

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


def test_every_community_figure_is_the_pictures_count(tree):
    """One reader: each field of ``community_figures`` equals the picture's stored measure of
    the same key, at every level (the sweep and the emergency included)."""
    staff = staff_make(tree)
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    _r, homes = covered_homes(staff, staff.worker, 3)
    start = datetime(2022, 7, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=False) as clock:
        request_file(actor=staff.duty, household=homes[0], category="emergency", channel="hotline")
        sweep_open(actor=staff.duty, region=tree["grid_a1"], name="排查", reason="封控")
        clock.move_to(start + timedelta(hours=1))
        figures_refresh(actor=SYSTEM, days=1)
        today = timezone.localdate()
        for node in (tree["city"], tree["district_a"], tree["grid_a1"], tree["district_b"]):
            own = community_figures(actor=commander, node=node, day=today)
            stored = {
                row.measure: row.value
                for row in NodeDayFigure.objects.filter(region=node, day=today)
            }
            for measure in COMMUNITY_MEASURES:
                assert stored.get(measure.key, 0) == getattr(own, measure.key), measure.key
    city = {r.measure: r.value for r in NodeDayFigure.objects.filter(region=tree["city"])}
    assert (city["emergencies_open"], city["sweeps_open"], city["sweep_households"]) == (1, 1, 3)


def test_days_of_cover_short_is_a_picture_measure_summed_up_the_tree(tree):
    """A (warehouse, item) pair under ``supplies.shortage_cover_days`` counts once at the
    warehouse's node and at every node above; ``supplies_figures`` reads the same count."""
    staff = supplies_staff(tree)
    items = items_make(staff)
    day = date(2022, 7, 15)
    with time_machine.travel(datetime(2022, 7, 15, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        warehouse = warehouse_make(staff, items, stock={"food": 100, "masks": 1000})
        # 70 food packs issued in the 7-day window: 10 a day, 30 left = 3 days, not short;
        # 95 issued: 5 left, half a day: short. Masks: 7 issued of 1000, plenty.
        stock_issue(
            actor=staff.officer,
            warehouse=warehouse,
            lines=[(items["food"], 95), (items["masks"], 7)],
            key="k1",
            reason="发放",
        )
        figures_refresh(actor=SYSTEM, days=1)
        for node, expected in ((tree["city"], 1), (tree["district_a"], 1), (tree["district_b"], 0)):
            stored = NodeDayFigure.objects.filter(region=node, day=day, measure="supplies_short")
            assert sum(row.value for row in stored) == expected
        own = supplies_figures(actor=staff.officer, node=tree["district_a"], day=day)
        assert own.items_short == 1
