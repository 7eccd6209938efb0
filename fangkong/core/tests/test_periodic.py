"""The periodic schedule: one run per slot whatever the number of schedulers, no overlap."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, OperationalError

from fangkong.core import periodic
from fangkong.core.models import PeriodicJobState, PeriodicRun

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


@pytest.fixture
def flaky_job(monkeypatch):
    """A job whose claim hits a database error while ``broken`` holds, then works."""
    state = {"broken": True, "calls": 0}
    real_claim = periodic.periodic_claim

    def claim(job, *, now=None):
        if state["broken"]:
            raise OperationalError("could not connect to server at 13812345678")
        return real_claim(job, now=now)

    def work() -> str:
        state["calls"] += 1
        return "done"

    job = periodic.PeriodicJob(name="flaky", every=timedelta(minutes=1), run=work)
    monkeypatch.setattr(periodic, "_JOBS", {"flaky": job})
    monkeypatch.setattr(periodic, "periodic_claim", claim)
    return state


@pytest.mark.django_db
def test_a_database_error_is_logged_backed_off_and_the_next_tick_runs_again(flaky_job, caplog):
    start = datetime(2026, 11, 22, 8, 0, 30, tzinfo=UTC)
    scheduler = periodic.Scheduler()
    with caplog.at_level(logging.WARNING, logger="fangkong.core.periodic"):
        assert scheduler.tick(now=start) == []  # the database error does not escape
    assert "flaky" in caplog.text
    assert "OperationalError" in caplog.text
    state = PeriodicJobState.objects.get(job="flaky")
    assert state.consecutive_failures == 1
    assert state.last_error.startswith("OperationalError: could not connect")
    assert "13812345678" not in state.last_error  # scrubbed like a log line
    assert state.retry_at == start + periodic.BACKOFF_FIRST

    # Backed off: the next tick inside the wait does not even try.
    scheduler.tick(now=start + timedelta(seconds=30))
    assert PeriodicJobState.objects.get(job="flaky").consecutive_failures == 1
    # After it, a second failure doubles the wait.
    scheduler.tick(now=start + timedelta(minutes=1))
    state = PeriodicJobState.objects.get(job="flaky")
    assert state.consecutive_failures == 2
    assert state.retry_at == start + timedelta(minutes=1) + 2 * periodic.BACKOFF_FIRST

    # The database is back: the next tick past the wait runs the job, and the record clears.
    flaky_job["broken"] = False
    (run,) = scheduler.tick(now=start + timedelta(minutes=3))
    assert run.outcome == "ok"
    assert flaky_job["calls"] == 1
    state = PeriodicJobState.objects.get(job="flaky")
    assert state.consecutive_failures == 0
    assert state.retry_at is None
    assert state.last_ok_at is not None
    assert state.last_started_at is not None
    assert state.last_error.startswith("OperationalError")  # the last error stays on show


def test_the_back_off_doubles_up_to_its_cap():
    assert periodic.backoff_delay(0) == timedelta(0)
    assert periodic.backoff_delay(1) == periodic.BACKOFF_FIRST
    assert periodic.backoff_delay(3) == 4 * periodic.BACKOFF_FIRST
    assert periodic.backoff_delay(50) == periodic.BACKOFF_CAP


@pytest.mark.django_db
def test_a_failing_job_backs_off_and_its_error_is_one_scrubbed_line(monkeypatch):
    def boom() -> str:
        raise ValueError("bad row for 110101199003077777\nsecond line")

    job = periodic.PeriodicJob(name="boom", every=timedelta(minutes=1), run=boom)
    monkeypatch.setattr(periodic, "_JOBS", {"boom": job})
    scheduler = periodic.Scheduler()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    (run,) = scheduler.tick(now=now)
    assert run.outcome == "failed"
    assert len(scheduler.tick(now=now + timedelta(minutes=1))) == 1  # waited a minute: tried
    # Two failures in a row: two minutes' wait, so the next one-minute slot is skipped.
    assert scheduler.tick(now=now + timedelta(minutes=2)) == []
    assert len(scheduler.tick(now=now + timedelta(minutes=3))) == 1
    state = PeriodicJobState.objects.get(job="boom")
    assert state.last_error == "ValueError: bad row for [id]\\nsecond line"
    assert "110101199003077777" not in run.message
    assert state.consecutive_failures == 3


@pytest.mark.django_db
def test_the_schedule_loop_goes_on_when_a_tick_raises(caplog):
    class Broken(periodic.Scheduler):
        ticks = 0

        def tick(self, *, now=None):
            type(self).ticks += 1
            raise DatabaseError("database is locked")

    waits: list[float] = []
    with caplog.at_level(logging.ERROR, logger="fangkong.core.periodic"):
        periodic.schedule_forever(Broken(), interval=5, sleep=waits.append, rounds=3)
    assert Broken.ticks == 3  # the loop did not end at the first error
    assert waits == [10, 20, 40]  # and it waits longer after each
    assert "tick failed" in caplog.text
