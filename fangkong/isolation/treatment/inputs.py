"""Input checks of the treatment services shared with the orders of home-isolated positives:
isolation day 0 of a positive and a Ct value. Pure checks: no write, no audit."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.models import Case
from fangkong.core.errors import field_error
from fangkong.isolation.checks import Errors, raise_if

#: How far back isolation day 0 may lie.
ISOLATED_SINCE_MAX_AGE = timedelta(days=30)
#: The widest Ct value a PCR run reports.
CT_MAX = 45.0


def isolated_since_checked(
    case: Case, isolated_since: date | None, *, refusal: str | None = None
) -> date:
    """Isolation day 0 of a positive (today when not given): not in the future, at most
    ``ISOLATED_SINCE_MAX_AGE`` ago, not before the case's first positive test (422 naming
    ``isolated_since``, with ``refusal`` as the message)."""
    today = timezone.localdate()
    day0 = isolated_since or today
    errors: Errors = []
    if day0 > today:
        errors.append(
            field_error("isolated_since", "in_the_future", _("This day is in the future."))
        )
    elif day0 < today - ISOLATED_SINCE_MAX_AGE:
        errors.append(
            field_error(
                "isolated_since",
                "too_old",
                _("At most %(days)d days ago.") % {"days": ISOLATED_SINCE_MAX_AGE.days},
            )
        )
    elif case.first_positive_on and day0 < case.first_positive_on:
        errors.append(
            field_error(
                "isolated_since",
                "before_first_positive",
                _("Isolation of a positive starts no earlier than its first positive test."),
            )
        )
    raise_if(errors, refusal or _("The patient was not admitted."))
    return day0


def ct_checked(value: float | None, field: str, required: bool, errors: Errors) -> None:
    """A Ct value: required for a positive result, within (0, ``CT_MAX``]."""
    if value is None:
        if required:
            errors.append(
                field_error(field, "required", _("A positive result carries both Ct values."))
            )
    elif not 0 < value <= CT_MAX:
        errors.append(
            field_error(field, "out_of_range", _("Between 0 and %(max)s.") % {"max": int(CT_MAX)})
        )
