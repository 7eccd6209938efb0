"""Command bodies, their working groups (专班) and members, incidents under command and the
escalation of command (提级指挥, issue 22 §2, R34).

Escalation is taken by the higher level: a commander whose node lies above the body that
commands an incident moves its command to the body of their own node. Command never moves
down; every move leaves a history row, an audit row and tells the commanders who gave it up.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import Membership
from fangkong.command_center.duty_choices import NotificationKind, WorkingGroupKind
from fangkong.command_center.duty_inputs import Errors, raise_if, require_role, text
from fangkong.command_center.duty_roles import COMMAND_ROLES
from fangkong.command_center.models import (
    CommandBody,
    GroupMember,
    Incident,
    IncidentEscalation,
    WorkingGroup,
)
from fangkong.command_center.notifications.delivery import notify
from fangkong.command_center.notifications.recipients import unit_recipients
from fangkong.core.actor import Actor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, NotFound, field_error
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, path_in_subtree, region_in_scope


def command_body_create(*, actor: Actor, region: Region, name: str) -> CommandBody:
    """Set up the command body of ``region`` (in the actor's subtree; one per node, 409)."""
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    cleaned = text(name, field="name", max_length=200, errors=errors, required=True)
    if not region_in_scope(actor, region):
        raise NotFound(_("No such jurisdiction."), code="region_not_found")
    raise_if(errors, _("The command body was not set up."))
    try:
        with transaction.atomic():
            body = CommandBody.objects.create(region=region, name=cleaned)
            audit_record(
                actor=actor,
                action="command_body_create",
                object_type="command_body",
                object_id=body.code,
                fields=["region", "name"],
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This jurisdiction has a command body already."), code="command_body_exists"
        ) from exc
    return body


def working_group_create(*, actor: Actor, body: CommandBody, kind: str, name: str) -> WorkingGroup:
    """Add the working group of ``kind`` to ``body`` (one per kind, 409)."""
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    cleaned = text(name, field="name", max_length=200, errors=errors, required=False)
    if kind not in WorkingGroupKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    raise_if(errors, _("The working group was not set up."))
    try:
        with transaction.atomic():
            group = WorkingGroup.objects.create(
                body=body, kind=kind, name=cleaned or str(WorkingGroupKind(kind).label)
            )
            audit_record(
                actor=actor,
                action="working_group_create",
                object_type="command_body",
                object_id=body.code,
                fields=["kind", "name"],
                extra={"kind": kind},
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This command body has that working group already."), code="working_group_exists"
        ) from exc
    return group


def group_member_add(
    *, actor: Actor, group: WorkingGroup, username: str, leader: bool, duty: str
) -> GroupMember:
    """Add the staff member ``username`` (holding a membership in the actor's subtree; 404
    otherwise, like an unknown name) to ``group``, as a leader or not; adding again updates
    the leader mark and duty."""
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    what = text(duty, field="duty", max_length=200, errors=errors, required=False)
    raise_if(errors, _("The member was not added."))
    membership = (
        Membership.objects.filter(
            in_subtree(actor.region_path, field="region__path"),
            user__username=username,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFound(_("No such staff member."), code="staff_not_found")
    with transaction.atomic():
        member, _created = GroupMember.objects.update_or_create(
            group=group, user=membership.user, defaults={"leader": leader, "duty": what}
        )
        audit_record(
            actor=actor,
            action="group_member_add",
            object_type="command_body",
            object_id=group.body.code,
            fields=["member", "leader", "duty"],
            extra={"kind": group.kind, "user": membership.user_id},
        )
    return member


def _body_at(node_id: int) -> CommandBody:
    body = CommandBody.objects.filter(region_id=node_id).select_related("region").first()
    if body is None:
        raise_if(
            [field_error("body", "no_command_body", _("Set up the command body here first."))],
            _("There is no command body at your jurisdiction."),
        )
    assert body is not None
    return body


def incident_open(*, actor: Actor, name: str, region: Region) -> Incident:
    """Open an incident at ``region`` (in the actor's subtree) under the command body of the
    actor's node (422 naming ``body`` when there is none)."""
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    cleaned = text(name, field="name", max_length=200, errors=errors, required=True)
    raise_if(errors, _("The incident was not opened."))
    if not region_in_scope(actor, region):
        raise NotFound(_("No such jurisdiction."), code="region_not_found")
    body = _body_at(actor.region_id)
    now = timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(name=cleaned, region=region, body=body, opened_at=now)
        IncidentEscalation.objects.create(
            incident=incident,
            to_body=body,
            at=now,
            actor=actor.username,
            actor_role=actor.role,
            reason=_("Opened"),
        )
        audit_record(
            actor=actor,
            action="incident_open",
            object_type="incident",
            object_id=incident.code,
            fields=["name", "region", "body"],
        )
    return incident


def incident_escalate(*, actor: Actor, incident: Incident, reason: str) -> Incident:
    """Move the command of ``incident`` up to the body of the actor's node (提级指挥, R34).

    1. A commander, with a reason (422 naming ``reason``); the actor's node must lie strictly
       above the body commanding it now (422 naming ``body``) and have a command body.
    2. A conditional update on the current body (a concurrent escalation loses, 409).
    3. A history row (from → to, who, why), an audit row; the commanders of the body that
       gave up command are told.
    """
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    why = text(reason, field="reason", max_length=255, errors=errors, required=True)
    current = incident.body
    above = current.region.path != actor.region_path and path_in_subtree(
        current.region.path, actor.region_path
    )
    if not above:
        errors.append(
            field_error(
                "body", "not_above", _("Command moves only up, to a level above the present one.")
            )
        )
    raise_if(errors, _("The command was not escalated."))
    target = _body_at(actor.region_id)
    with transaction.atomic():
        changed = Incident.objects.filter(pk=incident.pk, body=current).update(
            body=target, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise Conflict(
                _("The incident changed meanwhile; reload and try again."), code="incident_changed"
            )
        IncidentEscalation.objects.create(
            incident=incident,
            from_body=current,
            to_body=target,
            at=timezone.now(),
            actor=actor.username,
            actor_role=actor.role,
            reason=why,
        )
        audit_record(
            actor=actor,
            action="incident_escalate",
            object_type="incident",
            object_id=incident.code,
            fields=["body"],
            reason=why,
            extra={"from": current.region.code, "to": target.region.code},
        )
        notify(
            users=unit_recipients(region_ids=[current.region_id], roles=COMMAND_ROLES),
            kind=NotificationKind.ESCALATION,
            subject=_("Command of %(incident)s escalated to %(body)s")
            % {"incident": incident.name, "body": target.name},
            link=reverse("command_center:incident", args=[incident.code]),
        )
    incident.refresh_from_db()
    return incident
