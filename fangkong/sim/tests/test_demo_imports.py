"""The demo's earlier reports: who the direct reporting system already holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import time_machine
from django.utils import timezone

from fangkong.sim import demo_imports
from fangkong.sim.demo_imports import earlier_reports
from fangkong.sim.outbreak import OutbreakResult

NOW = datetime(2022, 4, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _result(onsets: Sequence[int | None]) -> OutbreakResult:
    courses = pl.DataFrame(
        {"person": list(range(len(onsets))), "onset": list(onsets)},
        schema={"person": pl.Int64, "onset": pl.Int64},
    )
    return OutbreakResult(
        residents=len(onsets),
        days=10,
        epoch=0,
        infections=pl.DataFrame(),
        courses=courses,
        daily=pl.DataFrame(),
    )


def _residents(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {"person_key": list(range(count)), "number": [f"N{i}" for i in range(count)]}
    )


@time_machine.travel(NOW, tick=False)
def test_symptomatic_residents_are_reported_one_or_two_days_after_onset_before_today():
    day = 86_400
    now = timezone.now()
    onsets = [int(now.timestamp()) - d * day for d in (9, 6, 4, 1, 0)] + [None]
    # person 4 fell ill today and person 5 never did: neither is an earlier report; person 2
    # is not a resident of the district
    residents = _residents(6).filter(pl.col("person_key") != 2)
    reports = earlier_reports(_result(onsets), residents, now=now, seed=3)
    assert {r.id_number for r in reports} <= {"N0", "N1", "N3"}
    assert {"N0", "N1"} <= {r.id_number for r in reports}
    today = timezone.localdate(now)
    for report in reports:
        reported_on = timezone.localdate(report.reported_at)
        assert (reported_on - report.onset_date).days in (1, 2)
        assert reported_on < today
        assert 8 <= timezone.localtime(report.reported_at).hour < 21
    assert [r.reported_at for r in reports] == sorted(r.reported_at for r in reports)


@time_machine.travel(NOW, tick=False)
def test_at_most_max_reports_are_kept(monkeypatch):
    monkeypatch.setattr(demo_imports, "MAX_REPORTS", 3)
    now = timezone.now()
    onsets = [int((now - timedelta(days=5, minutes=n)).timestamp()) for n in range(20)]
    reports = earlier_reports(_result(onsets), _residents(20), now=now, seed=3)
    assert len(reports) == 3
