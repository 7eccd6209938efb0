"""Monitoring endpoints under ``/api/v1/isolation``: an order's checks (read, enter), its
resident link, today's checks with the missing ones, and monitoring alerts. Persons shown go
through ``monitoring.presentation`` (logged)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, PageParams, page_fields
from fangkong.isolation.checks import require_role
from fangkong.isolation.models import MonitoringAlert
from fangkong.isolation.monitoring.access import access_monitoring_alert
from fangkong.isolation.monitoring.links import link_token
from fangkong.isolation.monitoring.presentation import CheckRow, check_rows, today_rows
from fangkong.isolation.monitoring.selectors import (
    check_list,
    checks_today_orders,
    monitoring_alert_list,
)
from fangkong.isolation.monitoring.services import (
    check_record,
    monitoring_alert_handle,
    resident_link_issue,
)
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.roles import (
    CHECK_WRITE_ROLES,
    MONITORING_ALERT_ROLES,
    ORDER_READ_ROLES,
    RESIDENT_LINK_ROLES,
)
from fangkong.policy.selectors import rules_for_actor

router = Router(tags=["isolation monitoring"])
SymptomIn = Literal[
    "cough", "sore_throat", "fatigue", "short_breath", "loss_of_smell", "diarrhoea", "muscle_ache"
]


class HealthCheckIn(Schema):
    temperature: Decimal = Field(ge=34, le=43, decimal_places=1)
    symptoms: list[SymptomIn] = Field(default_factory=list, max_length=7)


class HealthCheckOut(Schema):
    code: str
    on: date
    slot: int
    taken_at: datetime
    temperature: float
    symptoms: list[str]
    source: str
    fever: bool
    abnormal: bool
    rule_set: str


class HealthCheckPageOut(PageOut):
    items: list[HealthCheckOut]


class HealthCheckRecordOut(Schema):
    check: HealthCheckOut
    created: bool
    alert: str
    transfer: str


class ResidentLinkOut(Schema):
    #: The resident's page: a signed token, no identifier; it expires with the order.
    url: str


class CheckSlotOut(Schema):
    hour: int
    temperature: float | None
    due: bool
    missing: bool


class ChecksTodayOut(Schema):
    order_code: str
    person_code: str
    person_name: str
    facility_name: str
    room_number: str
    slots: list[CheckSlotOut]


class ChecksTodayPageOut(PageOut):
    rule_set: str
    items: list[ChecksTodayOut]


class MonitoringAlertOut(Schema):
    code: str
    order_code: str
    kind: str
    on: date
    slot: int
    owner_role: str
    state: str
    raised_at: datetime
    rule_set: str
    handled_by: str
    note: str


class MonitoringAlertPageOut(PageOut):
    items: list[MonitoringAlertOut]


class MonitoringAlertFilters(PageParams):
    state: Literal["", "open", "acknowledged", "closed"] = ""


class MonitoringAlertHandleIn(Schema):
    to: Literal["acknowledged", "closed"]
    note: str = Field("", max_length=255)


def _check_out(row: CheckRow) -> HealthCheckOut:
    return HealthCheckOut(
        code=str(row.code),
        on=row.on,
        slot=row.slot,
        taken_at=row.taken_at,
        temperature=float(row.temperature),
        symptoms=row.symptoms,
        source=row.source,
        fever=row.fever,
        abnormal=row.abnormal,
        rule_set=row.rule_set,
    )


def _alert_out(alert: MonitoringAlert) -> MonitoringAlertOut:
    return MonitoringAlertOut(
        code=str(alert.code),
        order_code=str(alert.order.code),
        kind=alert.kind,
        on=alert.on,
        slot=alert.slot,
        owner_role=alert.owner_role,
        state=alert.state,
        raised_at=alert.raised_at,
        rule_set=alert.rule_set,
        handled_by=alert.handled_by,
        note=alert.note,
    )


@router.get(
    "/orders/{code}/checks",
    response={200: HealthCheckPageOut, **ERRORS},
    summary="An order's checks",
)
def checks_list(request: HttpRequest, code: str, paging: Query[PageParams]) -> HealthCheckPageOut:
    """The order's checks, newest first; the person's read is logged."""
    actor = actor_of(request)
    order = access_order(actor, code)
    page = paginate(check_list(order), page=paging.page, page_size=paging.page_size)
    rows = check_rows(actor, order, list(page.items))
    return HealthCheckPageOut(items=[_check_out(r) for r in rows], **page_fields(page))


@router.post(
    "/orders/{code}/checks",
    response={200: HealthCheckRecordOut, **WRITE_ERRORS},
    summary="Enter a temperature and symptom check (R24)",
    description=(
        "Counts for the nearest check time of the rules in force; a slot with a check "
        "already answers it unchanged (`created: false`). A fever (≥ the rule set's "
        "threshold) or symptoms raise an alert and request a transfer to hospital."
    ),
)
def checks_record(request: HttpRequest, code: str, payload: HealthCheckIn) -> HealthCheckRecordOut:
    actor = actor_of(request)
    order = access_order(actor, code, roles=CHECK_WRITE_ROLES)
    outcome = check_record(
        actor=actor, order=order, temperature=payload.temperature, symptoms=payload.symptoms
    )
    (row,) = check_rows(actor, order, [outcome.check])
    return HealthCheckRecordOut(
        check=_check_out(row),
        created=outcome.created,
        alert=str(outcome.alert.code) if outcome.alert is not None else "",
        transfer=outcome.transfer_code,
    )


@router.post(
    "/orders/{code}/resident-link",
    response={200: ResidentLinkOut, **WRITE_ERRORS},
    summary="A new personal link for the order's person (older ones stop working)",
)
def resident_link(request: HttpRequest, code: str) -> ResidentLinkOut:
    actor = actor_of(request)
    order = access_order(actor, code, roles=RESIDENT_LINK_ROLES)
    link = resident_link_issue(actor=actor, order=order)
    return ResidentLinkOut(url=reverse("isolation:resident", kwargs={"token": link_token(link)}))


@router.get(
    "/checks/today",
    response={200: ChecksTodayPageOut, **ERRORS},
    summary="Today's checks of the open orders in scope, with the missing ones",
)
def checks_today(request: HttpRequest, paging: Query[PageParams]) -> ChecksTodayPageOut:
    actor = actor_of(request)
    require_role(actor, ORDER_READ_ROLES)
    today, now = timezone.localdate(), timezone.now()
    rules = rules_for_actor(actor, today)
    page = paginate(
        checks_today_orders(actor=actor, on=today), page=paging.page, page_size=paging.page_size
    )
    rows = today_rows(actor, list(page.items), rules.parameters.monitoring, today, now)
    return ChecksTodayPageOut(
        rule_set=rules.label,
        items=[
            ChecksTodayOut(
                order_code=str(row.order_code),
                person_code=str(row.person_code),
                person_name=row.person_name,
                facility_name=row.facility_name,
                room_number=row.room_number,
                slots=[
                    CheckSlotOut(
                        hour=slot.hour,
                        temperature=float(slot.check.temperature) if slot.check else None,
                        due=slot.due,
                        missing=slot.missing,
                    )
                    for slot in row.slots
                ],
            )
            for row in rows
        ],
        **page_fields(page),
    )


@router.get(
    "/monitoring-alerts",
    response={200: MonitoringAlertPageOut, **ERRORS},
    summary="Missed-check, fever and symptom alerts",
)
def monitoring_alerts_list(
    request: HttpRequest, filters: Query[MonitoringAlertFilters]
) -> MonitoringAlertPageOut:
    actor = actor_of(request)
    require_role(actor, ORDER_READ_ROLES)
    page = paginate(
        monitoring_alert_list(actor=actor, state=filters.state),
        page=filters.page,
        page_size=filters.page_size,
    )
    return MonitoringAlertPageOut(items=[_alert_out(a) for a in page.items], **page_fields(page))


@router.post(
    "/monitoring-alerts/{code}/handle",
    response={200: MonitoringAlertOut, **WRITE_ERRORS},
    summary="Acknowledge or close a monitoring alert",
)
def monitoring_alerts_handle(
    request: HttpRequest, code: str, payload: MonitoringAlertHandleIn
) -> MonitoringAlertOut:
    actor = actor_of(request)
    alert = access_monitoring_alert(actor, code, roles=MONITORING_ALERT_ROLES)
    return _alert_out(
        monitoring_alert_handle(actor=actor, alert=alert, to=payload.to, note=payload.note)
    )
