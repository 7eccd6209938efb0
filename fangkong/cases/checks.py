"""Input checks shared by the case services: reasons, free text, choices, times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.text import text_problem

#: A device clock may be off; times this far in the future are still taken.
CLOCK_SKEW = timedelta(minutes=10)

Errors = list[dict[str, Any]]


def text(value: str | None, *, field: str, max_length: int, errors: Errors, required: bool) -> str:
    """Free text, trimmed, kept to the text policy (``core.text``) and ``max_length``."""
    cleaned = (value or "").strip()
    problem = text_problem(cleaned)
    if problem is not None:
        errors.append(field_error(field, *problem))
    elif len(cleaned) > max_length:
        errors.append(
            field_error(
                field, "text_too_long", _("At most %(count)d characters.") % {"count": max_length}
            )
        )
    elif required and not cleaned:
        errors.append(field_error(field, "required", _("This field is required.")))
    return cleaned


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


def raise_if(errors: Errors, message: str) -> None:
    if errors:
        raise ValidationFailed(message, errors=errors, code=str(errors[0]["code"]))


def reason(value: str | None) -> str:
    """The reason a governed change requires: ``ValidationFailed`` naming ``reason``."""
    errors: Errors = []
    cleaned = text(value, field="reason", max_length=255, errors=errors, required=True)
    raise_if(errors, _("Say why."))
    return cleaned
