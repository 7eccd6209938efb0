"""Input checks of the case services: choices and times here; free text and reasons are the
one checker of ``core.text`` under the names the services use."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import field_error
from fangkong.core.text import Errors
from fangkong.core.text import errors_raise as raise_if
from fangkong.core.text import reason_required as reason
from fangkong.core.text import text_field as text

#: A device clock may be off; times this far in the future are still taken.
CLOCK_SKEW = timedelta(minutes=10)

__all__ = ["CLOCK_SKEW", "Errors", "choice", "moment", "past_day", "raise_if", "reason", "text"]


def choice(value: str, choices: type[TextChoices], *, field: str, errors: Errors) -> str:
    if value not in choices.values:
        errors.append(field_error(field, "invalid_choice", _("Not one of the allowed values.")))
    return value


def moment(value: datetime | None, *, field: str, errors: Errors) -> datetime | None:
    """A time something happened: with its offset, not in the future."""
    if value is None:
        return None
    if timezone.is_naive(value):
        errors.append(
            field_error(field, "datetime_naive", _("Send the time with its UTC offset (+08:00)."))
        )
        return value
    if value > timezone.now() + CLOCK_SKEW:
        errors.append(field_error(field, "in_the_future", _("This time is in the future.")))
    return value


def past_day(value: date | None, *, field: str, errors: Errors) -> date | None:
    if value is not None and value > timezone.localdate():
        errors.append(field_error(field, "in_the_future", _("This day is in the future.")))
    return value
