"""The periodic schedule run by ``fangkong worker``.

Each periodic job has a name, an interval and a function. Time is cut into slots of the
interval; for the current slot the scheduler inserts a :class:`PeriodicRun` row. The unique
``(job, slot)`` constraint lets only one scheduler win a slot, so any number of workers may run.
Before the job starts it checks that no earlier run of the same job is unfinished, so a slow run
is never overlapped by the next one; a run that died is taken as abandoned after ``stale_after``.
Re-running a slot is safe because every job is written to be idempotent.

Nothing stops the schedule silently. :class:`Scheduler` (one per ``fangkong worker``) catches
whatever an attempt raises — a database error above all — logs it, and backs that job off
(doubling from :data:`BACKOFF_FIRST` up to :data:`BACKOFF_CAP`) before trying it again; the
other jobs go on. :func:`schedule_forever` is the worker's loop around it. Where each job
stands (last start, last success, last error as one scrubbed line, failures in a row) is kept in
:class:`PeriodicJobState` for the administrator's schedule page
(:func:`periodic_job_status_list`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from fangkong.core.logging import scrub
from fangkong.core.models import PeriodicJobState, PeriodicRun

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


def periodic_last_ok_start(name: str) -> datetime | None:
    """When the last run of job ``name`` that finished well started; ``None`` if none has.

    A job that works on "what changed since it last looked" starts from here: the start, not
    the end, so a change made while that run was going is looked at again, never missed.
    """
    return (
        PeriodicRun.objects.filter(job=name, outcome="ok", started_at__isnull=False)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


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
    """Run a claimed slot and record its outcome (the job's errors are recorded, not raised;
    a database error while recording is raised to the :class:`Scheduler`)."""
    job = _JOBS[run.job]
    _state_started(job.name, run.started_at or timezone.now())
    try:
        message, outcome = job.run(), "ok"
    except Exception as exc:  # the schedule keeps going; the failure is on record
        logger.exception("periodic job %s failed", job.name)
        message, outcome = error_line(exc), "failed"
    PeriodicRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), outcome=outcome, message=message[:2000]
    )
    run.refresh_from_db()
    return run


#: The first wait after a failed attempt; it doubles with every failure in a row ...
BACKOFF_FIRST = timedelta(minutes=1)
#: ... up to this, so a job broken for a day is still tried every hour.
BACKOFF_CAP = timedelta(hours=1)


def backoff_delay(failures: int) -> timedelta:
    """How long a job waits after ``failures`` failed attempts in a row (none after none)."""
    if failures <= 0:
        return timedelta(0)
    doubled: timedelta = BACKOFF_FIRST * (1 << min(failures - 1, 20))
    return min(BACKOFF_CAP, doubled)


def error_line(exc: BaseException) -> str:
    """An exception as one scrubbed line (type and text, no traceback) fit to store and show."""
    return scrub(f"{type(exc).__name__}: {exc}")[:500]


class Scheduler:
    """The schedule loop of one worker: runs the due jobs, and backs a failing job off.

    The back-off is held here, in memory, because it must hold when the database does not; it
    is also written to :class:`PeriodicJobState` (best effort) for the schedule page.
    ``clock`` is injectable for tests.
    """

    def __init__(self, *, clock: Callable[[], datetime] = timezone.now) -> None:
        self.clock = clock
        self.failures: dict[str, int] = {}
        self.retry_at: dict[str, datetime] = {}

    def tick(self, *, now: datetime | None = None) -> list[PeriodicRun]:
        """Claim and run every due job once; returns the runs made. Never raises for a job.

        1. A job backed off until later than ``now`` is skipped.
        2. Otherwise its slot is claimed and run (:func:`periodic_claim`,
           :func:`periodic_execute`).
        3. A failed run, or anything raised on the way (the database gone, a lock timeout), counts
           as a failure: logged, the job backed off by :func:`backoff_delay`, the state written.
           A run that finished well clears the job's failures.
        """
        now = now or self.clock()
        done = []
        for job in periodic_jobs().values():
            retry_at = self.retry_at.get(job.name)
            if retry_at is not None and now < retry_at:
                continue
            try:
                run = periodic_claim(job, now=now)
                if run is None:
                    continue
                run = periodic_execute(run)
            except Exception as exc:  # one job's trouble must not stop the schedule
                logger.error("periodic job %s could not run", job.name, exc_info=True)
                self._failed(job.name, now, error_line(exc))
                continue
            done.append(run)
            if run.outcome == "failed":
                self._failed(job.name, now, run.message)
            else:
                self._succeeded(job.name, run.finished_at or now)
        return done

    def _failed(self, name: str, now: datetime, error: str) -> None:
        failures = self.failures.get(name, 0) + 1
        self.failures[name] = failures
        retry_at = now + backoff_delay(failures)
        self.retry_at[name] = retry_at
        logger.warning(
            "periodic job %s failed %d time(s) in a row; next attempt at %s: %s",
            name,
            failures,
            retry_at.isoformat(),
            error,
        )
        _state_write(
            name,
            last_failed_at=now,
            last_error=error[:500],
            consecutive_failures=F("consecutive_failures") + 1,
            retry_at=retry_at,
        )

    def _succeeded(self, name: str, finished_at: datetime) -> None:
        self.failures.pop(name, None)
        self.retry_at.pop(name, None)
        _state_write(name, last_ok_at=finished_at, consecutive_failures=0, retry_at=None)


def periodic_tick(*, now: datetime | None = None) -> list[PeriodicRun]:
    """Claim and run every due job once (a fresh :class:`Scheduler`: no back-off remembered)."""
    return Scheduler().tick(now=now)


def schedule_forever(
    scheduler: Scheduler,
    *,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    rounds: int | None = None,
) -> None:
    """The worker's schedule loop: tick, tidy the connection, sleep; ``rounds`` ends it (tests).

    Whatever escapes a tick is logged and the loop waits longer (doubling up to
    :data:`BACKOFF_CAP`) before the next one; it never ends the loop.
    """
    failed_ticks = 0
    done = 0
    while rounds is None or done < rounds:
        done += 1
        try:
            scheduler.tick()
            failed_ticks = 0
        except Exception:  # the loop is the last line: log and go on
            failed_ticks += 1
            logger.exception("periodic schedule tick failed (%d in a row)", failed_ticks)
        try:
            close_old_connections()  # drops a connection the failure left unusable
        except Exception:  # a broken connection is dropped next time
            logger.exception("periodic schedule could not tidy its database connection")
        wait = interval * 2 ** min(failed_ticks, 20)
        sleep(min(wait, max(interval, BACKOFF_CAP.total_seconds())))


def _state_started(name: str, at: datetime) -> None:
    _state_write(name, last_started_at=at)


def _state_write(name: str, **fields: object) -> None:
    """Update the job's :class:`PeriodicJobState` row (made on first use); a database error is
    logged, not raised — the schedule's record must not be what stops the schedule."""
    try:
        PeriodicJobState.objects.get_or_create(job=name)
        PeriodicJobState.objects.filter(job=name).update(**fields)
    except Exception:  # the record must not stop the schedule
        logger.error("periodic job %s: state not recorded", name, exc_info=True)


@dataclass(frozen=True)
class PeriodicJobStatus:
    """A registered job and where it stands, for the schedule page."""

    name: str
    every: timedelta
    last_started_at: datetime | None
    last_ok_at: datetime | None
    last_failed_at: datetime | None
    last_error: str
    consecutive_failures: int
    retry_at: datetime | None

    @property
    def every_minutes(self) -> int:
        return int(self.every.total_seconds() // 60)


def periodic_job_status_list() -> list[PeriodicJobStatus]:
    """Every registered job with its recorded state (one query), by name. The schedule is the
    whole deployment's and holds no personal data, so the list is not scoped."""
    states = {state.job: state for state in PeriodicJobState.objects.all()}
    listed = []
    for name, job in sorted(periodic_jobs().items()):
        state = states.get(name)
        listed.append(
            PeriodicJobStatus(
                name=name,
                every=job.every,
                last_started_at=state.last_started_at if state else None,
                last_ok_at=state.last_ok_at if state else None,
                last_failed_at=state.last_failed_at if state else None,
                last_error=state.last_error if state else "",
                consecutive_failures=state.consecutive_failures if state else 0,
                retry_at=state.retry_at if state else None,
            )
        )
    return listed
