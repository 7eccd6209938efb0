"""Late transfer tasks (issue 20 §4): the periodic job's alerts, owned by the dispatcher who
assigned the task, and their handling."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.audit import AuditSpec, audit_record, audit_record_many
from fangkong.core.errors import field_error, field_refusal
from fangkong.core.roles import Role
from fangkong.isolation.checks import Errors, raise_if, require_role, text
from fangkong.isolation.choices import (
    TransferEventKind,
    TransferStatus,
)
from fangkong.isolation.models import (
    TransferAlert,
    TransferEvent,
    TransferTask,
)
from fangkong.isolation.roles import (
    TRANSFER_WRITE_ROLES,
)
from fangkong.isolation.transfers.events import transfer_event_new

# ----------------------------------------------------------------------------- late alerts


def transfers_late_check(*, now: datetime | None = None) -> int:
    """The periodic job's work: one alert per task whose window has ended and that is not
    picked up (``pickup``) or, picked up, not delivered (``delivery``). Owned by the
    dispatcher who assigned it, else by the transfer dispatchers at its node. Set-based: the
    late tasks without their alert are read in one query and their alerts, history and audit
    rows written in one transaction; a concurrent run's alerts are skipped by the unique key.
    Returns how many were raised."""
    now = now or timezone.now()
    fields = ("pk", "code", "status", "region_id", "assigned_by_id", "rule_set")
    not_picked_up = TransferTask.objects.filter(
        window_end__lt=now, status__in=[TransferStatus.REQUESTED, TransferStatus.ASSIGNED]
    ).exclude(Exists(TransferAlert.objects.filter(task=OuterRef("pk"), late_in="pickup")))
    not_delivered = TransferTask.objects.filter(
        window_end__lt=now, status=TransferStatus.PICKED_UP
    ).exclude(Exists(TransferAlert.objects.filter(task=OuterRef("pk"), late_in="delivery")))
    late = not_picked_up.only(*fields).order_by().union(not_delivered.only(*fields).order_by())
    tasks = list(late)
    if not tasks:
        return 0
    rule_sets = {task.pk: task.rule_set for task in tasks}
    with transaction.atomic():
        alerts = [
            TransferAlert(
                task=task,
                region_id=task.region_id,
                late_in="delivery" if task.status == TransferStatus.PICKED_UP else "pickup",
                owner_id=task.assigned_by_id,
                owner_role="" if task.assigned_by_id else Role.TRANSFER_DISPATCHER,
                raised_at=now,
            )
            for task in tasks
        ]
        TransferAlert.objects.bulk_create(alerts, ignore_conflicts=True)
        raised = {
            (row.task_id, row.late_in): row
            for row in TransferAlert.objects.filter(
                task_id__in=[task.pk for task in tasks], raised_at=now
            )
        }
        TransferEvent.objects.bulk_create(
            [
                transfer_event_new(
                    task=alert.task,
                    kind=TransferEventKind.LATE,
                    actor=SYSTEM,
                    rule_set=alert.task.rule_set,
                    to_value=alert.late_in,
                    detail={"alert": str(raised[(alert.task.pk, alert.late_in)].code)},
                )
                for alert in alerts
                if (alert.task.pk, alert.late_in) in raised
            ]
        )
        audit_record_many(
            [
                AuditSpec(
                    actor=SYSTEM,
                    action="transfer_alert_raise",
                    object_type="transfer_alert",
                    object_id=row.code,
                    fields=["state"],
                    rule_set=rule_sets[row.task_id],
                    extra={"late_in": row.late_in},
                )
                for row in raised.values()
            ]
        )
    return len(raised)


#: Alert states an acknowledgement or a closing may start from.
ALERT_FROM: dict[str, tuple[str, ...]] = {
    "acknowledged": ("open",),
    "closed": ("open", "acknowledged"),
}


def transfer_alert_handle(
    *, actor: AnyActor, alert: TransferAlert, to: str, note: str = ""
) -> TransferAlert:
    """Acknowledge or close a late alert. ``ValidationFailed`` naming ``state`` or ``note``;
    ``alert_state`` (409) from a state that does not lead there. Audited."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    errors: Errors = []
    if to not in ALERT_FROM:
        errors.append(field_error("state", "invalid_choice", _("Not one of the allowed values.")))
    cleaned = text(note, field="note", max_length=255, errors=errors, required=False)
    raise_if(errors, _("The alert was not changed."))
    with transaction.atomic():
        if not TransferAlert.objects.filter(pk=alert.pk, state__in=ALERT_FROM[to]).update(
            state=to, handled_by=actor.username, note=cleaned, updated_at=timezone.now()
        ):
            raise field_refusal(
                "alert_state", _("The alert cannot move there."), field="state", status=409
            )
        audit_record(
            actor=actor,
            action=f"transfer_alert_{to}",
            object_type="transfer_alert",
            object_id=alert.code,
            fields=["state", "note"],
        )
    alert.refresh_from_db()
    return alert
