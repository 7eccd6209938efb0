"""Release of a positive isolated at home (issue 20 §6, R25): its release tests and what
blocks the release — the rule set's ``positives`` day count and consecutive tests with Ct ≥
the thresholds, far enough apart, judged by the very rule of a Fangcang discharge
(``treatment.discharge.discharge_blockers``), not a copy of it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.isolation.checks import Errors, raise_if, require_role
from fangkong.isolation.choices import OrderKind, OrderStatus, TreatmentTestStatus
from fangkong.isolation.models import HomeIsolationTest, IsolationOrder
from fangkong.isolation.roles import HOME_ISOLATION_ROLES
from fangkong.isolation.treatment.discharge import discharge_blockers
from fangkong.isolation.treatment.inputs import ct_checked
from fangkong.policy.selectors import rules_for

#: The group of a positive's home-isolation order (not a quarantine group: its days and
#: release tests come from the rule set's ``positives``).
HOME_ISOLATED_GROUP = "home_isolated_positive"


def is_home_isolated_positive(order: IsolationOrder) -> bool:
    return order.kind == OrderKind.HOME_ISOLATION and order.group == HOME_ISOLATED_GROUP


def positive_release_blockers(order: IsolationOrder, today: date) -> Errors:
    """Why a home-isolated positive may not be released on ``today``: the blockers of
    ``discharge_blockers`` under the ``positives`` of the rules in force today at the order's
    node, counted from the order's day 0, over its release tests (one query)."""
    positives = rules_for(order.region, today).parameters.positives
    tests = list(HomeIsolationTest.objects.filter(order=order))
    return discharge_blockers(
        positives=positives, isolated_since=order.day0, tests=tests, today=today
    )


@transaction.atomic
def positive_test_record(
    *,
    actor: AnyActor,
    order: IsolationOrder,
    sampled_at: datetime,
    result: str,
    ct_n: float | None = None,
    ct_orf1ab: float | None = None,
) -> HomeIsolationTest:
    """Record a release test of a home-isolated positive: negative, or positive with the Ct
    values of both genes.

    1. The role must be in ``HOME_ISOLATION_ROLES`` (403); the order must be an open
       home-isolation order of a positive (``order_not_open``, ``not_home_isolated``, 409).
    2. ``result``, ``ct_n``, ``ct_orf1ab`` and ``sampled_at`` (not in the future, not before
       day 0) are checked (422 naming each field).
    3. The test and an audit row with the order's rule set.
    """
    require_role(actor, HOME_ISOLATION_ROLES)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    if not is_home_isolated_positive(order):
        raise Conflict(
            _("Only a positive isolated at home has release tests."), code="not_home_isolated"
        )
    errors: Errors = []
    if result not in (TreatmentTestStatus.NEGATIVE, TreatmentTestStatus.POSITIVE):
        errors.append(field_error("result", "invalid_choice", _("Not one of the allowed values.")))
    positive = result == TreatmentTestStatus.POSITIVE
    ct_checked(ct_n, "ct_n", positive, errors)
    ct_checked(ct_orf1ab, "ct_orf1ab", positive, errors)
    if not positive and (ct_n is not None or ct_orf1ab is not None):
        errors.append(
            field_error("result", "ct_without_positive", _("Only a positive carries Ct values."))
        )
    now = timezone.now()
    if sampled_at > now + timedelta(minutes=5):
        errors.append(field_error("sampled_at", "in_the_future", _("This time is in the future.")))
    elif timezone.localdate(sampled_at) < order.day0:
        errors.append(
            field_error("sampled_at", "before_day0", _("Sampled before the isolation began."))
        )
    raise_if(errors, _("The result was not recorded."))
    test = HomeIsolationTest.objects.create(
        order=order,
        sampled_at=sampled_at,
        status=result,
        ct_n=ct_n,
        ct_orf1ab=ct_orf1ab,
        recorded_by=actor.username,
        result_at=now,
    )
    audit_record(
        actor=actor,
        action="positive_test_record",
        object_type="isolation_order",
        object_id=order.code,
        fields=["positive_tests"],
        rule_set=order.rule_set,
        extra={"test": str(test.code), "result": result},
    )
    return test
