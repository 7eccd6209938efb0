"""The periodic schedule run by ``fangkong worker``.

Each periodic job has a name, an interval and a function. Time is cut into slots of the
interval; for the current slot the scheduler inserts a :class:`PeriodicRun` row. The unique
``(job, slot)`` constraint lets only one scheduler win a slot, so any number of workers may run.
Before the job starts it checks that no earlier run of the same job is unfinished, so a slow run
is never overlapped by the next one; a run that died is taken as abandoned after ``stale_after``.
Re-running a slot is safe because every job is written to be idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.core.models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[], str]
    stale_after: timedelta = timedelta(hours=2)


_JOBS: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta, stale_after: timedelta = timedelta(hours=2)
) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Register a function (returning a one-line outcome) as a periodic job."""

    def register(function: Callable[[], str]) -> Callable[[], str]:
        _JOBS[name] = PeriodicJob(name=name, every=every, run=function, stale_after=stale_after)
        return function

    return register


def periodic_jobs() -> dict[str, PeriodicJob]:
    return dict(_JOBS)


def slot_of(moment: datetime, every: timedelta) -> datetime:
    seconds = int(every.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def periodic_claim(job: PeriodicJob, *, now: datetime | None = None) -> PeriodicRun | None:
    """Claim the current slot of ``job``; ``None`` if another scheduler has it or the job's
    previous run is still going."""
    now = now or timezone.now()
    running = PeriodicRun.objects.filter(
        job=job.name, finished_at__isnull=True, started_at__gte=now - job.stale_after
    ).exists()
    if running:
        return None
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(
                job=job.name, slot=slot_of(now, job.every), started_at=now
            )
    except IntegrityError:
        return None


def periodic_execute(run: PeriodicRun) -> PeriodicRun:
    """Run a claimed slot and record its outcome (errors are recorded, not raised)."""
    job = _JOBS[run.job]
    try:
        message, outcome = job.run(), "ok"
    except Exception as exc:  # the schedule keeps going; the failure is on record
        logger.exception("periodic job %s failed", job.name)
        message, outcome = f"{type(exc).__name__}: {exc}", "failed"
    PeriodicRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), outcome=outcome, message=message[:2000]
    )
    run.refresh_from_db()
    return run


def periodic_tick(*, now: datetime | None = None) -> list[PeriodicRun]:
    """Claim and run every due job once; returns the runs made."""
    done = []
    for job in periodic_jobs().values():
        run = periodic_claim(job, now=now)
        if run is not None:
            done.append(periodic_execute(run))
    return done
