"""The bounds every time that comes in from outside must keep, for the API, pages and files.

Two kinds of time arrive from outside:

* an **observation** (a tube sampled, a test done, a person arrived): it happened, so it lies
  between :data:`EARLIEST_OBSERVATION` (1 December 2019, before which no record of this
  disease exists) and now plus :data:`CLOCK_LEEWAY` (one day: a device clock that is wrong by
  up to a day is a data-entry problem for the domain check, not a parse failure);
* a **plan** (a round's start or deadline, an exemption's expiry): it may lie ahead, up to
  :data:`PLANNING_HORIZON` (366 days, one screening year) from now, and no earlier than
  :data:`EARLIEST_OBSERVATION`.

Both must carry their UTC offset (``+08:00``, ``Z``): a time without one is ambiguous (a
sampler's phone, a lab in another zone) and is refused, never guessed.

Outside these bounds Python's own arithmetic fails (year 1 minus an hour, year 9999 plus a
turnaround), which is what the bounds are also for: every later step may add or subtract
days without overflow. :func:`observed_at_check` and :func:`planned_at_check` raise
``ValidationFailed`` naming the field (and row); ``fangkong.core.schemas`` wraps them as the
API's ``ObservedAt`` and ``PlannedAt`` field types, and file imports call them per cell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error

#: No observation of this disease predates it (uploads refused older test times already).
EARLIEST_OBSERVATION = date(2019, 12, 1)
#: A device clock may be wrong by up to a day; later observations are refused.
CLOCK_LEEWAY = timedelta(days=1)
#: How far ahead a plan (deadline, start, expiry) may lie: one screening year.
PLANNING_HORIZON = timedelta(days=366)

#: Error codes (stable, part of the API).
DATETIME_NAIVE = "datetime_naive"
DATETIME_TOO_EARLY = "datetime_too_early"
DATETIME_TOO_LATE = "datetime_too_late"


class TimeOutOfBounds(ValueError):
    """A time outside its bounds; ``code`` is one of the ``DATETIME_*`` codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _naive(value: datetime) -> bool:
    return value.tzinfo is None or value.utcoffset() is None


def _aware_and_not_before_the_outbreak(value: datetime) -> None:
    """The lower bounds every time shares: an offset, and not before 2019-12-01 (the date
    where it was written, as uploads read it)."""
    if _naive(value):
        raise TimeOutOfBounds(DATETIME_NAIVE, _("Send the time with its UTC offset (e.g. +08:00)."))
    if value.date() < EARLIEST_OBSERVATION:  # the date where it was written, as uploads do
        raise TimeOutOfBounds(
            DATETIME_TOO_EARLY,
            _("The time is before %(date)s; check the year.") % {"date": EARLIEST_OBSERVATION},
        )


def observed_at_bounds(value: datetime, *, now: datetime | None = None) -> datetime:
    """``value`` if it is an aware time between 2019-12-01 and now + one day; raises
    :class:`TimeOutOfBounds` otherwise."""
    _aware_and_not_before_the_outbreak(value)
    if value > (now or timezone.now()) + CLOCK_LEEWAY:
        raise TimeOutOfBounds(
            DATETIME_TOO_LATE, _("The time is in the future; check the device clock.")
        )
    return value


def planned_at_bounds(value: datetime, *, now: datetime | None = None) -> datetime:
    """``value`` if it is an aware time between 2019-12-01 and now + 366 days; raises
    :class:`TimeOutOfBounds` otherwise."""
    _aware_and_not_before_the_outbreak(value)
    if value > (now or timezone.now()) + PLANNING_HORIZON:
        raise TimeOutOfBounds(
            DATETIME_TOO_LATE,
            _("The time is more than %(days)s days ahead.") % {"days": PLANNING_HORIZON.days},
        )
    return value


def _checked(
    bounds: Callable[..., datetime],
    value: datetime,
    *,
    field: str,
    row: int | None,
    now: datetime | None,
) -> datetime:
    try:
        return bounds(value, now=now)
    except TimeOutOfBounds as exc:
        raise ValidationFailed(
            exc.message, errors=[field_error(field, exc.code, exc.message, row=row)], code=exc.code
        ) from None


def observed_at_check(
    value: datetime, *, field: str, row: int | None = None, now: datetime | None = None
) -> datetime:
    """:func:`observed_at_bounds` for services and imports: ``ValidationFailed`` naming
    ``field`` (and ``row``)."""
    return _checked(observed_at_bounds, value, field=field, row=row, now=now)


def planned_at_check(
    value: datetime, *, field: str, row: int | None = None, now: datetime | None = None
) -> datetime:
    """:func:`planned_at_bounds` for services and imports: ``ValidationFailed`` naming
    ``field`` (and ``row``)."""
    return _checked(planned_at_bounds, value, field=field, row=row, now=now)


def date_bounds(value: date, *, ahead: timedelta, today: date | None = None) -> date:
    """``value`` if between 2019-12-01 and today + ``ahead``; raises :class:`TimeOutOfBounds`."""
    if value < EARLIEST_OBSERVATION:
        raise TimeOutOfBounds(
            DATETIME_TOO_EARLY,
            _("The date is before %(date)s; check the year.") % {"date": EARLIEST_OBSERVATION},
        )
    if value > (today or timezone.localdate()) + ahead:
        raise TimeOutOfBounds(DATETIME_TOO_LATE, _("The date is too far ahead."))
    return value


def epidemic_date_validator(value: date) -> None:
    """:func:`date_bounds` (up to a year ahead) as a Django form validator, for the date
    fields of pages (a year-1 date made the audit filter overflow)."""
    from django.core.exceptions import ValidationError

    try:
        date_bounds(value, ahead=PLANNING_HORIZON)
    except TimeOutOfBounds as exc:
        raise ValidationError(exc.message, code=exc.code) from None
