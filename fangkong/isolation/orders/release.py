"""Test results of an order's plan and the release of an order (issue 20 §6, R25).

An order is released only when its release day has come and every test of its plan that is
not dropped is negative (the plan's double-sampled test among them); the refusal names each
test still pending or positive. The rule sets carry no further release condition yet
(environmental samples, the positives' Ct rule): when they do, they are checked here. Release
frees the room (to cleaning, once no one of a shared room is left), writes the history with
the rule set the order runs under and an audit row.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, FangkongError, ValidationFailed, field_error
from fangkong.isolation.checks import Errors, require_role
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.choices import (
    OrderEventKind,
    OrderStatus,
    OrderTestStatus,
    ResultSource,
    RoomStatus,
)
from fangkong.isolation.events import order_event_record
from fangkong.isolation.models import IsolationOrder, OrderTestTask, Room
from fangkong.isolation.orders.lab_tests import order_lab_tasks_close
from fangkong.isolation.orders.positives import is_home_isolated_positive, positive_release_blockers
from fangkong.isolation.orders.services import monitoring_order_issue
from fangkong.isolation.roles import RELEASE_ROLES
from fangkong.isolation.transfers.requesting import transfer_home_at_release
from fangkong.policy.selectors import rules_for

#: Results a test task may be given.
RESULTS = (OrderTestStatus.NEGATIVE, OrderTestStatus.POSITIVE)


def order_test_record(
    *, actor: AnyActor, order: IsolationOrder, phase: str, day: int, result: str
) -> OrderTestTask:
    """Record by hand the result of the scheduled test ``phase`` day ``day`` of an open
    order — a lab outside the platform (``result_source`` ``manual``; results of the
    platform's labs come back by themselves, ``orders.lab_tests``); its lab task is closed.

    Raises ``PermissionDenied`` outside ``RELEASE_ROLES``, ``ValidationFailed`` naming
    ``result`` (not negative or positive) or ``day`` (no such scheduled test), ``Conflict``
    when the test has a result already. One history-free audit row (the test's own row keeps
    the result)."""
    require_role(actor, RELEASE_ROLES)
    errors: Errors = []
    if result not in RESULTS:
        errors.append(field_error("result", "invalid_choice", _("Not one of the allowed values.")))
    task = (
        OrderTestTask.objects.filter(order=order, phase=phase, day=day)
        .exclude(status=OrderTestStatus.DROPPED)
        .first()
    )
    if task is None:
        errors.append(field_error("day", "test_not_found", _("No such test in the plan.")))
    if errors or task is None:
        raise ValidationFailed(
            _("The result was not recorded."), errors=errors, code=str(errors[0]["code"])
        )
    with transaction.atomic():
        now = timezone.now()
        changed = OrderTestTask.objects.filter(pk=task.pk, status=OrderTestStatus.SCHEDULED).update(
            status=result, resulted_at=now, result_source=ResultSource.MANUAL
        )
        if changed != 1:
            raise Conflict(_("This test has a result already."), code="test_has_result")
        # A result from a lab outside the platform: the lab task is no longer to be sampled.
        order_lab_tasks_close(actor=actor, tests=[task.pk], reason="result entered by hand")
        audit_record(
            actor=actor,
            action="order_test_record",
            object_type="isolation_order",
            object_id=order.code,
            fields=["tests.status"],
            rule_set=task.rule_set,
            extra={"phase": phase, "day": day, "source": ResultSource.MANUAL},
        )
    task.status = result
    task.resulted_at, task.result_source = now, ResultSource.MANUAL
    return task


def release_blockers(order: IsolationOrder, today: date) -> Errors:
    """Why ``order`` may not be released on ``today``: the release day not reached (field
    ``release_on``), each test pending (``test_pending``) or positive (``test_positive``)
    with its phase and day (field ``tests``, row = its place in the plan). A home-isolated
    positive is judged by the rule set's ``positives`` instead
    (:func:`~fangkong.isolation.orders.positives.positive_release_blockers`)."""
    if is_home_isolated_positive(order):
        return positive_release_blockers(order, today)
    errors: Errors = []
    if today < order.release_on:
        errors.append(
            field_error(
                "release_on",
                "release_day_not_reached",
                _("The plan releases on %(day)s.") % {"day": order.release_on.isoformat()},
            )
        )
    tasks = OrderTestTask.objects.filter(order=order).exclude(status=OrderTestStatus.DROPPED)
    for row, task in enumerate(tasks.order_by("on", "id"), start=1):
        if task.status == OrderTestStatus.SCHEDULED:
            errors.append(
                field_error(
                    "tests",
                    "test_pending",
                    _("The test of %(phase)s day %(day)d has no result.")
                    % {"phase": task.phase, "day": task.day},
                    row=row,
                )
            )
        elif task.status == OrderTestStatus.POSITIVE:
            errors.append(
                field_error(
                    "tests",
                    "test_positive",
                    _("The test of %(phase)s day %(day)d is positive.")
                    % {"phase": task.phase, "day": task.day},
                    row=row,
                )
            )
    return errors


def _room_free(order: IsolationOrder) -> bool:
    """The order's room to cleaning once no other open order holds it (whether it went)."""
    if order.room_id is None:
        return False
    if IsolationOrder.objects.filter(room_id=order.room_id, status=OrderStatus.OPEN).exists():
        return False
    return (
        Room.objects.filter(pk=order.room_id, status=RoomStatus.OCCUPIED).update(
            status=RoomStatus.CLEANING
        )
        == 1
    )


def _ended(order: IsolationOrder, to: str, now: datetime) -> None:
    """Close an open order (conditional on its version: ``order_changed``, 409)."""
    changed = IsolationOrder.objects.filter(
        pk=order.pk, status=OrderStatus.OPEN, version=order.version
    ).update(status=to, released_at=now, version=F("version") + 1)
    if changed != 1:
        raise Conflict(
            _("The order changed meanwhile; reload and try again."), code="order_changed"
        )


def order_release(*, actor: AnyActor, order: IsolationOrder, reason: str | None) -> IsolationOrder:
    """Release an open order.

    1. The role must be in ``RELEASE_ROLES`` (403) and the reason given (422 naming
       ``reason``); the order must be open (``order_not_open``, 409).
    2. Refused (``release_conditions_unmet``, 422) with every blocker of
       :func:`release_blockers` named.
    3. The order becomes released (conditional on its version: a concurrent change loses
       with ``Conflict``); its room goes to cleaning once no other open order holds it.
    4. A ``released`` history row with the order's rule set and an audit row.
    """
    require_role(actor, RELEASE_ROLES)
    why = reason_checked(reason)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    blockers = release_blockers(order, timezone.localdate())
    if blockers:
        raise FangkongError(
            _("The order cannot be released yet."),
            code="release_conditions_unmet",
            status=422,
            detail={"errors": blockers},
        )
    now = timezone.now()
    with transaction.atomic():
        _ended(order, OrderStatus.RELEASED, now)
        room_freed = _room_free(order)
        # Whatever lab task of the order is still unsampled is closed (none when all resulted).
        lab_closed = order_lab_tasks_close(
            actor=actor,
            tests=list(OrderTestTask.objects.filter(order=order).values_list("id", flat=True)),
            reason=why,
        )
        order_event_record(
            order=order,
            kind=OrderEventKind.RELEASED,
            actor=actor,
            reason=why,
            rule_set=order.rule_set,
            from_value=OrderStatus.OPEN,
            to_value=OrderStatus.RELEASED,
            detail={"room_freed": room_freed, "lab_tasks_closed": lab_closed},
        )
        audit_record(
            actor=actor,
            action="order_release",
            object_type="isolation_order",
            object_id=order.code,
            fields=["status", "released_at"],
            reason=why,
            rule_set=order.rule_set,
        )
        transfer_home_at_release(order=order, actor=actor)  # the closed loop home (issue 20 §4)
        if is_home_isolated_positive(order):
            _positive_to_monitoring(actor, order, why)
    order.refresh_from_db()
    return order


def _positive_to_monitoring(actor: AnyActor, order: IsolationOrder, why: str) -> None:
    """Hand a released home-isolated positive to home health monitoring where the rules in
    force give ``positives.home_monitoring_days`` (as a Fangcang discharge does)."""
    rules = rules_for(order.region, timezone.localdate())
    positives = rules.parameters.positives
    if positives is not None and positives.home_monitoring_days:
        monitoring_order_issue(
            actor=actor,
            person=order.person,
            days=positives.home_monitoring_days,
            rule_set=rules.label,
            reason=why,
        )


def order_lift(
    *, actor: AnyActor, order: IsolationOrder, reason: str, appeal: str
) -> IsolationOrder:
    """End an open order because an appeal against it was granted (``care``): no plan
    condition applies — the decision is the appeal's.

    Called by ``care.services.care_request_decide`` inside its transaction, after it checked
    the deciding role and that the decider is not the order's issuer. The order becomes
    ``lifted`` (conditional on its version: ``order_changed``, 409; ``order_not_open`` when it
    ended already), its room goes to cleaning once empty and, when the person was in a site,
    the closed-loop transfer home is requested; a ``lifted`` history row with the rules in
    force at the order's node and the appeal's code, and an audit row.
    """
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    rules = rules_for(order.region, timezone.localdate())
    with transaction.atomic():
        _ended(order, OrderStatus.LIFTED, timezone.now())
        room_freed = _room_free(order)
        lab_closed = order_lab_tasks_close(
            actor=actor,
            tests=list(OrderTestTask.objects.filter(order=order).values_list("id", flat=True)),
            reason=reason,
        )
        order_event_record(
            order=order,
            kind=OrderEventKind.LIFTED,
            actor=actor,
            reason=reason,
            rule_set=rules.label,
            from_value=OrderStatus.OPEN,
            to_value=OrderStatus.LIFTED,
            detail={"room_freed": room_freed, "lab_tasks_closed": lab_closed, "appeal": appeal},
        )
        audit_record(
            actor=actor,
            action="order_lift",
            object_type="isolation_order",
            object_id=order.code,
            fields=["status", "released_at"],
            reason=reason,
            rule_set=rules.label,
            extra={"appeal": appeal},
        )
        transfer_home_at_release(order=order, actor=actor)
    order.refresh_from_db()
    return order
