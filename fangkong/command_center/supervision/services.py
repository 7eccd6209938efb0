"""Inspections, their findings and each finding's rectification up to being struck off the
ledger (挂牌督改、对账销号; issue 22 §7, R33).

A finding's status changes only along :data:`TRANSITIONS`, each step by the side that owns
it (:data:`STEP_ROLES`: the responsible unit rectifies and submits, the inspector verifies,
sends back and closes), as a conditional update, with a history row, an audit row and a
notification to the other side. Overdue findings escalate once, one level up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.duty_choices import (
    FindingSeverity,
    FindingStatus,
    InspectionMethod,
    NotificationKind,
)
from fangkong.command_center.duty_events import finding_event_record
from fangkong.command_center.duty_inputs import Errors, raise_if, require_role, text
from fangkong.command_center.duty_roles import (
    INSPECT_ROLES,
    UNIT_RECIPIENT_ROLES,
    UNIT_ROLES,
)
from fangkong.command_center.models import Finding, Inspection
from fangkong.command_center.notifications.delivery import escalation_notify, notify
from fangkong.command_center.notifications.recipients import unit_recipients
from fangkong.core.actor import Actor, AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, PermissionDenied, field_error, field_refusal
from fangkong.core.escalation import claim_row, escalate_overdue
from fangkong.regions.models import Region
from fangkong.regions.subtree import region_in_scope

S = FindingStatus

#: Which status may follow which.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.RECTIFYING}),
    S.RECTIFYING: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.VERIFIED, S.RECTIFYING}),
    S.VERIFIED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
#: Who takes each step: the responsible unit, or the inspectors.
UNIT_STEPS = frozenset({S.RECTIFYING, S.SUBMITTED})


@dataclass(frozen=True)
class InspectionInput:
    team: str
    theme: str
    place: str
    method: str
    on: date
    #: ``{"item": str, "passed": bool, "note": str}`` each.
    checklist: list[dict[str, object]]


def _link(inspection: Inspection) -> str:
    return reverse("command_center:inspection", args=[inspection.code])


def inspection_record(*, actor: Actor, data: InspectionInput) -> Inspection:
    """Record an inspection by the actor's node with its checklist (422 naming each bad
    field, ``checklist`` rows by number)."""
    require_role(actor, INSPECT_ROLES)
    errors: Errors = []
    team = text(data.team, field="team", max_length=200, errors=errors, required=True)
    theme = text(data.theme, field="theme", max_length=200, errors=errors, required=True)
    place = text(data.place, field="place", max_length=200, errors=errors, required=True)
    if data.method not in InspectionMethod.values:
        errors.append(field_error("method", "invalid_choice", _("Not one of the allowed values.")))
    if data.on > timezone.localdate():
        errors.append(field_error("on", "in_the_future", _("This day is in the future.")))
    checklist = []
    for row, entry in enumerate(data.checklist, start=1):
        item = str(entry.get("item") or "").strip()
        if not item or len(item) > 200 or not isinstance(entry.get("passed"), bool):
            errors.append(
                field_error(
                    "checklist",
                    "checklist_row",
                    _("Each item needs a text and a yes or no."),
                    row=row,
                )
            )
            continue
        checklist.append(
            {"item": item, "passed": entry["passed"], "note": str(entry.get("note") or "")[:500]}
        )
    raise_if(errors, _("The inspection was not recorded."))
    with transaction.atomic():
        inspection = Inspection.objects.create(
            region_id=actor.region_id,
            created_by_id=actor.user_id,
            team=team,
            theme=theme,
            place=place,
            method=data.method,
            on=data.on,
            checklist=checklist,
        )
        audit_record(
            actor=actor,
            action="inspection_record",
            object_type="inspection",
            object_id=inspection.code,
            fields=["team", "theme", "place", "method", "on", "checklist"],
        )
    return inspection


def finding_record(
    *,
    actor: Actor,
    inspection: Inspection,
    unit: Region,
    severity: str,
    description: str,
    deadline: datetime,
) -> Finding:
    """Record a finding of ``inspection`` against the responsible ``unit`` (in the
    inspecting node's subtree) with its deadline; the unit is told."""
    require_role(actor, INSPECT_ROLES)
    errors: Errors = []
    what = text(description, field="description", max_length=2000, errors=errors, required=True)
    if severity not in FindingSeverity.values:
        errors.append(
            field_error("severity", "invalid_choice", _("Not one of the allowed values."))
        )
    if deadline <= timezone.now():
        errors.append(
            field_error("deadline", "deadline_past", _("The deadline must lie in the future."))
        )
    if not region_in_scope(actor, unit):
        errors.append(
            field_error("units", "unit_not_below", _("Choose a unit in your jurisdiction."))
        )
    raise_if(errors, _("The finding was not recorded."))
    with transaction.atomic():
        finding = Finding.objects.create(
            inspection=inspection,
            region=unit,
            severity=severity,
            description=what,
            deadline=deadline,
        )
        finding_event_record(finding=finding, actor=actor, to_value=S.OPEN, note=what)
        audit_record(
            actor=actor,
            action="finding_record",
            object_type="finding",
            object_id=finding.code,
            fields=["region", "severity", "description", "deadline"],
        )
        notify(
            users=unit_recipients(region_ids=[unit.pk], roles=UNIT_RECIPIENT_ROLES),
            kind=NotificationKind.FINDING,
            subject=_("Inspection finding to rectify by %(deadline)s: %(theme)s")
            % {
                "deadline": timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M"),
                "theme": inspection.theme,
            },
            link=_link(inspection),
        )
    return finding


def finding_transition(*, actor: AnyActor, finding: Finding, to: str, note: str) -> Finding:
    """Move ``finding`` to ``to`` along :data:`TRANSITIONS`.

    Rectifying and submitting are the responsible unit's (its commander or officer on duty,
    403 otherwise); verifying, sending back and closing are the inspectors'. Submitting
    needs the rectification done (``note``, 422); sending back needs a reason."""
    current = finding.status
    if to not in S.values or to not in TRANSITIONS.get(current, frozenset()):
        raise field_refusal(
            "finding_transition_not_allowed",
            _("A finding that is %(current)s cannot become %(to)s.")
            % {"current": S(current).label, "to": S(to).label if to in S.values else to},
            field="to",
        )
    unit_step = to in UNIT_STEPS and not (current == S.SUBMITTED and to == S.RECTIFYING)
    if unit_step:
        require_role(actor, UNIT_ROLES)
        if not isinstance(actor, SystemActor) and actor.region_id != finding.region_id:
            raise PermissionDenied(_("Only the responsible unit rectifies."), code="not_your_unit")
    else:
        require_role(actor, INSPECT_ROLES)
    errors: Errors = []
    required = to == S.SUBMITTED or (current == S.SUBMITTED and to == S.RECTIFYING)
    cleaned = text(note, field="note", max_length=2000, errors=errors, required=required)
    raise_if(errors, _("Say what was done."))
    updates: dict[str, object] = {
        "status": to,
        "version": F("version") + 1,
        "updated_at": timezone.now(),
    }
    if to == S.SUBMITTED:
        updates["rectification"] = cleaned
    if to == S.CLOSED:
        updates["closed_at"] = timezone.now()
    with transaction.atomic():
        if Finding.objects.filter(pk=finding.pk, status=current).update(**updates) != 1:
            raise Conflict(
                _("The finding changed meanwhile; reload and try again."), code="finding_changed"
            )
        finding.refresh_from_db()
        finding_event_record(
            finding=finding, actor=actor, from_value=current, to_value=to, note=cleaned
        )
        audit_record(
            actor=actor,
            action="finding_transition",
            object_type="finding",
            object_id=finding.code,
            fields=["status", "rectification"] if to == S.SUBMITTED else ["status"],
            reason=cleaned,
            extra={"from": current, "to": to},
        )
        told = (
            [finding.inspection.created_by_id]
            if unit_step
            else unit_recipients(region_ids=[finding.region_id], roles=UNIT_RECIPIENT_ROLES)
        )
        notify(
            users=told,
            kind=NotificationKind.FINDING,
            subject=_("Finding at %(unit)s is now %(status)s")
            % {"unit": finding.region.name, "status": S(to).label},
            link=_link(finding.inspection),
        )
    return finding


def findings_escalate_overdue(*, actor: AnyActor, now: datetime | None = None) -> int:
    """Escalate, once, every finding past its deadline and not yet submitted (open or
    rectifying) to the node above its unit, whose commanders are told (R33). Returns how
    many were escalated."""
    now = now or timezone.now()
    overdue = list(
        Finding.objects.filter(
            deadline__lt=now, escalated_at__isnull=True, status__in=[S.OPEN, S.RECTIFYING]
        )
        .select_related("region", "region__parent", "inspection")
        .order_by("id")[:1000]
    )
    due = Finding.objects.filter(escalated_at__isnull=True)

    def claim(finding: Finding) -> list[int]:
        return claim_row(
            due, finding.pk, escalated_at=now, escalated_to=finding.region.parent or finding.region
        )

    def record(finding: Finding, _claimed: list[int]) -> None:
        above = finding.region.parent or finding.region
        finding_event_record(finding=finding, actor=actor, note=above.code)
        audit_record(
            actor=actor,
            action="finding_escalate",
            object_type="finding",
            object_id=finding.code,
            fields=["escalated_at", "escalated_to"],
            extra={"unit": finding.region.code, "to": above.code},
        )
        escalation_notify(
            above=above,
            also=finding.inspection.created_by_id,
            subject=_("Overdue finding escalated: %(unit)s — %(theme)s")
            % {"unit": finding.region.name, "theme": finding.inspection.theme},
            link=_link(finding.inspection),
        )

    return escalate_overdue(overdue, claim=claim, record=record)
