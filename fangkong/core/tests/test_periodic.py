"""The periodic schedule: one run per slot whatever the number of schedulers, no overlap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fangkong.core import periodic
from fangkong.core.models import PeriodicRun

CALLS: list[str] = []


@pytest.fixture
def counting_job(monkeypatch):
    CALLS.clear()

    def count() -> str:
        CALLS.append("x")
        return "ok"

    job = periodic.PeriodicJob(name="count", every=timedelta(minutes=10), run=count)
    monkeypatch.setattr(periodic, "_JOBS", {"count": job})
    return job


@pytest.mark.django_db
def test_a_slot_runs_once_however_many_schedulers_tick(counting_job):
    now = datetime(2026, 11, 22, 8, 3, tzinfo=UTC)
    first = periodic.periodic_tick(now=now)
    second = periodic.periodic_tick(now=now + timedelta(minutes=2))  # same 10-minute slot
    assert [run.outcome for run in first] == ["ok"]
    assert second == []
    assert CALLS == ["x"]
    periodic.periodic_tick(now=now + timedelta(minutes=10))  # the next slot
    assert CALLS == ["x", "x"]
    assert PeriodicRun.objects.filter(job="count").count() == 2


@pytest.mark.django_db
def test_a_job_does_not_start_while_its_previous_run_is_unfinished(counting_job):
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    claimed = periodic.periodic_claim(counting_job, now=now)
    assert claimed is not None  # claimed but still running (not executed yet)
    assert periodic.periodic_claim(counting_job, now=now + timedelta(minutes=15)) is None
    # A run that died long ago no longer blocks the schedule.
    assert periodic.periodic_claim(counting_job, now=now + timedelta(hours=3)) is not None


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_schedule_goes_on(monkeypatch):
    def boom() -> str:
        raise ValueError("broken feed")

    job = periodic.PeriodicJob(name="boom", every=timedelta(hours=1), run=boom)
    monkeypatch.setattr(periodic, "_JOBS", {"boom": job})
    (run,) = periodic.periodic_tick(now=datetime(2026, 1, 1, tzinfo=UTC))
    assert run.outcome == "failed"
    assert "broken feed" in run.message
    assert run.finished_at is not None


@pytest.mark.django_db
def test_the_audit_chain_job_is_registered_and_passes_on_a_sound_ledger():
    assert "audit_chain_verify" in periodic.periodic_jobs()
    (run,) = [r for r in periodic.periodic_tick() if r.job == "audit_chain_verify"]
    assert run.outcome == "ok", run.message
