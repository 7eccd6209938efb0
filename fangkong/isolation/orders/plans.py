"""An order's plan from a rule set's ``QuarantinePlan`` (R4): its kind, the end of the central
phase, the release day and the day-numbered test tasks. Pure: no database, no audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fangkong.isolation.choices import OrderKind
from fangkong.isolation.models import OrderTestTask
from fangkong.policy.choices import HomePhaseKind
from fangkong.policy.rules import EffectiveRules, quarantine_test_dates
from fangkong.policy.schema import QuarantinePlan


def order_kind(plan: QuarantinePlan) -> str:
    """The kind of order a plan starts with: central quarantine when it has central days,
    else what its home phase is (strict home quarantine or health monitoring)."""
    if plan.central_days > 0:
        return OrderKind.CENTRAL_QUARANTINE
    if plan.home_kind == HomePhaseKind.HOME_HEALTH_MONITORING:
        return OrderKind.HEALTH_MONITORING
    return OrderKind.HOME_QUARANTINE


@dataclass(frozen=True)
class PlannedOrder:
    """The plan of one order from ``day0`` under ``rules``: its kind, the day central
    quarantine ends (``None`` without central days), the release day and the test tasks."""

    kind: str
    plan: QuarantinePlan
    central_until: date | None
    release_on: date
    tests: tuple[OrderTestTask, ...]


def order_plan(plan: QuarantinePlan, day0: date, rules: EffectiveRules) -> PlannedOrder:
    """The dates of ``plan`` from ``day0`` (R4; ``policy.rules.quarantine_test_dates``): the
    central phase ends on ``day0 + central_days``, release on ``day0 + total_days``, each
    test task on its phase's day. The tasks are not saved (their order is set later)."""
    tests = tuple(
        OrderTestTask(
            phase=task.phase,
            day=task.day,
            on=task.on,
            double_sampling=task.double_sampling,
            swab_site=task.swab_site,
            rule_set=rules.label,
        )
        for task in quarantine_test_dates(plan, day0)
    )
    return PlannedOrder(
        kind=order_kind(plan),
        plan=plan,
        central_until=day0 + timedelta(days=plan.central_days) if plan.central_days else None,
        release_on=day0 + timedelta(days=plan.total_days),
        tests=tests,
    )
