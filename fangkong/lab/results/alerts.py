"""Lab alerts: late results raised by the periodic job (R13), owned and closed with a reason
(R30). Late-notification alerts are raised by the results chain (``services.results``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import AlertKind, AlertStatus
from fangkong.lab.models import LabAlert, SamplingPoint, Tube
from fangkong.lab.roles import ALERT_WRITE_ROLES

_LATE_RESULTS_SQL = (
    "INSERT INTO {alert} (kind, tube_id, round_id, region_id, raised_at, detail, "
    "status, owner, closed_at, closing_reason) "
    "SELECT %s, t.id, t.round_id, p.region_id, %s, {detail}, %s, '', NULL, '' "
    "FROM {tube} t JOIN {point} p ON p.id = t.point_id "
    "WHERE t.reported_at IS NULL AND t.due_at < %s "
    "ON CONFLICT (kind, tube_id) DO NOTHING"
)


def _insert_late_results_sql(now: datetime) -> tuple[str, list[Any]]:
    """``INSERT … SELECT`` of one late-result alert per pending tube past its due time.

    The ``WHERE reported_at IS NULL AND due_at < now`` matches the partial index
    ``lab_tube_pending_due``, so the scan touches only pending tubes; the unique
    ``(kind, tube)`` constraint makes a re-run (or a concurrent one) insert nothing twice.
    """
    quote = connection.ops.quote_name
    alert, tube, point = LabAlert._meta.db_table, Tube._meta.db_table, SamplingPoint._meta.db_table
    detail = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    # Only quoted table names and a fixed cast are formatted in; every value is a parameter.
    sql = _LATE_RESULTS_SQL.format(
        alert=quote(alert), tube=quote(tube), point=quote(point), detail=detail
    )
    moment = connection.ops.adapt_datetimefield_value(now)
    params: list[Any] = [
        AlertKind.LATE_RESULT.value,
        moment,
        json.dumps({"raised_by": "turnaround_alerts"}),
        AlertStatus.OPEN.value,
        moment,
    ]
    return sql, params


def turnaround_alerts_raise(*, now: datetime) -> int:
    """Raise a ``late_result`` alert for every tube still without a result past its
    ``due_at`` (the turnaround target of its category, set when it was bound; R13).

    One statement whatever the number of tubes (see :func:`_insert_late_results_sql`);
    safe to re-run. The alert's node is the tube's sampling point's. Returns the number of
    alerts raised; one audit row when that is above zero.
    """
    sql, params = _insert_late_results_sql(now)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            raised = max(int(cursor.rowcount), 0)
        if raised:
            audit_record(
                actor=SYSTEM,
                action="turnaround_alerts_raise",
                object_type="lab_alert_batch",
                object_id=f"{raised} alerts",
                fields=["kind", "tube", "raised_at"],
                extra={"kind": AlertKind.LATE_RESULT.value, "at": now.isoformat()},
            )
    return raised


@transaction.atomic
def alert_assign(*, actor: AnyActor, alert: LabAlert, owner: User) -> LabAlert:
    """Make ``owner`` (a user the actor can see) responsible for an open alert.

    ``Conflict`` (``alert_closed``) for a closed alert. Audited with the old and new owner.
    """
    require_role(actor, ALERT_WRITE_ROLES)
    previous = alert.owner
    updated = LabAlert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        owner=owner.username
    )
    if not updated:
        raise Conflict(_("The alert is already closed."), code="alert_closed")
    alert.owner = owner.username
    audit_record(
        actor=actor,
        action="alert_assign",
        object_type="lab_alert",
        object_id=f"{alert.kind}:{alert.tube.barcode}",
        fields=["owner"],
        extra={"from": previous, "to": owner.username},
    )
    return alert


@transaction.atomic
def alert_close(*, actor: AnyActor, alert: LabAlert, reason: str) -> LabAlert:
    """Close an open alert with a reason (R30); an alert without an owner becomes the
    closer's.

    ``ValidationFailed`` (``reason``: ``required``, ``too_long``); ``Conflict``
    (``alert_closed``) when it is already closed — the update is conditional on the status,
    so of two people closing at once one wins. Audited with the reason.
    """
    require_role(actor, ALERT_WRITE_ROLES)
    text = (reason or "").strip()
    if not text or len(text) > 255 or "\x00" in text:
        raise ValidationFailed(
            _("The alert cannot be closed."),
            errors=[
                field_error(
                    "reason",
                    "required" if not text else "too_long",
                    _("Say why the alert is closed.") if not text else _("At most 255 characters."),
                )
            ],
        )
    now = timezone.now()
    owner = alert.owner or actor.username
    updated = LabAlert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.CLOSED, closed_at=now, closing_reason=text, owner=owner
    )
    if not updated:
        raise Conflict(_("The alert is already closed."), code="alert_closed")
    alert.status, alert.closed_at, alert.closing_reason, alert.owner = (
        AlertStatus.CLOSED,
        now,
        text,
        owner,
    )
    audit_record(
        actor=actor,
        action="alert_close",
        object_type="lab_alert",
        object_id=f"{alert.kind}:{alert.tube.barcode}",
        fields=["status", "closing_reason", "owner"],
        reason=text,
    )
    return alert
