"""Directives sent down the tree: issue, acknowledge, report progress, complete with evidence,
and the escalation of overdue units one level up (issue 22 §5, R33).

A unit's status changes only along :data:`TRANSITIONS`, as a conditional update (a concurrent
change of the same row loses with ``Conflict``); each change leaves a history row and an audit
row and tells the people concerned through the inbox (``notifications.services.notify``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.duty_choices import (
    DirectiveEventKind,
    DirectiveStatus,
    NotificationKind,
)
from fangkong.command_center.duty_events import directive_event_record
from fangkong.command_center.duty_inputs import Errors, raise_if, require_role, text
from fangkong.command_center.duty_roles import COMMAND_ROLES, UNIT_RECIPIENT_ROLES, UNIT_ROLES
from fangkong.command_center.models import Directive, DirectiveAssignment, Meeting
from fangkong.command_center.notifications.delivery import escalation_notify, notify
from fangkong.command_center.notifications.recipients import unit_recipients
from fangkong.core.actor import Actor, AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, PermissionDenied, field_error, field_refusal
from fangkong.core.escalation import claim_row, escalate_overdue
from fangkong.regions.models import Region
from fangkong.regions.subtree import region_in_scope

S = DirectiveStatus

#: Which status may follow which for one receiving unit.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SENT: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.COMPLETED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.COMPLETED}),
    S.IN_PROGRESS: frozenset({S.IN_PROGRESS, S.COMPLETED}),
    S.COMPLETED: frozenset(),
}
#: Largest evidence file accepted (bytes).
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class DirectiveInput:
    title: str
    body: str
    deadline: datetime


def _link(directive: Directive) -> str:
    return reverse("command_center:directive", args=[directive.code])


def directive_issue(
    *,
    actor: Actor,
    data: DirectiveInput,
    units: Sequence[Region],
    meeting: Meeting | None = None,
) -> Directive:
    """Send a directive from the actor's node to ``units`` (nodes strictly below it), as
    decided by ``meeting`` when given.

    1. Only a commander issues (403); title required, deadline in the future, at least one
       unit, each below the actor's node (422 naming ``units`` and the row; a node outside
       the subtree is 404 before this, in the caller's ``access_region``).
    2. The directive, one row per unit (status sent) with its history row, one audit row.
    3. The commanders and officers on duty of each unit are notified.
    """
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    title = text(data.title, field="title", max_length=200, errors=errors, required=True)
    body = text(data.body, field="body", max_length=5000, errors=errors, required=False)
    if data.deadline <= timezone.now():
        errors.append(
            field_error("deadline", "deadline_past", _("The deadline must lie in the future."))
        )
    if not units:
        errors.append(field_error("units", "required", _("Choose at least one unit.")))
    for row, unit in enumerate(units, start=1):
        if unit.pk == actor.region_id or not region_in_scope(actor, unit):
            errors.append(
                field_error(
                    "units", "unit_not_below", _("Send only to units below your own."), row=row
                )
            )
    raise_if(errors, _("The directive was not sent."))
    unique = list({unit.pk: unit for unit in units}.values())
    with transaction.atomic():
        directive = Directive.objects.create(
            region_id=actor.region_id,
            issued_by_id=actor.user_id,
            title=title,
            body=body,
            deadline=data.deadline,
            meeting=meeting,
        )
        assignments = DirectiveAssignment.objects.bulk_create(
            [DirectiveAssignment(directive=directive, region=unit) for unit in unique]
        )
        for assignment in assignments:
            directive_event_record(
                assignment=assignment, kind=DirectiveEventKind.ISSUED, actor=actor
            )
        audit_record(
            actor=actor,
            action="directive_issue",
            object_type="directive",
            object_id=directive.code,
            fields=["title", "body", "deadline", "units"],
            extra={"units": len(unique)},
        )
        notify(
            users=unit_recipients(region_ids=[u.pk for u in unique], roles=UNIT_RECIPIENT_ROLES),
            kind=NotificationKind.DIRECTIVE,
            subject=_("New directive: %(title)s") % {"title": title},
            link=_link(directive),
        )
    return directive


def _require_own_unit(actor: AnyActor, assignment: DirectiveAssignment) -> None:
    require_role(actor, UNIT_ROLES)
    if not isinstance(actor, SystemActor) and actor.region_id != assignment.region_id:
        raise PermissionDenied(_("Only the receiving unit answers for it."), code="not_your_unit")


def _move(
    *,
    actor: AnyActor,
    assignment: DirectiveAssignment,
    to: str,
    kind: str,
    note: str,
    updates: dict[str, object],
    fields: list[str],
) -> DirectiveAssignment:
    current = assignment.status
    if to not in TRANSITIONS.get(current, frozenset()):
        raise field_refusal(
            "directive_transition_not_allowed",
            _("A directive that is %(current)s cannot become %(to)s.")
            % {"current": S(current).label, "to": S(to).label},
            field="status",
        )
    with transaction.atomic():
        changed = DirectiveAssignment.objects.filter(pk=assignment.pk, status=current).update(
            status=to, version=F("version") + 1, updated_at=timezone.now(), **updates
        )
        if changed != 1:
            raise Conflict(
                _("The directive changed meanwhile; reload and try again."),
                code="directive_changed",
            )
        assignment.refresh_from_db()
        directive_event_record(assignment=assignment, kind=kind, actor=actor, note=note)
        audit_record(
            actor=actor,
            action=f"directive_{kind}",
            object_type="directive",
            object_id=assignment.directive.code,
            fields=fields,
            extra={"unit": assignment.region.code, "from": current, "to": to},
        )
        notify(
            users=[assignment.directive.issued_by_id],
            kind=NotificationKind.DIRECTIVE,
            subject=_("%(unit)s: %(status)s — %(title)s")
            % {
                "unit": assignment.region.name,
                "status": S(to).label,
                "title": assignment.directive.title,
            },
            link=_link(assignment.directive),
        )
    return assignment


def directive_acknowledge(
    *, actor: AnyActor, assignment: DirectiveAssignment
) -> DirectiveAssignment:
    """The receiving unit acknowledges the directive (sent → acknowledged); the issuer is told."""
    _require_own_unit(actor, assignment)
    return _move(
        actor=actor,
        assignment=assignment,
        to=S.ACKNOWLEDGED,
        kind=DirectiveEventKind.ACKNOWLEDGED,
        note="",
        updates={"acknowledged_at": timezone.now()},
        fields=["status", "acknowledged_at"],
    )


def directive_progress(
    *, actor: AnyActor, assignment: DirectiveAssignment, note: str
) -> DirectiveAssignment:
    """The unit reports progress (a note, required); the status becomes in progress."""
    _require_own_unit(actor, assignment)
    errors: Errors = []
    cleaned = text(note, field="note", max_length=2000, errors=errors, required=True)
    raise_if(errors, _("Say what was done."))
    updates: dict[str, object] = {"progress_note": cleaned}
    if assignment.acknowledged_at is None:
        updates["acknowledged_at"] = timezone.now()
    return _move(
        actor=actor,
        assignment=assignment,
        to=S.IN_PROGRESS,
        kind=DirectiveEventKind.PROGRESS,
        note=cleaned,
        updates=updates,
        fields=["status", "progress_note"],
    )


def directive_complete(
    *,
    actor: AnyActor,
    assignment: DirectiveAssignment,
    evidence: str,
    evidence_file: UploadedFile[bytes] | None = None,
) -> DirectiveAssignment:
    """The unit completes the directive with evidence: a text (required) and optionally a
    file (at most :data:`EVIDENCE_MAX_BYTES`, 422 naming ``evidence_file``)."""
    _require_own_unit(actor, assignment)
    errors: Errors = []
    cleaned = text(evidence, field="evidence", max_length=5000, errors=errors, required=True)
    if evidence_file is not None and (evidence_file.size or 0) > EVIDENCE_MAX_BYTES:
        errors.append(
            field_error("evidence_file", "file_too_large", _("The file is larger than 10 MB."))
        )
    raise_if(errors, _("Give the evidence of completion."))
    now = timezone.now()
    updates: dict[str, object] = {"evidence_text": cleaned, "completed_at": now}
    if assignment.acknowledged_at is None:
        updates["acknowledged_at"] = now
    done = _move(
        actor=actor,
        assignment=assignment,
        to=S.COMPLETED,
        kind=DirectiveEventKind.COMPLETED,
        note=cleaned,
        updates=updates,
        fields=["status", "evidence_text", "completed_at"],
    )
    if evidence_file is not None:
        done.evidence_file.save(evidence_file.name or "evidence", evidence_file, save=False)
        DirectiveAssignment.objects.filter(pk=done.pk).update(evidence_file=done.evidence_file.name)
    return done


def directives_escalate_overdue(*, actor: AnyActor, now: datetime | None = None) -> int:
    """Escalate every unit past its directive's deadline and not completed, once, one level
    up (R33): to the node above the unit, whose commanders are told, as is the issuer.

    Each escalation is a conditional update (``escalated_at`` still empty), so a second run
    or a concurrent one escalates nothing twice. Returns how many were escalated."""
    now = now or timezone.now()
    overdue = list(
        DirectiveAssignment.objects.filter(directive__deadline__lt=now, escalated_at__isnull=True)
        .exclude(status=S.COMPLETED)
        .select_related("directive", "region", "region__parent")
        .order_by("id")[:1000]
    )
    due = DirectiveAssignment.objects.filter(escalated_at__isnull=True)

    def claim(assignment: DirectiveAssignment) -> list[int]:
        return claim_row(
            due,
            assignment.pk,
            escalated_at=now,
            escalated_to=assignment.region.parent or assignment.region,
        )

    def record(assignment: DirectiveAssignment, _claimed: list[int]) -> None:
        above = assignment.region.parent or assignment.region
        directive_event_record(
            assignment=assignment,
            kind=DirectiveEventKind.ESCALATED,
            actor=actor,
            note=above.code,
        )
        audit_record(
            actor=actor,
            action="directive_escalate",
            object_type="directive",
            object_id=assignment.directive.code,
            fields=["escalated_at", "escalated_to"],
            extra={"unit": assignment.region.code, "to": above.code},
        )
        escalation_notify(
            above=above,
            also=assignment.directive.issued_by_id,
            subject=_("Overdue directive escalated: %(unit)s — %(title)s")
            % {"unit": assignment.region.name, "title": assignment.directive.title},
            link=_link(assignment.directive),
        )

    return escalate_overdue(overdue, claim=claim, record=record)
