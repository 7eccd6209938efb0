"""When a positive may leave treatment or home isolation (domain reference §3.4, R25): the
rule set's ``positives`` day count and its consecutive release tests with Ct ≥ the thresholds
of both genes, far enough apart. Pure: it takes the tests already loaded, so the clinician
page judges a whole page of patients without a query per patient. The same rule judges the
release of a positive isolated at home (``orders.positives``): a test is anything with the
fields of ``ReleaseTest``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from django.utils.translation import gettext as _

from fangkong.core.errors import field_error
from fangkong.isolation.checks import Errors
from fangkong.isolation.choices import TreatmentTestStatus
from fangkong.policy.schema import Positives


class ReleaseTest(Protocol):
    """What the rule reads of a test (``TreatmentTest``, ``HomeIsolationTest``)."""

    @property
    def pk(self) -> int | None: ...
    @property
    def sampled_at(self) -> datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def ct_n(self) -> float | None: ...
    @property
    def ct_orf1ab(self) -> float | None: ...


def release_test_passes(test: ReleaseTest, positives: Positives) -> bool:
    """A resulted test counts towards release when negative, or positive with the Ct of both
    the N and the ORF1ab gene at or above the rule set's thresholds (no live virus)."""
    if test.status == TreatmentTestStatus.NEGATIVE:
        return True
    if test.status != TreatmentTestStatus.POSITIVE or test.ct_n is None or test.ct_orf1ab is None:
        return False
    return (
        test.ct_n >= positives.release_ct_min_n
        and test.ct_orf1ab >= positives.release_ct_min_orf1ab
    )


def discharge_day(isolated_since: date, positives: Positives) -> date:
    """The first day discharge may happen: isolation day 0 + ``release_after_days``."""
    return isolated_since + timedelta(days=positives.release_after_days)


def discharge_blockers(
    *,
    positives: Positives | None,
    isolated_since: date,
    tests: Sequence[ReleaseTest],
    today: date,
) -> Errors:
    """Why a positive may not be discharged on ``today`` (empty: it may).

    1. No ``positives`` rule (the 10th edition isolates no one): nothing blocks; the
       clinician's judgement and reason decide.
    2. Before isolation day 0 + ``release_after_days``: ``release_day_not_reached``.
    3. Any test without a result: ``test_pending`` (field ``tests``, row = its place).
    4. The latest ``release_tests`` resulted tests (by sampling time) must each pass
       (:func:`release_test_passes`, else ``ct_below_threshold`` naming the row) and be
       sampled at least ``release_tests_min_hours_apart`` after the one before
       (``tests_too_close``); fewer of them is ``tests_missing``.
    """
    if positives is None:
        return []
    errors: Errors = []
    first_day = discharge_day(isolated_since, positives)
    if today < first_day:
        errors.append(
            field_error(
                "isolated_since",
                "release_day_not_reached",
                _("Discharge is possible from %(day)s.") % {"day": first_day.isoformat()},
            )
        )
    ordered = sorted(tests, key=lambda test: (test.sampled_at, test.pk or 0))
    for row, test in enumerate(ordered, start=1):
        if test.status == TreatmentTestStatus.PENDING:
            errors.append(
                field_error("tests", "test_pending", _("This test has no result yet."), row=row)
            )
    resulted = [
        (row, test)
        for row, test in enumerate(ordered, start=1)
        if test.status != TreatmentTestStatus.PENDING
    ]
    latest = resulted[-positives.release_tests :]
    if len(latest) < positives.release_tests:
        errors.append(
            field_error(
                "tests",
                "tests_missing",
                _("%(count)d consecutive tests are needed.") % {"count": positives.release_tests},
            )
        )
    gap = timedelta(hours=positives.release_tests_min_hours_apart)
    for place, (row, test) in enumerate(latest):
        if not release_test_passes(test, positives):
            errors.append(
                field_error(
                    "tests",
                    "ct_below_threshold",
                    _("Positive with a Ct below %(n)s (N) or %(orf)s (ORF1ab).")
                    % {
                        "n": positives.release_ct_min_n,
                        "orf": positives.release_ct_min_orf1ab,
                    },
                    row=row,
                )
            )
        if place and test.sampled_at - latest[place - 1][1].sampled_at < gap:
            errors.append(
                field_error(
                    "tests",
                    "tests_too_close",
                    _("Sampled less than %(hours)d hours after the test before.")
                    % {"hours": positives.release_tests_min_hours_apart},
                    row=row,
                )
            )
    return errors
