"""Health monitoring of persons under an order (issue 20 §5, R24): temperature and symptom
checks entered by staff or self-reported through the person's own link, the alerts a fever,
symptoms or a missed check raise, and the transfer to hospital an abnormal check starts.

The check times (``monitoring.check_hours``, local hours), the grace before a check counts as
missed (``monitoring.missed_check_grace_minutes``) and the fever threshold
(``monitoring.fever_celsius``, 37.3 ℃) come from the rules in force at the order's node; each
check and alert records the rule set it was judged under.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import SYSTEM, AnyActor, SystemActor
from fangkong.core.audit import AuditSpec, audit_record, audit_record_many
from fangkong.core.errors import Conflict, field_error, field_refusal
from fangkong.core.roles import Role
from fangkong.isolation.checks import Errors, raise_if, require_role, text
from fangkong.isolation.choices import (
    AlertState,
    CheckSource,
    MonitoringAlertKind,
    OrderStatus,
    Symptom,
)
from fangkong.isolation.models import HealthCheck, IsolationOrder, MonitoringAlert, ResidentLink
from fangkong.isolation.monitoring.slots import check_slot, slot_time
from fangkong.isolation.roles import (
    CHECK_WRITE_ROLES,
    MONITORING_ALERT_ROLES,
    RESIDENT_LINK_ROLES,
)
from fangkong.isolation.transfers.requesting import transfer_to_hospital
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for, rules_for_path

#: Who acts when a person self-reports through their link (no staff account).
RESIDENT = SystemActor(username="resident", role="resident")
#: Temperatures a thermometer reading may have (℃); outside: a typing error.
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
#: Days back the missed-check job looks (a job that was down catches up on yesterday).
LOOK_BACK_DAYS = 1


def _checked(temperature: object, symptoms: Sequence[str]) -> tuple[Decimal, list[str]]:
    errors: Errors = []
    value = Decimal("0")
    try:
        value = Decimal(str(temperature)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        errors.append(field_error("temperature", "not_a_number", _("A temperature in ℃.")))
    else:
        if not TEMPERATURE_RANGE[0] <= value <= TEMPERATURE_RANGE[1]:
            errors.append(field_error("temperature", "out_of_range", _("Between 34.0 and 43.0 ℃.")))
    for row, symptom in enumerate(symptoms, start=1):
        if symptom not in Symptom.values:
            errors.append(
                field_error("symptoms", "invalid_choice", _("Not a listed symptom."), row=row)
            )
    raise_if(errors, _("The check was not recorded."))
    return value, sorted(set(symptoms))


def _owner_region_id(order: IsolationOrder) -> int:
    """Where the alert's owners sit: the site of the order's room, else the order's node."""
    if order.room_id is not None:
        return order.room.facility.region_id  # type: ignore[union-attr]
    return order.region_id


@dataclass(frozen=True)
class CheckOutcome:
    """A recorded check (``created`` false: the slot had one already, returned as it is),
    the alert it raised and the hospital transfer it started, if any."""

    check: HealthCheck
    created: bool
    alert: MonitoringAlert | None
    transfer_code: str


def _record(
    actor: AnyActor,
    order: IsolationOrder,
    temperature: object,
    symptoms: Sequence[str],
    source: str,
) -> CheckOutcome:
    value, listed = _checked(temperature, symptoms)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    now = timezone.now()
    rules = rules_for(order.region, timezone.localdate())
    monitoring = rules.parameters.monitoring
    on, slot = check_slot(monitoring, now)
    found = HealthCheck.objects.filter(order=order, on=on, slot=slot).first()
    if found is not None:
        return CheckOutcome(found, False, None, "")
    fever = value >= Decimal(str(monitoring.fever_celsius))
    abnormal = fever or bool(listed)
    try:
        with transaction.atomic():
            check = HealthCheck.objects.create(
                order=order,
                on=on,
                slot=slot,
                taken_at=now,
                temperature=value,
                symptoms=listed,
                source=source,
                recorded_by=actor.username,
                fever=fever,
                abnormal=abnormal,
                rule_set=rules.label,
            )
            MonitoringAlert.objects.filter(
                order=order, kind=MonitoringAlertKind.MISSED, on=on, slot=slot
            ).exclude(state=AlertState.CLOSED).update(
                state=AlertState.CLOSED, handled_by=actor.username, note="check taken late"
            )
            audit_record(
                actor=actor,
                action="check_record",
                object_type="isolation_order",
                object_id=order.code,
                fields=["checks.temperature", "checks.symptoms"],
                rule_set=rules.label,
                extra={"check": str(check.code), "source": source, "abnormal": abnormal},
            )
            alert, transfer_code = None, ""
            if abnormal:
                alert, transfer_code = _abnormal(order, check, rules, now)
    except IntegrityError:  # the same slot recorded meanwhile
        return CheckOutcome(HealthCheck.objects.get(order=order, on=on, slot=slot), False, None, "")
    return CheckOutcome(check, True, alert, transfer_code)


