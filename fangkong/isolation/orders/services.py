"""Issuing quarantine and health-monitoring orders (one or hundreds at once) with the plan of
the rule set in force, and re-planning an order under new rules (issue 20 §2, R4).

An order keeps the rule set it was issued under (``rule_set``, ``nhc-9@r1``) and its plan as
issued: when the rules change, nothing is recalculated silently. :func:`order_replan`, called
explicitly with a reason, applies the rules in force today: tests with a result stay, tests
still scheduled are dropped, the new plan's tests from today on are scheduled, the release day
moves, and the history records both rule sets (docs/isolation.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

import fangkong.core.lookups  # noqa: F401 - registers ``__ids_in`` (one array parameter)
from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record, audit_record_many
from fangkong.core.bulk import objects_insert, rows_insert, values_insert
from fangkong.core.errors import Conflict, field_error, field_refusal
from fangkong.isolation.checks import Errors, raise_if, require_role
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.choices import OrderEventKind, OrderKind, OrderStatus, OrderTestStatus
from fangkong.isolation.events import order_event_record, order_event_row
from fangkong.isolation.models import IsolationOrder, OrderEvent, OrderTestTask
from fangkong.isolation.orders.lab_tests import order_lab_tasks_close, order_tests_to_lab
from fangkong.isolation.orders.plans import PlannedOrder, order_plan
from fangkong.isolation.roles import INTAKE_ROLES, ORDER_ISSUE_ROLES
from fangkong.people.models import Person
from fangkong.people.validation import require_in_scope
from fangkong.policy.choices import QuarantineGroup
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for

#: At most this many persons per bulk issue (a day's new contacts of a large cluster).
BULK_MAX = 10_000
#: The columns of a test task as written in bulk (six to a plan, tens of thousands a batch).
TEST_COLUMNS = (
    "order_id",
    "phase",
    "day",
    "on",
    "double_sampling",
    "swab_site",
    "status",
    "rule_set",
)
#: How far back day 0 (the last exposure, the arrival) may lie.
DAY0_MAX_AGE = timedelta(days=30)


def _checked(group: str, day0: date, reason: str | None) -> str:
    errors: Errors = []
    if group not in QuarantineGroup.values:
        errors.append(field_error("group", "invalid_choice", _("Not one of the allowed values.")))
    today = timezone.localdate()
    if day0 > today:
        errors.append(field_error("day0", "in_the_future", _("This day is in the future.")))
    elif day0 < today - DAY0_MAX_AGE:
        errors.append(
            field_error(
                "day0",
                "too_old",
                _("Day 0 is at most %(days)d days ago.") % {"days": DAY0_MAX_AGE.days},
            )
        )
    why = (reason or "").strip()
    if not why:
        errors.append(field_error("reason", "required", _("This field is required.")))
    raise_if(errors, _("No order was issued."))
    return reason_checked(why)


def _no_plan(group: str, rules: EffectiveRules) -> Exception:
    return field_refusal(
        "no_plan_for_group",
        _("The rules in force (%(rules)s) have no quarantine for this group.")
        % {"rules": rules.label},
        field="group",
    )


def _refuse_too_many(count: int) -> None:
    if count > BULK_MAX:
        raise_if(
            [
                field_error(
                    "persons",
                    "too_many",
                    _("At most %(count)d persons at once.") % {"count": BULK_MAX},
                )
            ],
            _("No order was issued."),
        )


@dataclass
class IssueReport:
    """What a (bulk) issue did: the orders created now and the open orders found already
    (a retried request creates nothing new), both in the order the persons were given."""

    created: list[IsolationOrder] = field(default_factory=list)
    existing: list[IsolationOrder] = field(default_factory=list)

    @property
    def orders(self) -> list[IsolationOrder]:
        return self.created + self.existing


def orders_issue(
    *,
    actor: AnyActor,
    persons: Sequence[Person],
    group: str,
    day0: date,
    reason: str | None,
) -> IssueReport:
    """Issue an order in ``group`` from ``day0`` to each of ``persons``, idempotently.

    1. The role must be in ``ORDER_ISSUE_ROLES`` (403); ``group``, ``day0`` and the reason are
       checked (422 naming each field); every person must be in the actor's subtree (404).
    2. Each person's plan comes from the rules in force today at their node; rules without a
       plan for the group refuse the whole call (422 naming ``group``).
    3. A person who has an open order of that kind already keeps it (``existing``): one open
       order per person and kind, so a retried request duplicates nothing.
    4. The new orders, their test tasks, an ``issued`` history row each (with the rule set)
       and their audit rows are written together, a constant number of statements. When a
       concurrent issue created one of them first, the unique constraint fails, the batch
       is rolled back and the call starts again from step 3 (once).
    """
    require_role(actor, ORDER_ISSUE_ROLES)
    why = _checked(group, day0, reason)
    unique = list({person.pk: person for person in persons}.values())
    if not unique:
        raise_if(
            [field_error("persons", "required", _("Name at least one person."))],
            _("No order was issued."),
        )
    _refuse_too_many(len(unique))
    for person in unique:
        require_in_scope(actor, person.region)
    planned = _planned([OrderWanted(person=p, group=group, day0=day0) for p in unique])
    try:
        return _issue(actor, planned, why=why)
    except IntegrityError:
        return _issue(actor, planned, why=why)


@dataclass(frozen=True)
class OrderWanted:
    """One order to issue: the person, the quarantine group and day 0 (the last exposure, the
    arrival) that a decision already fixed (a confirmed contact, an arrival)."""

    person: Person
    group: str
    day0: date


@dataclass(frozen=True)
class _Planned:
    wanted: OrderWanted
    rules: EffectiveRules
    plan: PlannedOrder


def _planned(wanted: Sequence[OrderWanted]) -> list[_Planned]:
    """Each wanted order's plan from the rules in force today at the person's node (looked up
    once per node); rules without a plan for a group refuse the whole call."""
    today = timezone.localdate()
    rules_by_region: dict[int, EffectiveRules] = {}
    plans: dict[tuple[str, str, date], PlannedOrder] = {}  # persons mostly share their plan
    planned: list[_Planned] = []
    for entry in wanted:
        region_id = entry.person.region_id
        rules = rules_by_region.get(region_id)
        if rules is None:
            rules = rules_by_region[region_id] = rules_for(entry.person.region, today)
        key = (rules.label, entry.group, entry.day0)
        dated = plans.get(key)
        if dated is None:
            plan = rules.parameters.plan(entry.group)
            if plan is None:
                raise _no_plan(entry.group, rules)
            dated = plans[key] = order_plan(plan, entry.day0, rules)
        planned.append(_Planned(entry, rules, dated))
    return planned


def orders_issue_each(
    *, actor: AnyActor, wanted: Sequence[OrderWanted], reason: str | None
) -> IssueReport:
    """Issue the orders ``wanted``, each with its own group and day 0, idempotently — the
    intake of persons whose quarantine a decision already fixed (``intake``: confirmed
    contacts, arrivals the rules quarantine).

    1. The role must be in ``INTAKE_ROLES`` (403); each group, day 0 and the reason are checked
       (422 naming the field and the row); every person must be in the actor's subtree (404).
    2. Steps 2–4 of :func:`orders_issue`: plans from the rules in force at each person's node,
       an open order of the plan's kind kept (``existing``), the new ones written together.
    """
    require_role(actor, INTAKE_ROLES)
    if not wanted:
        return IssueReport()
    _refuse_too_many(len(wanted))
    why = ""
    for entry in wanted:
        why = _checked(entry.group, entry.day0, reason)
        require_in_scope(actor, entry.person.region)
    unique = list({entry.person.pk: entry for entry in wanted}.values())
    planned = _planned(unique)
    try:
        return _issue(actor, planned, why=why)
    except IntegrityError:
        return _issue(actor, planned, why=why)


def _issue(actor: AnyActor, planned: list[_Planned], *, why: str) -> IssueReport:
    report = IssueReport()
    with transaction.atomic():
        open_orders = {
            (order.person_id, order.kind): order
            for order in IsolationOrder.objects.filter(
                person__id__ids_in=[entry.wanted.person.pk for entry in planned],
                status=OrderStatus.OPEN,
            )
        }
        now = timezone.now()
        fresh: list[tuple[IsolationOrder, EffectiveRules, PlannedOrder]] = []
        dumped: dict[int, dict[str, object]] = {}
        for entry in planned:
            person, rules, plan = entry.wanted.person, entry.rules, entry.plan
            group, day0 = entry.wanted.group, entry.wanted.day0
            found = open_orders.get((person.pk, plan.kind))
            if found is not None:
                report.existing.append(found)
                continue
            plan_json = dumped.get(id(plan))
            if plan_json is None:
                plan_json = dumped[id(plan)] = plan.plan.model_dump(mode="json")
            order = IsolationOrder(
                person=person,
                region_id=person.region_id,
                kind=plan.kind,
                group=group,
                day0=day0,
                central_until=plan.central_until,
                release_on=plan.release_on,
                plan=plan_json,
                rule_set=rules.label,
                issued_by=actor.username,
                issued_at=now,
                reason=why,
                created_at=now,
                updated_at=now,
            )
            fresh.append((order, rules, plan))
        if not fresh:
            return report
        # COPY on PostgreSQL with ids drawn from the sequence (bulk_create elsewhere): the
        # rows of thousands of orders, tests and history go in without compiling an INSERT
        objects_insert([entry[0] for entry in fresh])
        values_insert(
            OrderTestTask._meta.db_table,
            TEST_COLUMNS,
            [
                (
                    order.pk,
                    task.phase,
                    task.day,
                    task.on,
                    task.double_sampling,
                    task.swab_site,
                    OrderTestStatus.SCHEDULED.value,
                    task.rule_set,
                )
                for order, _rules, plan in fresh
                for task in plan.tests
            ],
        )
        # Each test a task of the person in ``lab`` (set-based: one insert for the batch).
        order_tests_to_lab(actor=actor, order_ids=[entry[0].pk for entry in fresh], reason=why)
        rows_insert(
            OrderEvent,
            [
                order_event_row(
                    order=order,
                    kind=OrderEventKind.ISSUED,
                    actor=actor,
                    at=now,
                    reason=why,
                    rule_set=rules.label,
                    to_value=OrderStatus.OPEN,
                    detail={
                        "group": order.group,
                        "kind": order.kind,
                        "day0": order.day0.isoformat(),
                    },
                )
                for order, rules, _plan in fresh
            ],
        )
        audit_record_many(
            [
                AuditSpec(
                    actor=actor,
                    action="order_issue",
                    object_type="isolation_order",
                    object_id=order.code,
                    fields=["person", "kind", "group", "day0", "release_on", "plan"],
                    reason=why,
                    rule_set=rules.label,
                )
                for order, rules, _plan in fresh
            ]
        )
        report.created = [entry[0] for entry in fresh]
    return report


def order_issue(
    *, actor: AnyActor, person: Person, group: str, day0: date, reason: str | None
) -> IsolationOrder:
    """Issue one order (see :func:`orders_issue`); the open order of that kind when the
    person has one already."""
    report = orders_issue(actor=actor, persons=[person], group=group, day0=day0, reason=reason)
    return report.orders[0]


def order_replan(*, actor: AnyActor, order: IsolationOrder, reason: str | None) -> IsolationOrder:
    """Apply the rules in force today at the order's node to an open order (a rule-set
    change mid-way), explicitly and with a reason.

    1. The role must be in ``ORDER_ISSUE_ROLES`` (403) and the reason given (422 naming
       ``reason``); the order must be open and the rules in force must differ from the
       order's (``rules_unchanged``) and still have a plan for its group (``no_plan_for_group``:
       release the order instead).
    2. The new plan is counted from the same day 0: tests with a result stay; tests still
       scheduled are dropped (``dropped``); the new plan's tests dated today or later are
       scheduled; the kind, central end and release day follow the new plan.
    3. The order records the new rule set; a ``replanned`` history row carries both rule sets
       and both release days, and an audit row the reason. A concurrent change loses with
       ``Conflict``.
    """
    require_role(actor, ORDER_ISSUE_ROLES)
    why = reason_checked(reason)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    today = timezone.localdate()
    rules = rules_for(order.region, today)
    if rules.label == order.rule_set:
        raise field_refusal(
            "rules_unchanged",
            _("The order already follows the rules in force (%(rules)s).") % {"rules": rules.label},
            field="rule_set",
        )
    plan = rules.parameters.plan(order.group)
    if plan is None:
        raise _no_plan(order.group, rules)
    planned = order_plan(plan, order.day0, rules)
    old_rules, old_release = order.rule_set, order.release_on
    with transaction.atomic():
        try:
            with transaction.atomic():
                changed = IsolationOrder.objects.filter(
                    pk=order.pk, status=OrderStatus.OPEN, version=order.version
                ).update(
                    kind=planned.kind,
                    central_until=planned.central_until,
                    release_on=planned.release_on,
                    plan=plan.model_dump(mode="json"),
                    rule_set=rules.label,
                    version=F("version") + 1,
                )
        except IntegrityError as clash:
            raise Conflict(
                _("The person already has an open order of the new plan's kind."),
                code="order_kind_taken",
            ) from clash
        if changed != 1:
            raise Conflict(
                _("The order changed meanwhile; reload and try again."), code="order_changed"
            )
        scheduled = list(
            OrderTestTask.objects.filter(order=order, status=OrderTestStatus.SCHEDULED).values_list(
                "id", flat=True
            )
        )
        dropped = OrderTestTask.objects.filter(
            pk__in=scheduled, status=OrderTestStatus.SCHEDULED
        ).update(status=OrderTestStatus.DROPPED)
        # The dropped tests' lab tasks are closed, the new plan's opened (documented transition).
        lab_closed = order_lab_tasks_close(actor=actor, tests=scheduled, reason=why)
        new_tests = [
            OrderTestTask(
                order=order,
                phase=task.phase,
                day=task.day,
                on=task.on,
                double_sampling=task.double_sampling,
                swab_site=task.swab_site,
                rule_set=rules.label,
            )
            for task in planned.tests
            if task.on >= today
        ]
        OrderTestTask.objects.bulk_create(new_tests)
        lab_opened = order_tests_to_lab(actor=actor, order_ids=[order.pk], reason=why)
        order_event_record(
            order=order,
            kind=OrderEventKind.REPLANNED,
            actor=actor,
            reason=why,
            rule_set=rules.label,
            from_value=old_rules[:40],
            to_value=rules.label[:40],
            detail={
                "release_from": old_release.isoformat(),
                "release_to": planned.release_on.isoformat(),
                "dropped": dropped,
                "scheduled": len(new_tests),
                "lab_tasks_closed": lab_closed,
                "lab_tasks_opened": lab_opened,
            },
        )
        audit_record(
            actor=actor,
            action="order_replan",
            object_type="isolation_order",
            object_id=order.code,
            fields=["kind", "central_until", "release_on", "plan", "rule_set"],
            reason=why,
            rule_set=rules.label,
            extra={"from_rule_set": old_rules},
        )
    order.refresh_from_db()
    return order


#: The group of a health-monitoring order after discharge from treatment (not a quarantine
#: group: its days come from the rule set's ``positives``, not from a quarantine plan).
DISCHARGED_GROUP = "discharged_positive"


def monitoring_order_issue(
    *, actor: AnyActor, person: Person, days: int, rule_set: str, reason: str
) -> IsolationOrder:
    """Hand a person discharged from treatment to home health monitoring for ``days`` days
    from today: an open ``health_monitoring`` order in ``DISCHARGED_GROUP`` at the person's
    node, under ``rule_set`` (the rules that asked for it), with no test tasks; released on
    day 0 + ``days`` like any order. A person with an open health-monitoring order keeps it
    (returned, nothing written). Called by the discharge service, inside its transaction
    (the discharging role decides, not ``ORDER_ISSUE_ROLES``). History row and audit row."""
    found = IsolationOrder.objects.filter(
        person=person, kind=OrderKind.HEALTH_MONITORING, status=OrderStatus.OPEN
    ).first()
    if found is not None:
        return found
    today = timezone.localdate()
    order = IsolationOrder.objects.create(
        person=person,
        region_id=person.region_id,
        kind=OrderKind.HEALTH_MONITORING,
        group=DISCHARGED_GROUP,
        day0=today,
        central_until=None,
        release_on=today + timedelta(days=days),
        plan={"home_days": days, "home_kind": OrderKind.HEALTH_MONITORING, "tests": []},
        rule_set=rule_set,
        issued_by=actor.username,
        issued_at=timezone.now(),
        reason=reason,
    )
    order_event_record(
        order=order,
        kind=OrderEventKind.ISSUED,
        actor=actor,
        reason=reason,
        rule_set=rule_set,
        to_value=OrderStatus.OPEN,
        detail={"group": DISCHARGED_GROUP, "kind": order.kind, "day0": today.isoformat()},
    )
    audit_record(
        actor=actor,
        action="monitoring_order_issue",
        object_type="isolation_order",
        object_id=order.code,
        fields=["person", "kind", "group", "day0", "release_on"],
        reason=reason,
        rule_set=rule_set,
    )
    return order
