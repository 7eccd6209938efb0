"""Reads of health checks and monitoring alerts, scoped through the orders the actor sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.isolation.choices import OrderStatus
from fangkong.isolation.models import HealthCheck, IsolationOrder, MonitoringAlert
from fangkong.isolation.monitoring.slots import slot_time
from fangkong.isolation.orders.selectors import order_scope
from fangkong.policy.schema import Monitoring


def check_list(order: IsolationOrder) -> QuerySet[HealthCheck]:
    """The checks of an order the caller holds, newest first."""
    return HealthCheck.objects.filter(order=order).order_by("-on", "-slot", "-id")


def checks_today_orders(*, actor: AnyActor, on: date) -> QuerySet[IsolationOrder]:
    """The actor's open orders with their checks of the local day ``on`` prefetched (two
    queries per page), by site and room: what the site manager's "today's checks" lists."""
    return (
        order_scope(actor)
        .filter(status=OrderStatus.OPEN)
        .select_related("person", "region", "room", "room__facility")
        .prefetch_related(
            Prefetch(
                "checks",
                queryset=HealthCheck.objects.filter(on=on).order_by("slot"),
                to_attr="checks_of_day",
            )
        )
        .order_by("room__facility__name", "room__number", "id")
    )


@dataclass(frozen=True)
class SlotState:
    """One check time of the day for one order: its check, or missing once it is due."""

    hour: int
    check: HealthCheck | None
    due: bool

    @property
    def missing(self) -> bool:
        return self.check is None and self.due


def slot_states(
    order: IsolationOrder, monitoring: Monitoring, on: date, now: datetime
) -> list[SlotState]:
    """The day's check times of an order from :func:`checks_today_orders` (no query)."""
    taken = {check.slot: check for check in getattr(order, "checks_of_day", [])}
    return [
        SlotState(
            hour=hour,
            check=taken.get(slot),
            due=order.issued_at <= slot_time(monitoring, on, slot) <= now,
        )
        for slot, hour in enumerate(monitoring.check_hours)
    ]


def monitoring_alert_list(*, actor: AnyActor, state: str = "") -> QuerySet[MonitoringAlert]:
    """Monitoring alerts of the orders the actor sees, newest first."""
    alerts = MonitoringAlert.objects.filter(order__in=order_scope(actor)).select_related(
        "order", "order__person", "check_row"
    )
    if state:
        alerts = alerts.filter(state=state)
    return alerts.order_by("-raised_at", "-id")