def _abnormal(
    order: IsolationOrder, check: HealthCheck, rules: EffectiveRules, now: datetime
) -> tuple[MonitoringAlert, str]:
    """A fever or symptoms (R24): the alert, owned by the site's managers, and the transfer
    to hospital (requested by the system on the rule set's urgent window)."""
    kind = MonitoringAlertKind.FEVER if check.fever else MonitoringAlertKind.SYMPTOMS
    alert = MonitoringAlert.objects.create(
        order=order,
        check_row=check,
        region_id=_owner_region_id(order),
        kind=kind,
        on=check.on,
        slot=check.slot,
        owner_role=Role.ISOLATION_MANAGER,
        raised_at=now,
        rule_set=rules.label,
    )
    audit_record(
        actor=SYSTEM,
        action="monitoring_alert_raise",
        object_type="monitoring_alert",
        object_id=alert.code,
        fields=["state"],
        rule_set=rules.label,
        extra={"kind": kind, "order": str(order.code)},
    )
    task = transfer_to_hospital(
        order=order, actor=SYSTEM, reason=str(MonitoringAlertKind(kind).label)
    )
    return alert, str(task.code)


def check_record(
    *, actor: AnyActor, order: IsolationOrder, temperature: object, symptoms: Sequence[str]
) -> CheckOutcome:
    """Staff enter a check of an open order's person (the order accessed by the caller).

    1. The role must be in ``CHECK_WRITE_ROLES`` (403); ``temperature`` (34.0–43.0 ℃) and
       each of ``symptoms`` (a listed ``Symptom``, with its row) are checked (422 naming
       them); the order must be open (``order_not_open``, 409).
    2. The check counts for the nearest check time of the rule set's
       ``monitoring.check_hours`` today; that slot has a check already → it is returned
       unchanged (a retried submission creates nothing).
    3. At or above ``monitoring.fever_celsius`` is a fever; a fever or any symptom is
       abnormal: a ``fever`` or ``symptoms`` alert and a transfer to hospital (R24). A
       missed-check alert of the slot is closed. Audited with the rule set.
    """
    require_role(actor, CHECK_WRITE_ROLES)
    return _record(actor, order, temperature, symptoms, CheckSource.STAFF)


def check_self_report(
    *, order: IsolationOrder, temperature: object, symptoms: Sequence[str]
) -> CheckOutcome:
    """The person reports their own check through their link (the order from
    ``access_resident_link``); otherwise as :func:`check_record`."""
    return _record(RESIDENT, order, temperature, symptoms, CheckSource.SELF)


# ----------------------------------------------------------------------------- missed checks


def checks_missed_raise(*, now: datetime | None = None) -> int:
    """The periodic job's work: a ``missed`` alert for every open order without a check for a
    check time of today or yesterday whose grace has passed, when the order was issued before
    that check time. The check hours and grace come from the rules at each order's node
    (looked up once per node); per rule set and check time, the orders missing it are read in
    one query and their alerts and audit rows written together (the unique key skips alerts
    raised meanwhile). Returns how many were raised."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    open_orders = IsolationOrder.objects.filter(status=OrderStatus.OPEN)
    regions = list(open_orders.values_list("region_id", "region__path").order_by().distinct())
    by_rules: dict[str, tuple[EffectiveRules, list[int]]] = {}
    for region_id, path in regions:
        rules = rules_for_path(path, today)
        by_rules.setdefault(rules.label, (rules, []))[1].append(region_id)
    raised = 0
    for rules, region_ids in by_rules.values():
        monitoring = rules.parameters.monitoring
        grace = timedelta(minutes=monitoring.missed_check_grace_minutes)
        for back in range(LOOK_BACK_DAYS, -1, -1):
            on = today - timedelta(days=back)
            for slot in range(len(monitoring.check_hours)):
                due = slot_time(monitoring, on, slot)
                if due + grace > now:
                    continue
                raised += _missed(rules, region_ids, on, slot, due, now)
    return raised


def _missed(
    rules: EffectiveRules, region_ids: list[int], on: date, slot: int, due: datetime, now: datetime
) -> int:
    missing = list(
        IsolationOrder.objects.filter(
            status=OrderStatus.OPEN, region_id__in=region_ids, issued_at__lte=due
        )
        .exclude(Exists(HealthCheck.objects.filter(order=OuterRef("pk"), on=on, slot=slot)))
        .exclude(
            Exists(
                MonitoringAlert.objects.filter(
                    order=OuterRef("pk"), kind=MonitoringAlertKind.MISSED, on=on, slot=slot
                )
            )
        )
        .select_related("room__facility")
        .only("pk", "code", "region_id", "room_id", "room__facility__region_id")
    )
    if not missing:
        return 0
    with transaction.atomic():
        alerts = [
            MonitoringAlert(
                order=order,
                region_id=_owner_region_id(order),
                kind=MonitoringAlertKind.MISSED,
                on=on,
                slot=slot,
                owner_role=Role.ISOLATION_MANAGER,
                raised_at=now,
                rule_set=rules.label,
            )
            for order in missing
        ]
        MonitoringAlert.objects.bulk_create(alerts, ignore_conflicts=True)
        stored = list(
            MonitoringAlert.objects.filter(
                order_id__in=[order.pk for order in missing],
                kind=MonitoringAlertKind.MISSED,
                on=on,
                slot=slot,
                raised_at=now,
            ).values_list("code", "order__code")
        )
        audit_record_many(
            [
                AuditSpec(
                    actor=SYSTEM,
                    action="monitoring_alert_raise",
                    object_type="monitoring_alert",
                    object_id=code,
                    fields=["state"],
                    rule_set=rules.label,
                    extra={"kind": MonitoringAlertKind.MISSED, "order": str(order_code)},
                )
                for code, order_code in stored
            ]
        )
    return len(stored)


#: Alert states an acknowledgement or a closing may start from.
ALERT_FROM: dict[str, tuple[str, ...]] = {
    AlertState.ACKNOWLEDGED: (AlertState.OPEN,),
    AlertState.CLOSED: (AlertState.OPEN, AlertState.ACKNOWLEDGED),
}


def monitoring_alert_handle(
    *, actor: AnyActor, alert: MonitoringAlert, to: str, note: str = ""
) -> MonitoringAlert:
    """Acknowledge or close a monitoring alert. ``ValidationFailed`` naming ``state`` or
    ``note``; ``alert_state`` (409) from a state that does not lead there. Audited."""
    require_role(actor, MONITORING_ALERT_ROLES)
    errors: Errors = []
    if to not in ALERT_FROM:
        errors.append(field_error("state", "invalid_choice", _("Not one of the allowed values.")))
    cleaned = text(note, field="note", max_length=255, errors=errors, required=False)
    raise_if(errors, _("The alert was not changed."))
    with transaction.atomic():
        if not MonitoringAlert.objects.filter(pk=alert.pk, state__in=ALERT_FROM[to]).update(
            state=to, handled_by=actor.username, note=cleaned, updated_at=timezone.now()
        ):
            raise field_refusal(
                "alert_state", _("The alert cannot move there."), field="state", status=409
            )
        audit_record(
            actor=actor,
            action=f"monitoring_alert_{to}",
            object_type="monitoring_alert",
            object_id=alert.code,
            fields=["state", "note"],
            rule_set=alert.rule_set,
        )
    alert.refresh_from_db()
    return alert


# ----------------------------------------------------------------------------- resident links


def resident_link_issue(*, actor: AnyActor, order: IsolationOrder) -> ResidentLink:
    """A new personal link for an open order's person (the order accessed by the caller):
    a random key (no identifier), the older links of the order revoked. The signed token
    of the URL is made by ``monitoring.links.link_token``. Audited."""
    require_role(actor, RESIDENT_LINK_ROLES)
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    now = timezone.now()
    with transaction.atomic():
        ResidentLink.objects.filter(order=order, revoked_at__isnull=True).update(revoked_at=now)
        link = ResidentLink.objects.create(
            order=order, key=secrets.token_urlsafe(18)[:24], issued_at=now, issued_by=actor.username
        )
        audit_record(
            actor=actor,
            action="resident_link_issue",
            object_type="isolation_order",
            object_id=order.code,
            fields=["resident_links"],
        )
    return link
